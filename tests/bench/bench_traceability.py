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
import statistics
import threading
from datetime import date, timedelta
from decimal import Decimal
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from . import support
from .support import Ratios, alternate, percentiles, test_database, timed

PAGE_REQUESTS = 300  # per side, shared among the rounds
LABELS = 960  # 20 sheets of 48, shared among the rounds
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


def _hammer(port, bare_path, page_paths, count):
    """Blocks of bare-view and provenance requests in alternation, round by round, so both
    sides see the same machine load; returns each side's per-request durations, grouped by
    round, and the page size."""
    for n in range(10):  # warm up: renditions, caches, templates
        _get(port, page_paths[n % len(page_paths)])
        _get(port, bare_path)
    block = max(20, count // support.ROUNDS)
    pages = itertools.count()
    size = 0

    def bare_block(_round):
        return [timed(_get, port, bare_path)[1] for _n in range(block)]

    def page_block(_round):
        nonlocal size
        samples = []
        for _n in range(block):
            size, seconds = timed(_get, port, page_paths[next(pages) % len(page_paths)])
            samples.append(seconds)
        return samples

    bare_rounds, page_rounds = alternate(bare_block, page_block)
    return bare_rounds, page_rounds, size


def _rate(samples):
    return len(samples) / sum(samples)


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
            bare_rounds, page_rounds, size = _hammer(port, "/bench-bare/", paths, PAGE_REQUESTS)
        finally:
            server.shutdown()
            server.server_close()
    page_samples = [seconds for block in page_rounds for seconds in block]
    bare_samples = [seconds for block in bare_rounds for seconds in block]
    p50, p95 = percentiles(page_samples)
    b50, b95 = percentiles(bare_samples)
    page_rps, bare_rps = _rate(page_samples), _rate(bare_samples)
    ratios = Ratios(map(_rate, page_rounds), map(_rate, bare_rounds))
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
            ratios.measured(),
            "ratio",
            f"wsgiref, one thread, sequential requests; {ratios.note()}",
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
