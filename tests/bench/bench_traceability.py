"""Traceability, measured side by side in one run so the ratios hold on any machine:

- provenance-page requests per second against a bare Django view, both served by the same
  gunicorn (2 workers × 2 threads, as production runs it, against the bench's scratch
  database and the configured CACHE_URL) through the full middleware stack, loaded by 8
  clients at once over keep-alive HTTP; each provenance request records a scan, as a
  buyer's would;
- 8 clients scanning one label against 8 clients scanning 8 labels (each scan from another
  buyer's network, so each one writes): scans of one label must not queue on each other;
- label PDF throughput (labels per second, a4-30x30, vector QR codes) against building the
  same number of bare QR matrices with ``qrcode``.
"""

import http.client
import io
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from . import support
from .support import Ratios, alternate, percentiles, test_database, timed

CLIENTS = 8  # concurrent clients, each on its own keep-alive connection
WORKERS, THREADS = 2, 2  # the gunicorn the pages are served by
PAGE_REQUESTS = 2400  # per side, shared among the rounds and the clients
LABELS = 960  # 20 sheets of 48, shared among the rounds
EVENTS = 8
ROOT = Path(__file__).resolve().parents[2]


def _photo():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (60, 130, 70)).save(buffer, format="JPEG")
    return SimpleUploadedFile("anh.jpg", buffer.getvalue(), "image/jpeg")


def tea_batch(mark):
    """A farmer, their cooperative, its growing area, a tea listing and one batch of it; ``mark``
    keeps the phone, slugs, area code and lot of one bench apart from another's."""
    from django.utils import timezone

    from accounts.models import User
    from growing_areas.models import GrowingArea
    from marketplace.models import Producer, Product
    from traceability import services

    user = User.objects.create_user(f"091399900{mark}", "bench-password-1", full_name="Lò Thị Mai")
    producer = Producer.objects.create(
        name="HTX Chè Shan Tuyết Suối Giàng",
        slug=f"bench-htx-{mark}",
        story="Hợp tác xã chè cổ thụ.",
        province_code="15",
        commune_code="04672",
        verification=Producer.Verification.VERIFIED,
    )
    producer.members.add(user)
    area = GrowingArea.objects.create(
        code=f"LC-BENCH-CHE-{mark}",
        name="Vùng chè Suối Giàng",
        crop="Chè",
        area_ha=Decimal(120),
        province_code="15",
        commune_code="04672",
        holder_name="HTX",
        issued_by="Chi cục",
        issued_on=date(2024, 1, 1),
        boundary={
            "type": "Polygon",
            "coordinates": [[[104.65, 21.64], [104.66, 21.64], [104.66, 21.63], [104.65, 21.64]]],
        },
    )
    product = Product.objects.create(
        producer=producer,
        name="Chè Shan Tuyết cổ thụ",
        slug=f"bench-che-{mark}",
        category=Product.Category.TEA,
        price=450_000,
        unit="gói 200 g",
        review_state=Product.Review.APPROVED,
        gtin="8939999000017",
    )
    return services.record_batch(
        product=product,
        growing_area=area,
        lot=f"L260315-{mark}",
        harvest_date=timezone.localdate() - timedelta(days=10),
        quantity=Decimal(50),
        unit="kg",
        by=user,
    )


def _seed():
    """A batch with EVENTS processing steps, each with a photo, and 200 issued labels."""
    from django.utils import timezone

    from traceability import printing, services

    batch = tea_batch(1)
    user = batch.product.producer.members.get()
    kinds = ["withering", "fixing", "rolling", "drying", "packing", "storage", "shipping"]
    for n in range(EVENTS - 1):
        services.record_event(
            batch,
            kind=kinds[n % len(kinds)],
            occurred_at=timezone.now() - timedelta(hours=EVENTS - n),
            by=user,
            place="Xưởng chè",
            note="Ghi chép công đoạn",
            photos=[_photo()],
        )
    run = printing.issue_labels(batch, 200, "a4-30x30", build=False)
    return [label.path for label in run.labels.select_related("batch__product")]


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _gunicorn(database_name):
    """gunicorn serving the project (plus /bench-bare/) from the scratch database; yields its
    port once it answers."""
    port = _free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.bench.gunicorn_settings",
        "BENCH_DATABASE_NAME": database_name,
        "LOG_LEVEL": "WARNING",
    }
    command = [
        *(sys.executable, "-m", "gunicorn", "config.wsgi"),
        *("--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--threads", str(THREADS)),
    ]
    with tempfile.TemporaryFile() as errors:
        server = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=errors
        )
        try:
            _wait_for(server, port, errors)
            yield port
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_for(server, port, errors):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            errors.seek(0)
            raise RuntimeError(f"gunicorn stopped:\n{errors.read().decode()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/bench-bare/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within a minute")


_buyers = itertools.count(1)


def _get(connection, path):
    # each request from another buyer's network (through one trusted proxy), so each one
    # writes its scan: a repeat from the same network within minutes writes nothing
    buyer = next(_buyers)
    headers = {
        "Accept-Language": "vi",
        "Accept-Encoding": "gzip",
        "User-Agent": "Mozilla/5.0 Chrome/120",
        "X-Forwarded-For": f"14.{buyer // 65536 % 256}.{buyer // 256 % 256}.{buyer % 256}",
    }
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}")
    return len(body)


def _load(port, paths, requests):
    """``requests`` GETs by CLIENTS clients at once, client n asking for paths[n % len]; returns
    (requests per second, per-request durations, the last body's size on the wire)."""
    per_client = max(1, requests // CLIENTS)
    durations, sizes, failures = [], [0], []
    start = threading.Barrier(CLIENTS + 1)

    def client(number):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        path = paths[number % len(paths)]
        start.wait()
        try:
            for _n in range(per_client):
                sizes[0], seconds = timed(_get, connection, path)
                durations.append(seconds)
        except Exception as error:  # reported below, in the bench's thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise failures[0]
    return len(durations) / elapsed, durations, sizes[0]


def _sides(port, first_paths, second_paths, requests):
    """The two sides loaded in alternation, round by round; per side: the rates of the rounds
    and all durations."""
    per_round = max(CLIENTS * 4, requests // support.ROUNDS)
    size = [0]

    def side(paths):
        def one_round(_round):
            rate, durations, size[0] = _load(port, paths, per_round)
            return rate, durations

        return one_round

    firsts, seconds = alternate(side(first_paths), side(second_paths))
    return firsts, seconds, size[0]


def _rates(rounds):
    return [rate for rate, _durations in rounds]


def _durations(rounds):
    return [seconds for _rate, durations in rounds for seconds in durations]


@contextmanager
def _file_database():
    """SQLite: the scratch database in a file, so gunicorn's processes share it."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    test = connection.settings_dict.setdefault("TEST", {})
    old = test.get("NAME")
    with tempfile.TemporaryDirectory() as directory:
        test["NAME"] = str(Path(directory) / "bench.sqlite3")
        try:
            yield
        finally:
            test["NAME"] = old


def _page_rows():
    from django.db import connection

    with _file_database(), test_database() as vendor:
        paths = _seed()[:CLIENTS]
        connection.close()  # the server's processes write from now on
        with _gunicorn(connection.settings_dict["NAME"]) as port:
            warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for path in paths * 4:  # both workers: templates, caches
                _get(warm, path)
            warm.close()
            bare, page, size = _sides(port, ["/bench-bare/"], paths, PAGE_REQUESTS)
            one, eight, _size = _sides(port, paths[:1], paths, PAGE_REQUESTS)
    p50, p95 = percentiles(_durations(page))
    b50, b95 = percentiles(_durations(bare))
    page_rps, bare_rps = statistics.median(_rates(page)), statistics.median(_rates(bare))
    ratios = Ratios(_rates(page), _rates(bare))
    same_label = Ratios(_rates(one), _rates(eight))
    server = f"gunicorn {WORKERS} workers × {THREADS} threads, {CLIENTS} clients at once"
    return [
        (
            "provenance page (label URL, records a scan)",
            f"{page_rps:.0f}",
            "req/s",
            f"{vendor}, {EVENTS} events with photos, {size / 1024:.1f} KB gzipped; "
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms; median of the rounds",
        ),
        (
            "bare Django view, same server",
            f"{bare_rps:.0f}",
            "req/s",
            f"p50 {b50:.1f} ms, p95 {b95:.1f} ms; median of the rounds",
        ),
        ("provenance page ÷ bare view", ratios.measured(), "ratio", f"{server}; {ratios.note()}"),
        (
            "8 clients on one label ÷ 8 clients on 8 labels",
            same_label.measured(),
            "ratio",
            f"medians {statistics.median(_rates(one)):.0f} and "
            f"{statistics.median(_rates(eight)):.0f} req/s; {same_label.note()}",
        ),
    ]


def _bare_matrices(urls):
    """Build each matrix and drop it, as the label drawing does."""
    from traceability.labels import qr_matrix

    for url in urls:
        qr_matrix(url)


def _label_rows():
    from traceability import gs1
    from traceability.digital_link import label_url
    from traceability.labels import LabelContent, render_labels

    urls = [
        label_url("08939999000017", "L260315-1", gs1.new_serial(), "https://chophien.vn")
        for _ in range(LABELS)
    ]
    # A, B, A, B, …: each round renders its own slice of the URLs as a PDF, then builds the
    # same slice's bare matrices; the ratio is taken round by round.
    per_round = max(48, LABELS // support.ROUNDS)
    pdf_size = 0

    def chunk(round_number):
        return [urls[(round_number * per_round + n) % len(urls)] for n in range(per_round)]

    def pdf_round(round_number):
        nonlocal pdf_size
        contents = (
            LabelContent(url, "Chè Shan Tuyết cổ thụ Suối Giàng", "L260315-1")
            for url in chunk(round_number)
        )
        output = io.BytesIO()
        _, seconds = timed(render_labels, contents, "a4-30x30", output)
        pdf_size = output.tell()
        return per_round / seconds

    def qr_round(round_number):
        return per_round / timed(_bare_matrices, chunk(round_number))[1]

    pdf_rates, qr_rates = alternate(pdf_round, qr_round)
    ratios = Ratios(pdf_rates, qr_rates)
    pdf_rate, qr_rate = statistics.median(pdf_rates), statistics.median(qr_rates)
    return [
        (
            "label PDF, a4-30x30",
            f"{pdf_rate:.0f}",
            "labels/s",
            f"median of {len(pdf_rates)} rounds of {per_round} labels, "
            f"{pdf_size / 1024:.0f} KB PDF each",
        ),
        ("bare QR matrices (qrcode)", f"{qr_rate:.0f}", "matrices/s", "the same URLs, median"),
        ("label PDF ÷ bare QR matrices", ratios.measured(), "ratio", ratios.note()),
    ]


def run():
    return _page_rows() + _label_rows()
