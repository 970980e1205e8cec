"""Checkout, measured side by side in one run so the ratios hold on any machine:

- orders placed per second through a view that calls ``checkout.place_order`` (two products
  from two farms, cash on delivery: stock locked and taken, seller orders, lines, events,
  farmers' notifications), against a bare Django view on the same WSGI server (wsgiref, one
  thread), over real HTTP, alternating blocks of requests;
- eight buyers at once all buying the same product (they queue on its row lock) against
  eight buyers at once buying eight different products, calling the service in threads.
"""

import http.client
import threading
import uuid
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .support import percentiles, test_database, timed

ORDERS = 240
ROUNDS = 3
THREADS = 8
ORDERS_PER_THREAD = 15


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        """No access log: it would fill the bench's table."""


def bare(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


def place(request):
    """One buyer's whole placing, as the checkout's last step runs it."""
    from django.http import HttpResponse

    order = _place(_products[:2])
    return HttpResponse(order.number)


_products = []


def _place(products):
    from marketplace.cart import load_products, summarize
    from marketplace.checkout import Buyer, place_order

    wanted = {product.pk: 1 for product in products}
    total = summarize(wanted, load_products(wanted), "01").total
    return place_order(
        checkout_token=uuid.uuid4(),
        items=list(wanted.items()),
        buyer=Buyer("Nguyễn Thu Hà", "0912345678", "01", "00004", street="12 Hàng Bông"),
        method="cod",
        expected_total=total,
    )


def _urlconf():
    import types

    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    from config import urls

    module = types.ModuleType("bench_checkout_urls")
    module.urlpatterns = [
        path("bench-bare/", bare),
        path("bench-place/", csrf_exempt(place)),
        *urls.urlpatterns,
    ]
    return module


def _seed():
    from accounts.models import User
    from marketplace.models import Producer, Product

    _products.clear()
    for n in range(THREADS):
        user = User.objects.create_user(f"091399{n:04d}", "bench-password-1", full_name="Lò Mai")
        producer = Producer.objects.create(
            name=f"HTX Chè {n}",
            slug=f"bench-htx-{n}",
            province_code="15",
            commune_code="04672",
            verification=Producer.Verification.VERIFIED,
        )
        producer.members.add(user)
        _products.append(
            Product.objects.create(
                producer=producer,
                name=f"Chè Shan Tuyết {n}",
                slug=f"bench-che-{n}",
                category=Product.Category.TEA,
                price=450_000,
                unit="gói 200 g",
                shipping_weight_grams=250,
                quantity_available=1_000_000,
                review_state=Product.Review.APPROVED,
            )
        )


def _request(port, method, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, headers={"Accept-Language": "vi"})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}")


def _serve():
    from django.core.handlers.wsgi import WSGIHandler

    server = make_server(
        "127.0.0.1", 0, WSGIHandler(), server_class=WSGIServer, handler_class=QuietHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _http_rows(vendor):
    server = _serve()
    port = server.server_address[1]
    try:
        for _n in range(5):  # warm up templates, caches, connections
            _request(port, "POST", "/bench-place/")
            _request(port, "GET", "/bench-bare/")
        bare_samples, place_samples = [], []
        block = ORDERS // ROUNDS
        for _round in range(ROUNDS):
            bare_samples += [timed(_request, port, "GET", "/bench-bare/")[1] for _ in range(block)]
            place_samples += [
                timed(_request, port, "POST", "/bench-place/")[1] for _ in range(block)
            ]
    finally:
        server.shutdown()
        server.server_close()
    p50, p95 = percentiles(place_samples)
    b50, b95 = percentiles(bare_samples)
    place_rate = len(place_samples) / sum(place_samples)
    bare_rate = len(bare_samples) / sum(bare_samples)
    return [
        (
            "checkout: orders placed (2 farms, COD)",
            f"{place_rate:.0f}",
            "orders/s",
            f"{vendor}; p50 {p50:.1f} ms, p95 {p95:.1f} ms",
        ),
        ("bare Django view, same server", f"{bare_rate:.0f}", "req/s", f"p50 {b50:.1f} ms"),
        (
            "orders placed ÷ bare view",
            f"{place_rate / bare_rate:.2f}",
            "ratio",
            f"wsgiref, one thread, {ROUNDS} alternating blocks of sequential requests",
        ),
    ]


def _buyers_at_once(products_of):
    """THREADS buyers, each placing ORDERS_PER_THREAD orders; ``products_of(n)`` is what
    buyer n buys. Returns orders per second over the whole burst."""
    from django.db import connection

    start = threading.Barrier(THREADS)
    failures = []

    def buyer(n):
        try:
            start.wait(timeout=30)
            for _ in range(ORDERS_PER_THREAD):
                _place(products_of(n))
        except Exception as error:  # reported below: a bench must not hide a failure
            failures.append(error)
        finally:
            connection.close()

    def burst():
        threads = [threading.Thread(target=buyer, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    _, seconds = timed(burst)
    if failures:
        raise RuntimeError(f"checkout failed under load: {failures[0]!r}")
    return THREADS * ORDERS_PER_THREAD / seconds


def _contention_rows(vendor):
    if vendor != "postgresql":
        return []  # SQLite takes one writer at a time: there is no contention to compare
    hot, spread = [], []
    for _round in range(ROUNDS):  # alternate, so both sides see the same machine load
        hot.append(_buyers_at_once(lambda n: _products[:1]))
        spread.append(_buyers_at_once(lambda n: _products[n : n + 1]))
    ratios = sorted(h / s for h, s in zip(hot, spread, strict=True))
    return [
        (
            f"checkout: {THREADS} buyers at once, one product ÷ {THREADS} products",
            f"{ratios[len(ratios) // 2]:.2f}",
            "ratio",
            f"median of {ROUNDS} alternating rounds (range {ratios[0]:.2f}–{ratios[-1]:.2f}); "
            f"{max(spread):.0f} orders/s spread, {max(hot):.0f} on one row",
        )
    ]


def run():
    from django.test.utils import override_settings

    with (
        test_database() as vendor,
        override_settings(ROOT_URLCONF=_urlconf(), ALLOWED_HOSTS=["*"]),
    ):
        _seed()
        return _http_rows(vendor) + _contention_rows(vendor)
