"""Many buyers at one moment: no oversell, no deadlock, one order per checkout token, one
confirmation per webhook however often it comes. Each buyer runs in its own thread with its
own database connection, all released together by a barrier.

PostgreSQL only (``make test-services``): SQLite serialises writers and ignores
``select_for_update``, so there is no race to prove there."""

import threading
import uuid

import pytest
from django.db import connection

from marketplace import webhooks
from marketplace.cart import load_products, summarize
from marketplace.checkout import CheckoutChanged, place_order
from marketplace.models import Order, OrderEvent, Payment, WebhookEvent

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


def together(calls):
    """Run each call in its own thread, released at one moment; [("ok", value) or
    ("refused", error) or ("error", error)] in the calls' order."""
    start = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            start.wait(timeout=60)
            results[index] = ("ok", call())
        except CheckoutChanged as error:
            results[index] = ("refused", error)
        except Exception as error:  # reported by the assertions, with its type
            results[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a checkout never finished"
    return results


def checkout(delivery, quantities, token=None):
    """A call placing ``quantities`` ({product: n}) as one buyer who reviewed the total."""
    ids = {product.pk: n for product, n in quantities.items()}
    total = summarize(ids, load_products(ids), "01").total
    token = token or uuid.uuid4()

    def call():
        return place_order(
            checkout_token=token,
            items=list(ids.items()),
            buyer=delivery(),
            method="cod",
            expected_total=total,
        )

    return call


def test_fifty_buyers_for_the_last_ten_units_sell_exactly_ten(producer, make_product, delivery):
    tea = make_product(producer, quantity_available=10)
    results = together([checkout(delivery, {tea: 1}) for _ in range(50)])

    errors = [value for kind, value in results if kind == "error"]
    assert errors == []
    sold = [value for kind, value in results if kind == "ok"]
    refused = [value for kind, value in results if kind == "refused"]
    assert len(sold) == 10 and len(refused) == 40
    assert all(
        "sold out" in " ".join(e.messages) or "hết" in " ".join(e.messages).lower() for e in refused
    )
    tea.refresh_from_db()
    assert tea.quantity_available == 0
    assert Order.objects.count() == 10


def test_crossing_carts_do_not_deadlock(producer, make_product, delivery):
    """Buyers taking two products in opposite orders: the locks go by product id, so none
    waits for another in a circle."""
    first, second = (make_product(producer, quantity_available=100) for _ in range(2))
    calls = [
        checkout(delivery, {first: 1, second: 1} if n % 2 else {second: 1, first: 1})
        for n in range(20)
    ]
    results = together(calls)
    assert [kind for kind, _ in results] == ["ok"] * 20
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.quantity_available, second.quantity_available) == (80, 80)


def test_a_double_clicked_place_order_makes_one_order(producer, make_product, delivery):
    tea = make_product(producer, quantity_available=10)
    token = uuid.uuid4()
    results = together([checkout(delivery, {tea: 2}, token=token) for _ in range(10)])

    assert [kind for kind, _ in results] == ["ok"] * 10
    assert len({order.pk for _, order in results}) == 1
    tea.refresh_from_db()
    assert tea.quantity_available == 8 and Order.objects.count() == 1


def test_a_webhook_replayed_ten_times_at_once_confirms_once(
    producer, make_product, place, prepaid_method, monkeypatch
):
    """The same verified event, ten deliveries at once, each stored and processed at once:
    one inbox row, one payment, one confirmation."""
    from marketplace import checkout as checkout_service

    tea = make_product(producer, quantity_available=10)
    order = place([(tea, 1)], method=prepaid_method)
    payment = order.payments.get()

    def confirm(event):
        checkout_service.confirm_payment(Payment.objects.get(provider_id=event.body))

    monkeypatch.setitem(webhooks._handlers, WebhookEvent.Provider.CARRIER, confirm)

    def deliver():
        event, _created = webhooks.receive(
            "carrier", event_id="evt_1", body=payment.provider_id, signature_valid=True
        )
        return webhooks.process(event.pk)

    results = together([deliver for _ in range(10)])
    assert [kind for kind, _ in results if kind == "error"] == []
    stored = WebhookEvent.objects.get(event_id="evt_1")  # one row, processed once
    assert stored.processed_at is not None and stored.attempts == 1
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and order.status == Order.Status.CONFIRMED
    assert OrderEvent.objects.filter(order=order, to_status="confirmed").count() == 1
