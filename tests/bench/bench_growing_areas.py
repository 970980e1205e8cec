"""Growing-area import rate: a generated 10,000-row file, first as new codes, then again (every
code updated), as CSV and as XLSX, on SQLite, or on PostgreSQL (a scratch database beside the
one DATABASE_URL names) when it points there. Then the GeoJSON feed over those areas; the
ratios of a repeated import and of XLSX to a first CSV import, in alternating rounds; and the
boundary check by shapely against the pure-Python check it replaced (kept below only for this
comparison). And a 100,000-row CSV imported in a process of its own, for its peak memory."""

import csv
import io
import json
import math
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from growing_areas.importing import COLUMNS

from . import support
from .support import Ratios, alternate, test_database, timed

ROWS = 10_000
MEMORY_ROWS = 100_000  # the import whose peak memory is measured, in a process of its own
RATIO_ROWS = 2_000  # per file in the alternating rounds of the import ratios
RATIO_POINTS = 1_000  # the polygon of the boundary check's ratio
HEADER = list(COLUMNS)  # the documented import columns, in their documented order


def generated_rows(count, seed=0, name_suffix="", start=0):
    """Rows like a province's sheet: communes of Lào Cai by name or code, some boundaries,
    dates in both formats, decimal commas; numbered from ``start``."""
    from places import divisions

    rng = random.Random(seed + start)  # noqa: S311 - test data
    communes = divisions.communes_of("15")
    crops = [("Chè", "Shan Tuyết"), ("Quế", ""), ("Lúa", "Séng Cù"), ("Mận", "Tam Hoa")]
    rows = []
    for number in range(start, start + count):
        commune = communes[number % len(communes)]
        crop, variety = crops[number % len(crops)]
        lat, lon = 21.5 + rng.random(), 104.0 + rng.random()
        boundary = ""
        if number % 10 == 0:
            d = 0.004
            ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
            boundary = json.dumps({"type": "Polygon", "coordinates": [ring]})
        issued = date(2023, 1, 1) + timedelta(days=number % 700)
        rows.append(
            [
                f"LC-BENCH-{number:05d}",
                f"Vùng {crop.lower()} số {number}{name_suffix}",
                crop,
                variety,
                f"{rng.randint(1, 5000) / 10}".replace(".", ","),
                "Lào Cai" if number % 3 else "",  # a name needs its province
                commune.name if number % 3 else commune.code,
                f"Thôn {number % 40}",
                f"HTX Nông nghiệp {commune.name}",
                "",
                str(rng.randint(5, 120)),
                "Chi cục Trồng trọt và BVTV",
                issued.strftime("%d/%m/%Y") if number % 2 else issued.isoformat(),
                (issued + timedelta(days=5 * 365)).isoformat(),
                f"{lat:.6f}",
                f"{lon:.6f}",
                boundary,
                "",
            ]
        )
    return rows


def csv_file(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_file(rows):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the boundary check before shapely, kept only to measure it side by side ---------------


def _old_segments_cross(p1, p2, q1, q2):
    def orient(a, b, c):
        value = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return (value > 0) - (value < 0)

    def on_segment(a, b, c):
        return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(
            a[1], b[1]
        )

    o1, o2, o3, o4 = orient(p1, p2, q1), orient(p1, p2, q2), orient(q1, q2, p1), orient(q1, q2, p2)
    if o1 != o2 and o3 != o4 and 0 not in (o1, o2, o3, o4):
        return True
    return (
        (o1 == 0 and on_segment(p1, p2, q1))
        or (o2 == 0 and on_segment(p1, p2, q2))
        or (o3 == 0 and on_segment(q1, q2, p1))
        or (o4 == 0 and on_segment(q1, q2, p2))
    )


def old_check_ring(ring):
    """The old validator's work on one ring: every pair of edges compared (quadratic)."""
    from decimal import Decimal

    from growing_areas.validators import VIETNAM_LATITUDE, VIETNAM_LONGITUDE

    points = []
    for longitude, latitude in ring:
        assert VIETNAM_LONGITUDE[0] <= Decimal(str(longitude)) <= VIETNAM_LONGITUDE[1]
        assert VIETNAM_LATITUDE[0] <= Decimal(str(latitude)) <= VIETNAM_LATITUDE[1]
        points.append((float(longitude), float(latitude)))
    edges = list(zip(points, points[1:], strict=False))
    count = len(edges)
    for i in range(count):
        for j in range(i + 1, count):
            if j == i + 1 or (i == 0 and j == count - 1):
                continue
            assert not _old_segments_cross(*edges[i], *edges[j])


def circle_boundary(points):
    """A closed ring of ``points`` positions (the closing one included) around Suối Giàng."""
    ring = [
        [
            104.65 + 0.01 * math.cos(2 * math.pi * k / (points - 1)),
            21.63 + 0.01 * math.sin(2 * math.pi * k / (points - 1)),
        ]
        for k in range(points - 1)
    ]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


def boundary_rows():
    """shapely's check at the largest polygon allowed, and, side by side in alternating rounds,
    against the old pure-Python check at RATIO_POINTS (the old one is quadratic: at 5,000
    points one call takes about a minute, too long to repeat)."""
    from growing_areas.validators import BOUNDARY_MAX_POINTS, clean_boundary

    largest = circle_boundary(BOUNDARY_MAX_POINTS)
    largest_runs = [timed(clean_boundary, largest)[1] for _ in range(support.ROUNDS)]
    geometry = circle_boundary(RATIO_POINTS)
    old, new = alternate(
        lambda _round: timed(old_check_ring, geometry["coordinates"][0])[1],
        lambda _round: timed(clean_boundary, geometry)[1],
    )
    ratios = Ratios(old, new)
    return [
        (
            f"boundary check, {BOUNDARY_MAX_POINTS:,}-point polygon (shapely)",
            f"{statistics.median(largest_runs) * 1000:,.1f}",
            "ms",
            f"median of {len(largest_runs)}",
        ),
        (
            f"boundary check, {RATIO_POINTS:,}-point polygon: the pure-Python check it replaced "
            "÷ shapely",
            ratios.measured(0),
            "× slower",
            f"{ratios.note(0)}; {statistics.median(old):,.2f} s against "
            f"{statistics.median(new) * 1000:,.1f} ms",
        ),
    ]


def import_ratio_rows(vendor):
    """A first import, the same file again and the same rows as XLSX, round after round on
    RATIO_ROWS new codes each, so the ratios hold whatever else the machine does."""
    from growing_areas.services import import_growing_areas

    def rows_coded(prefix):
        return [[f"LC-{prefix}-{row[0][9:]}", *row[1:]] for row in generated_rows(RATIO_ROWS)]

    def rate(data, name, created):
        report, seconds = timed(import_growing_areas, data, name)
        assert report.ok and report.created == created, report.errors[:3]
        return RATIO_ROWS / seconds

    def csv_round(round_number):
        data = csv_file(rows_coded(f"C{round_number}"))
        return rate(data, "vung.csv", RATIO_ROWS), rate(data, "vung.csv", 0)

    def xlsx_round(round_number):
        return rate(xlsx_file(rows_coded(f"X{round_number}")), "vung.xlsx", RATIO_ROWS)

    csv_rates, xlsx_rates = alternate(csv_round, xlsx_round)
    first = [new for new, _again in csv_rates]
    again = Ratios([again for _new, again in csv_rates], first)
    xlsx = Ratios(xlsx_rates, first)
    size = f"{RATIO_ROWS:,}-row files, {vendor}"
    return [
        (
            "growing-area import: the same file again ÷ a first import",
            again.measured(),
            "ratio",
            f"{size}; {again.note()}",
        ),
        (
            "growing-area import: XLSX ÷ CSV, new codes",
            xlsx.measured(),
            "ratio",
            f"{size}; {xlsx.note()}",
        ),
    ]


def geojson_rows(vendor, areas):
    from django.test import Client

    client = Client()
    start = time.perf_counter()
    first = client.get("/vung-trong.geojson")
    cold = time.perf_counter() - start
    start = time.perf_counter()
    again = client.get("/vung-trong.geojson")
    warm = time.perf_counter() - start
    assert first.status_code == again.status_code == 200
    data = json.loads(first.content)
    return [
        (
            f"GeoJSON feed, first page of {areas:,} areas ({data['numberReturned']} features)",
            f"{cold * 1000:,.0f}",
            "ms",
            f"{vendor}; {len(first.content) / 1024:,.0f} KB; from the cache: {warm * 1000:,.1f} ms",
        )
    ]


def write_csv_file(path, count, prefix):
    """A CSV file of ``count`` generated rows with codes ``LC-<prefix>-…``, written in blocks
    (the rows of a 100,000-row file are never all in memory here either)."""
    block = 10_000
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for start in range(0, count, block):
            for row in generated_rows(min(block, count - start), start=start):
                writer.writerow([f"LC-{prefix}-{row[0][9:]}", *row[1:]])


@contextmanager
def database_for_a_child(folder):
    """A DATABASE_URL another process can open with what the bench's database holds: on
    PostgreSQL the scratch database itself; on SQLite (in memory, this process's own) a copy
    in a file."""
    from django.db import connection

    if connection.vendor == "postgresql":
        parts = urlsplit(os.environ["DATABASE_URL"])
        name = connection.settings_dict["NAME"]
        yield urlunsplit(parts._replace(path="/" + name))
        return
    path = Path(folder) / "bench.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    try:
        connection.connection.backup(copy)
    finally:
        copy.close()
    yield f"sqlite:///{path}"


def memory_rows(vendor):
    """A MEMORY_ROWS-row CSV of new codes imported by ``tests.bench.import_memory`` in a process
    of its own (the file opened as a worker opens it), for the import's rate and its peak
    memory beside it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vung.csv"
        write_csv_file(path, MEMORY_ROWS, "MEM")
        size = path.stat().st_size
        with database_for_a_child(folder) as url:
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "GROWING_AREA_IMPORT_MAX_ROWS": str(MEMORY_ROWS),
                "GROWING_AREA_IMPORT_MAX_BYTES": str(2 * size),
            }
            finished = subprocess.run(  # noqa: S603 - this interpreter, the bench's own module
                [sys.executable, "-m", "tests.bench.import_memory", str(path)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
    measured = json.loads(finished.stdout.strip().splitlines()[-1])
    assert measured["created"] == MEMORY_ROWS, measured
    seconds, before, peak = measured["seconds"], measured["before_mb"], measured["peak_mb"]
    what = f"growing-area import, {MEMORY_ROWS:,}-row CSV ({size / 1024 / 1024:.0f} MB), new codes"
    return [
        (
            f"{what}, in a process of its own",
            f"{MEMORY_ROWS / seconds:,.0f}",
            "rows/s",
            f"{vendor}; {seconds:.0f} s",
        ),
        (
            f"{what}: peak memory the import adds to its process",
            f"{peak - before:,.0f}",
            "MB",
            f"{vendor}; peak resident memory {peak:,.0f} MB, of which {before:,.0f} MB before "
            "the first row (Django, the commune tables, a one-row dry run)",
        ),
    ]


def run():

    from growing_areas.services import import_growing_areas

    rows = generated_rows(ROWS)
    changed = generated_rows(ROWS, name_suffix=" (sửa)")
    results = []
    with test_database() as vendor:
        cases = [
            ("CSV, new codes", csv_file(rows), "vung.csv", ROWS, 0),
            ("CSV, same file again (nothing changes)", csv_file(rows), "vung.csv", 0, 0),
            ("CSV, every code updated", csv_file(changed), "vung.csv", 0, ROWS),
        ]
        for what, data, name, created, updated in cases:
            report, seconds = timed(import_growing_areas, data, name)
            assert report.ok, report.errors[:3]
            assert (report.created, report.updated) == (created, updated), report
            results.append(
                (
                    f"growing-area import, {ROWS:,} rows: {what}",
                    f"{ROWS / seconds:,.0f}",
                    "rows/s",
                    f"{vendor}; {seconds:.1f} s",
                )
            )
        # new codes again (areas with a status history are never deleted)
        data = xlsx_file([[f"LC-XLSX-{row[0][9:]}", *row[1:]] for row in rows])
        report, seconds = timed(import_growing_areas, data, "vung.xlsx")
        assert report.ok and report.created == ROWS, report.errors[:3]
        results.append(
            (
                f"growing-area import, {ROWS:,} rows: XLSX, new codes",
                f"{ROWS / seconds:,.0f}",
                "rows/s",
                f"{vendor}; {seconds:.1f} s; file {len(data) / 1024 / 1024:.1f} MB",
            )
        )
        results += geojson_rows(vendor, ROWS)
        results += import_ratio_rows(vendor)
        results += memory_rows(vendor)
    return results + boundary_rows()
