"""The bank-notification webhook /webhooks/ngan-hang/ and what a transfer does to an order
(marketplace/transfer_views.py, marketplace/transfers.py): stored first, authenticated, matched
on reference and exact amount, everything uncertain queued for moderators."""

import json
import time
from datetime import timedelta

import pytest

from accounts.models import Notification
from marketplace import transfers
from marketplace.checkout import cancel_order, expire_unpaid_orders
from marketplace.order_models import (
    Order,
    OrderEvent,
    Payment,
    SellerOrder,
    TransferIssue,
    WebhookEvent,
)
from marketplace.signals import order_confirmed
from tests.marketplace.bank_support import API_KEY, SECRET, notification, payment_of, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmations():
    sent = []

    def receive(sender, order, **kwargs):
        sent.append(order.pk)

    order_confirmed.connect(receive, dispatch_uid="test_bank_confirmations")
    yield sent
    order_confirmed.disconnect(dispatch_uid="test_bank_confirmations")


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """Post a notification and run what it queued after commit, as the worker would."""

    def send(body, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(client, body, **kwargs)

    return send


def snapshot(order):
    """Everything a transfer could change about an order."""
    order.refresh_from_db()
    payment = payment_of(order)
    return (
        order.status,
        payment.status,
        sorted(order.seller_orders.values_list("status", flat=True)),
        OrderEvent.objects.filter(order=order).count(),
    )


def paying(order, **fields):
    """The notification of a transfer paying ``order`` exactly."""
    payment = payment_of(order)
    fields.setdefault("amount", payment.amount)
    fields.setdefault("content", f"{payment.reference} chuyen tien")
    return notification(**fields)


# --- Paying ---------------------------------------------------------------------------------


def test_a_signed_exact_transfer_confirms_the_order(send, vietqr_order, confirmations):
    body = paying(vietqr_order)
    response = send(body)

    assert response.status_code == 200
    assert response.json() == {"success": True}
    event = WebhookEvent.objects.get()
    assert (event.provider, event.signature_valid, event.body) == ("bank", True, body.decode())
    assert event.event_id == str(json.loads(body)["id"]) and event.processed_at
    vietqr_order.refresh_from_db()
    payment = payment_of(vietqr_order)
    assert vietqr_order.status == Order.Status.CONFIRMED
    assert payment.status == Payment.Status.SUCCEEDED and payment.paid_at
    assert set(vietqr_order.seller_orders.values_list("status", flat=True)) == {
        SellerOrder.Status.TO_PACK
    }
    assert confirmations == [vietqr_order.pk]
    assert event.event_id in vietqr_order.events.get(to_status="confirmed").note
    assert not TransferIssue.objects.exists()


def test_the_api_key_of_sepay_is_accepted_too(send, vietqr_order):
    response = send(paying(vietqr_order), headers={"Authorization": f"Apikey {API_KEY}"})
    assert response.status_code == 200
    vietqr_order.refresh_from_db()
    assert vietqr_order.status == Order.Status.CONFIRMED


def test_replayed_ten_times_it_confirms_once_and_is_stored_once(send, vietqr_order, confirmations):
    body = paying(vietqr_order)
    for _ in range(10):  # SePay retries; each retry is signed afresh
        assert send(body).status_code == 200

    assert WebhookEvent.objects.count() == 1
    assert confirmations == [vietqr_order.pk]
    assert vietqr_order.events.filter(to_status="confirmed").count() == 1
    assert Payment.objects.filter(order=vietqr_order, status="succeeded").count() == 1
    assert not TransferIssue.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        "{ref}",
        "{ref_lower} chuyen khoan",
        "MBVCB.3278907687.CP-{a}-{b}.CT tu 0011000 NGUYEN THU HA",  # dashes back in
        "Thanh toán đơn {a_spaced} {b}",  # diacritics, spaces added by the bank
        "IBFT {ref_o}",  # O typed for 0, I for 1
    ],
)
def test_the_reference_is_found_however_the_bank_wrote_it(send, vietqr_order, content):
    reference = payment_of(vietqr_order).reference
    a, b = reference[2:6], reference[6:]
    written = content.format(
        ref=reference,
        ref_lower=reference.lower(),
        a=a,
        b=b,
        a_spaced=f"CP {a[:2]} {a[2:]}",
        ref_o=reference.replace("0", "O").replace("1", "I"),
    )
    assert send(paying(vietqr_order, content=written)).status_code == 200
    vietqr_order.refresh_from_db()
    assert vietqr_order.status == Order.Status.CONFIRMED


def test_the_services_own_payment_code_field_counts(send, vietqr_order):
    reference = payment_of(vietqr_order).reference
    send(paying(vietqr_order, content="chuyen tien", code=reference))
    vietqr_order.refresh_from_db()
    assert vietqr_order.status == Order.Status.CONFIRMED


def test_money_going_out_is_stored_and_ignored(send, vietqr_order):
    before = snapshot(vietqr_order)
    body = paying(vietqr_order, transfer_type="out")
    assert send(body).status_code == 200
    assert WebhookEvent.objects.get().processed_at
    assert snapshot(vietqr_order) == before
    assert not TransferIssue.objects.exists()


# --- Refused --------------------------------------------------------------------------------


def refused_cases(body):
    now = int(time.time())
    good = transfers.signed_headers(body, SECRET, now)
    return {
        "unsigned": {},
        "bad signature": {**good, transfers.SIGNATURE_HEADER: "ab" * 32},
        "signed with another key": transfers.signed_headers(body, "not-the-secret", now),
        "stale": transfers.signed_headers(body, SECRET, now - 301),
        "from the future": transfers.signed_headers(body, SECRET, now + 301),
        "no timestamp": {transfers.SIGNATURE_HEADER: good[transfers.SIGNATURE_HEADER]},
        "timestamp not a number": {**good, transfers.TIMESTAMP_HEADER: "soon"},
        "signature of another body": transfers.signed_headers(body + b" ", SECRET, now),
        "wrong api key": {"Authorization": "Apikey guess"},
        "api key as a bearer token": {"Authorization": f"Bearer {API_KEY}"},
    }


@pytest.mark.parametrize(
    "case",
    [
        "unsigned",
        "bad signature",
        "signed with another key",
        "stale",
        "from the future",
        "no timestamp",
        "timestamp not a number",
        "signature of another body",
        "wrong api key",
        "api key as a bearer token",
    ],
)
def test_an_unauthenticated_notification_is_stored_refused_and_changes_nothing(
    send, vietqr_order, confirmations, case
):
    body = paying(vietqr_order)
    before = snapshot(vietqr_order)

    response = send(body, headers=refused_cases(body)[case])

    assert response.status_code == 401
    assert response.json()["success"] is False
    event = WebhookEvent.objects.get()
    assert event.signature_valid is False and event.processed_at is None
    assert event.body == body.decode()  # kept as proof of what was tried
    assert snapshot(vietqr_order) == before and confirmations == []
    assert not TransferIssue.objects.exists()


def test_a_forged_notification_does_not_block_the_real_one(send, vietqr_order):
    body = paying(vietqr_order)
    send(body, sign=False)
    assert send(body).status_code == 200
    assert WebhookEvent.objects.filter(signature_valid=True).count() == 1
    vietqr_order.refresh_from_db()
    assert vietqr_order.status == Order.Status.CONFIRMED


def test_a_signature_just_inside_the_window_is_accepted(send, vietqr_order):
    body = paying(vietqr_order)
    assert send(body, timestamp=int(time.time()) - 290).status_code == 200


def test_with_no_keys_set_nothing_is_accepted(send, vietqr_order, bank_keys):
    bank_keys.BANK_WEBHOOK_SECRET = ""
    bank_keys.BANK_WEBHOOK_API_KEY = ""
    body = paying(vietqr_order)
    signed_with_empty_key = transfers.signed_headers(body, "")
    assert send(body, headers=signed_with_empty_key).status_code == 401
    assert send(body, headers={"Authorization": "Apikey "}).status_code == 401
    vietqr_order.refresh_from_db()
    assert vietqr_order.status == Order.Status.AWAITING_PAYMENT


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"transferType": "in", "transferAmount": 1000, "content": "x"}',  # no id
        b'{"id": 5, "transferType": "sideways", "transferAmount": 1000}',
        b'{"id": 5, "transferType": "in", "transferAmount": "1000"}',
        b'{"id": 5, "transferType": "in", "transferAmount": 10.5}',
        b'{"id": 5, "transferType": "in", "transferAmount": -1}',
        b'{"id": true, "transferType": "in", "transferAmount": 1}',
        b'{"id": 5, "transferType": "in", "transferAmount": 1, "content": 7}',
    ],
)
def test_a_signed_body_that_is_not_a_notification_is_refused(send, vietqr_order, body):
    before = snapshot(vietqr_order)
    response = send(body)
    assert response.status_code == 400
    event = WebhookEvent.objects.get()
    assert event.signature_valid is False and event.processed_at is None
    assert snapshot(vietqr_order) == before


def test_a_huge_body_is_refused_without_a_row(send, vietqr_order):
    body = paying(vietqr_order, description="x" * transfers.MAX_BODY_BYTES)
    assert send(body).status_code == 413
    assert not WebhookEvent.objects.exists()


def test_the_webhook_takes_only_post(client):
    from django.urls import reverse

    assert client.get(reverse("marketplace:bank_webhook")).status_code == 405
    assert not WebhookEvent.objects.exists()


# --- Uncertain transfers go to the moderators -------------------------------------------------


def expire(order, moderator):
    expire_unpaid_orders(now=order.payment_deadline + timedelta(seconds=1))


def cancel(order, moderator):
    cancel_order(order, actor=moderator, reason="Người mua gọi điện huỷ")


def test_a_second_transfer_for_a_paid_order_is_queued(send, vietqr_order, moderator):
    send(paying(vietqr_order))
    before = snapshot(vietqr_order)

    send(paying(vietqr_order))  # the buyer paid twice: two bank transactions

    issue = TransferIssue.objects.get()
    assert issue.reason == TransferIssue.Reason.ALREADY_PAID
    assert issue.payment == payment_of(vietqr_order)
    assert snapshot(vietqr_order) == before


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"amount_delta": -1_000}, TransferIssue.Reason.WRONG_AMOUNT),
        ({"amount_delta": +50_000}, TransferIssue.Reason.WRONG_AMOUNT),
        ({"content": "chuyen tien mua che"}, TransferIssue.Reason.NO_REFERENCE),
        ({"content": ""}, TransferIssue.Reason.NO_REFERENCE),
        ({"content": "CP-0000-0000 chuyen tien"}, TransferIssue.Reason.UNKNOWN_REFERENCE),
        ({"close": expire}, TransferIssue.Reason.LATE),
        ({"close": cancel}, TransferIssue.Reason.LATE),
    ],
    ids=["underpaid", "overpaid", "no reference", "empty", "unknown", "expired", "cancelled"],
)
def test_each_uncertain_transfer_makes_one_issue_and_leaves_the_order_alone(
    send, vietqr_order, moderator, confirmations, change, reason
):
    if "close" in change:
        change["close"](vietqr_order, moderator)
    payment = payment_of(vietqr_order)
    fields = {}
    if "amount_delta" in change:
        fields["amount"] = payment.amount + change["amount_delta"]
    if "content" in change:
        fields["content"] = change["content"]
    body = paying(vietqr_order, **fields)
    before = snapshot(vietqr_order)
    Notification.objects.all().delete()

    for _ in range(3):  # retried by the service: still one issue, one notice
        assert send(body).status_code == 200

    issue = TransferIssue.objects.get()
    data = json.loads(body)
    assert issue.reason == reason
    assert (issue.amount, issue.transaction_id) == (data["transferAmount"], str(data["id"]))
    assert issue.content == data["content"] and issue.resolved_at is None
    expected_payment = payment if reason in ("wrong_amount", "late") else None
    assert issue.payment == expected_payment
    assert snapshot(vietqr_order) == before and confirmations == []
    assert WebhookEvent.objects.get().processed_at
    notice = Notification.objects.get(recipient=moderator)
    assert data["content"] in notice.body and str(data["id"]) in notice.body


def test_the_moderators_notice_names_the_order_when_there_is_one(send, vietqr_order, moderator):
    payment = payment_of(vietqr_order)
    send(paying(vietqr_order, amount=payment.amount - 1))
    assert vietqr_order.number in Notification.objects.get(recipient=moderator).body


def test_a_transfer_naming_two_orders_is_not_guessed(send, vietqr_order, place, vietqr_tea):
    other = place([(vietqr_tea, 1)], method="vietqr")
    both = f"{payment_of(vietqr_order).reference} {payment_of(other).reference}"
    send(paying(vietqr_order, content=both))

    assert TransferIssue.objects.get().reason == TransferIssue.Reason.UNKNOWN_REFERENCE
    assert Order.objects.filter(status=Order.Status.CONFIRMED).count() == 0


def test_a_transfer_after_the_deadline_but_before_expiry_still_pays(send, vietqr_order):
    """The expiry sweep has not run yet, so the stock is still held: the money is welcome."""
    Order.objects.filter(pk=vietqr_order.pk).update(
        payment_deadline=vietqr_order.payment_deadline - timedelta(days=1)
    )
    send(paying(vietqr_order))
    vietqr_order.refresh_from_db()
    assert vietqr_order.status == Order.Status.CONFIRMED
