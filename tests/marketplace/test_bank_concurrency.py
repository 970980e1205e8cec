"""Bank notifications at the same moment: one replayed ten times through the real endpoint, two
transfers for one order, a transfer racing the expiry sweep. Each one's outcome is whole: one
confirmation, the rest queued for moderators, nothing lost.

PostgreSQL only (``make test-services``): SQLite serialises writers and has no row locks."""

import pytest
from django.db import connection
from django.test import Client

from marketplace.checkout import expire_unpaid_orders
from marketplace.order_models import Order, OrderEvent, Payment, TransferIssue, WebhookEvent
from tests.marketplace.bank_support import notification, payment_of, post
from tests.marketplace.test_checkout_concurrency import together

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


def paying(order, **fields):
    payment = payment_of(order)
    fields.setdefault("amount", payment.amount)
    fields.setdefault("content", f"{payment.reference} chuyen tien")
    return notification(**fields)


def sender(body):
    """A call posting ``body`` to the webhook from its own client, as one delivery."""

    def call():
        return post(Client(raise_request_exception=False), body).status_code

    return call


def test_one_notification_ten_times_at_once_confirms_once(vietqr_order):
    body = paying(vietqr_order)
    results = together([sender(body) for _ in range(10)])

    assert results == [("ok", 200)] * 10
    event = WebhookEvent.objects.get()
    assert event.processed_at is not None and event.attempts == 1
    vietqr_order.refresh_from_db()
    assert vietqr_order.status == Order.Status.CONFIRMED
    assert OrderEvent.objects.filter(order=vietqr_order, to_status="confirmed").count() == 1
    assert not TransferIssue.objects.exists()


def test_two_transfers_for_one_order_at_once_confirm_once_and_queue_the_other(vietqr_order):
    results = together([sender(paying(vietqr_order)), sender(paying(vietqr_order))])

    assert results == [("ok", 200)] * 2
    assert WebhookEvent.objects.filter(processed_at__isnull=False).count() == 2
    assert payment_of(vietqr_order).status == Payment.Status.SUCCEEDED
    assert OrderEvent.objects.filter(order=vietqr_order, to_status="confirmed").count() == 1
    issue = TransferIssue.objects.get()
    assert issue.reason == TransferIssue.Reason.ALREADY_PAID


def test_a_transfer_racing_the_expiry_either_pays_or_is_queued_as_late(vietqr_order):
    Order.objects.filter(pk=vietqr_order.pk).update(
        payment_deadline=vietqr_order.payment_deadline.replace(year=2000)
    )
    results = together([sender(paying(vietqr_order)), expire_unpaid_orders])

    assert [kind for kind, _ in results] == ["ok", "ok"]
    vietqr_order.refresh_from_db()
    issues = list(TransferIssue.objects.values_list("reason", flat=True))
    if vietqr_order.status == Order.Status.CONFIRMED:
        assert issues == [] and results[1] == ("ok", 0)
    else:
        assert vietqr_order.status == Order.Status.EXPIRED
        assert issues == [TransferIssue.Reason.LATE]
        assert payment_of(vietqr_order).status == Payment.Status.PENDING
