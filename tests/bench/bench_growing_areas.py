"""Growing-area import rate: a generated 10,000-row file, first as new codes, then again
(every code updated), as CSV and as XLSX, on the database DATABASE_URL names (SQLite by
default, PostgreSQL when it points there)."""

import csv
import io
import json
import random
from datetime import date, timedelta

from growing_areas.importing import COLUMNS

from .support import test_database, timed

ROWS = 10_000
HEADER = list(COLUMNS)  # the documented import columns, in their documented order


def generated_rows(count, seed=0, name_suffix=""):
    """Rows like a province's sheet: communes of Lào Cai by name or code, some boundaries,
    dates in both formats, decimal commas."""
    from places import divisions

    rng = random.Random(seed)  # noqa: S311 - test data
    communes = divisions.communes_of("15")
    crops = [("Chè", "Shan Tuyết"), ("Quế", ""), ("Lúa", "Séng Cù"), ("Mận", "Tam Hoa")]
    rows = []
    for number in range(count):
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
    return results
