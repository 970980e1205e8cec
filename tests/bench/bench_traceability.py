"""Traceability, measured side by side in one run so the ratios hold on any machine:

- provenance-page requests per second against a bare Django view, both served by the same
  WSGI server (wsgiref, one thread) through the full middleware stack over real HTTP; each
  provenance request records a scan, as a buyer's would;
- label PDF throughput (labels per second, a4-30x30, vector QR codes) against building the
  same number of bare QR matrices with ``qrcode``.
"""

import http.client
import io
import itertools
import threading
from datetime import date, timedelta
from decimal import Decimal
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .support import percentiles, test_database, timed

PAGE_REQUESTS = 300
LABELS = 960  # 20 sheets of 48
ROUNDS = 3
EVENTS = 8


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def bare(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


def _urlconf():
    """The project's URLs plus /bench-bare/, in a throwaway module."""
    import types

    from django.urls import path

    from config import urls

    module = types.ModuleType("bench_traceability_urls")
    module.urlpatterns = [path("bench-bare/", bare), *urls.urlpatterns]
    return module


def _photo():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (60, 130, 70)).save(buffer, format="JPEG")
    return SimpleUploadedFile("anh.jpg", buffer.getvalue(), "image/jpeg")


def _seed():
    """A producer, an area, a processed batch with photos and 200 issued labels."""
    from django.utils import timezone

    from accounts.models import User
    from growing_areas.models import GrowingArea
    from marketplace.models import Producer, Product
    from traceability import printing, services

    user = User.objects.create_user("0913999001", "bench-password-1", full_name="Lò Thị Mai")
    producer = Producer.objects.create(
        name="HTX Chè Shan Tuyết Suối Giàng",
        slug="bench-htx",
        story="Hợp tác xã chè cổ thụ.",
        province_code="15",
        commune_code="04672",
        verification=Producer.Verification.VERIFIED,
    )
    producer.members.add(user)
    area = GrowingArea.objects.create(
        code="LC-BENCH-CHE-1",
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
        slug="bench-che",
        category=Product.Category.TEA,
        price=450_000,
        unit="gói 200 g",
        review_state=Product.Review.APPROVED,
        gtin="8939999000017",
    )
    batch = services.record_batch(
        product=product,
        growing_area=area,
        lot="L260315-1",
        harvest_date=timezone.localdate() - timedelta(days=10),
        quantity=Decimal(50),
        unit="kg",
        by=user,
    )
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


def _serve():
    from django.core.handlers.wsgi import WSGIHandler

    server = make_server(
        "127.0.0.1", 0, WSGIHandler(), server_class=WSGIServer, handler_class=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


_buyers = itertools.count(1)


def _get(port, path):
    # each request from another buyer's network (through one trusted proxy), so each one
    # writes its scan: a repeat from the same network within minutes writes nothing
    buyer = next(_buyers)
    headers = {
        "Accept-Language": "vi",
        "User-Agent": "Mozilla/5.0 Chrome/120",
        "X-Forwarded-For": f"14.{buyer // 256 % 256}.{buyer % 256}.7",
    }
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}")
    return len(body)


def _hammer(port, bare_path, page_paths, count, rounds=ROUNDS):
    """Alternate blocks of bare-view and provenance requests, so both sides see the same
    machine load; returns the per-request durations of each side and the page size."""
    for n in range(10):  # warm up: renditions, caches, templates
        _get(port, page_paths[n % len(page_paths)])
        _get(port, bare_path)
    bare_samples, page_samples, size = [], [], 0
    block = count // rounds
    for round_number in range(rounds):
        for _n in range(block):
            bare_samples.append(timed(_get, port, bare_path)[1])
        for n in range(block):
            path = page_paths[(round_number * block + n) % len(page_paths)]
            size, seconds = timed(_get, port, path)
            page_samples.append(seconds)
    return bare_samples, page_samples, size


def _page_rows():
    from django.test.utils import override_settings

    with (
        test_database() as vendor,
        override_settings(
            ROOT_URLCONF=_urlconf(),
            ALLOWED_HOSTS=["*"],
            TRACEABILITY_MAX_SCANS_PER_LABEL=10**9,
            TRACEABILITY_MAX_NETWORKS_PER_LABEL=10**9,
            TRUSTED_PROXY_COUNT=1,
        ),
    ):
        paths = _seed()
        server = _serve()
        try:
            port = server.server_address[1]
            bare_samples, page_samples, size = _hammer(port, "/bench-bare/", paths, PAGE_REQUESTS)
        finally:
            server.shutdown()
            server.server_close()
    p50, p95 = percentiles(page_samples)
    b50, b95 = percentiles(bare_samples)
    page_rps = len(page_samples) / sum(page_samples)
    bare_rps = len(bare_samples) / sum(bare_samples)
    return [
        (
            "provenance page (label URL, records a scan)",
            f"{page_rps:.0f}",
            "req/s",
            f"{vendor}, {EVENTS} events with photos, {size / 1024:.0f} KB; "
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms",
        ),
        (
            "bare Django view, same server",
            f"{bare_rps:.0f}",
            "req/s",
            f"p50 {b50:.1f} ms, p95 {b95:.1f} ms",
        ),
        (
            "provenance page ÷ bare view",
            f"{page_rps / bare_rps:.2f}",
            "ratio",
            f"wsgiref, one thread, {ROUNDS} alternating blocks of sequential requests",
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
    # Alternate the two sides in rounds and keep each side's best round: on a shared machine
    # both then see the same load.
    per_round = LABELS // ROUNDS
    pdf_best = qr_best = float("inf")
    pdf_size = 0
    for round_number in range(ROUNDS):
        chunk = urls[round_number * per_round : (round_number + 1) * per_round]
        contents = (
            LabelContent(url, "Chè Shan Tuyết cổ thụ Suối Giàng", "L260315-1") for url in chunk
        )
        output = io.BytesIO()
        _, seconds = timed(render_labels, contents, "a4-30x30", output)
        pdf_best, pdf_size = min(pdf_best, seconds), output.tell()
        _, seconds = timed(_bare_matrices, chunk)
        qr_best = min(qr_best, seconds)
    pdf_rate, qr_rate = per_round / pdf_best, per_round / qr_best
    return [
        (
            "label PDF, a4-30x30",
            f"{pdf_rate:.0f}",
            "labels/s",
            f"best of {ROUNDS} rounds of {per_round} labels, {pdf_size / 1024:.0f} KB PDF each",
        ),
        ("bare QR matrices (qrcode)", f"{qr_rate:.0f}", "matrices/s", "the same URLs, best round"),
        ("label PDF ÷ bare QR matrices", f"{pdf_rate / qr_rate:.2f}", "ratio", ""),
    ]


def run():
    return _page_rows() + _label_rows()
