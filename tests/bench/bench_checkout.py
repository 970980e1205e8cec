"""Checkout, measured side by side in one run so the ratios hold on any machine:

- orders placed per second through a view that calls ``checkout.place_order`` (two products
  from two farms, cash on delivery: stock locked and taken, seller orders, lines, events,
  farmers' notifications), against a bare Django view on the same WSGI server (wsgiref, one
  thread), over real HTTP, alternating blocks of requests;
- eight buyers at once all buying the same product (they queue on its row lock) against
  eight buyers at once buying eight different products, calling the service in threads.
"""

import http.client
import statistics
import threading
import uuid
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from . import support
from .support import Ratios, alternate, percentiles, test_database, timed

ORDERS = 240  # per side, shared among the rounds
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
        block = max(20, ORDERS // support.ROUNDS)

        def bare_block(_round):
            return [timed(_request, port, "GET", "/bench-bare/")[1] for _ in range(block)]

        def place_block(_round):
            return [timed(_request, port, "POST", "/bench-place/")[1] for _ in range(block)]

        bare_rounds, place_rounds = alternate(bare_block, place_block)
    finally:
        server.shutdown()
        server.server_close()
    place_samples = [seconds for block in place_rounds for seconds in block]
    bare_samples = [seconds for block in bare_rounds for seconds in block]
    p50, p95 = percentiles(place_samples)
    b50, b95 = percentiles(bare_samples)
    place_rate, bare_rate = _rate(place_samples), _rate(bare_samples)
    ratios = Ratios(map(_rate, place_rounds), map(_rate, bare_rounds))
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
            ratios.measured(),
            "ratio",
            f"wsgiref, one thread, sequential requests; {ratios.note()}",
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
    # alternate, so both sides see the same machine load
    hot, spread = alternate(
        lambda _round: _buyers_at_once(lambda n: _products[:1]),
        lambda _round: _buyers_at_once(lambda n: _products[n : n + 1]),
    )
    ratios = Ratios(hot, spread)
    return [
        (
            f"checkout: {THREADS} buyers at once, one product ÷ {THREADS} products",
            ratios.measured(),
            "ratio",
            f"{ratios.note()}; {statistics.median(spread):.0f} orders/s spread, "
            f"{statistics.median(hot):.0f} on one row (medians)",
        )
    ]


def _rate(samples):
    return len(samples) / sum(samples)


def run():
    from django.test.utils import override_settings

    with (
        test_database() as vendor,
        override_settings(ROOT_URLCONF=_urlconf(), ALLOWED_HOSTS=["*"]),
    ):
        _seed()
        return _http_rows(vendor) + _contention_rows(vendor)
