"""The buyer's "Huỷ đơn" racing the farmer's "Mark packed": the buyer's rule is read under the
order's lock, so the farmer who got there first wins and the buyer is refused cleanly.

PostgreSQL only (``make test-services``): SQLite serialises writers and has no row locks."""

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection

from marketplace import checkout
from marketplace.models import Order, SellerOrder
from marketplace.tracking import cancel_by_buyer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises writers and has no row locks: run with make test-services",
    ),
]


@pytest.fixture(autouse=True)
def root_collection():
    """Transactional tests flush what migrations made, the photos' root collection too."""
    from wagtail.models import Collection

    return Collection.get_first_root_node() or Collection.add_root(name="Root")


def test_a_buyer_cancelling_as_the_farmer_packs_is_refused(
    producer, producer_user, make_product, place, monkeypatch
):
    tea = make_product(producer, quantity_available=5)
    order = place([(tea, 1)])
    page_drawn = Order.objects.get(pk=order.pk)  # the buyer's page: nothing packed yet
    packing, buyer_waiting = threading.Event(), threading.Event()
    real_record = checkout._record

    def record(order, seller_order, actor, from_status, to_status, note=""):
        real_record(order, seller_order, actor, from_status, to_status, note)
        if to_status == SellerOrder.Status.PACKED:
            packing.set()  # the farmer holds the order's lock, "packed" not yet committed
            buyer_waiting.wait(timeout=5)

    monkeypatch.setattr(checkout, "_record", record)
    results = {}

    def farmer():
        try:
            parcel = SellerOrder.objects.get(order=order)
            checkout.set_seller_order_status(parcel, "packed", actor=producer_user)
            results["farmer"] = "packed"
        finally:
            connection.close()

    def buyer():
        try:
            packing.wait(timeout=10)
            threading.Timer(0.5, buyer_waiting.set).start()  # let the farmer commit soon
            cancel_by_buyer(page_drawn, AnonymousUser(), "Đổi ý")
            results["buyer"] = "cancelled"
        except ValidationError as error:
            results["buyer"] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=farmer), threading.Thread(target=buyer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == {"farmer": "packed", "buyer": "not_cancellable"}
    order.refresh_from_db()
    tea.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED and tea.quantity_available == 4
    assert order.seller_orders.get().status == SellerOrder.Status.PACKED
