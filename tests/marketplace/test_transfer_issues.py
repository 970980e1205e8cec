"""Moderators resolve unmatched bank transfers (marketplace/transfers.py
``resolve_transfer_issue``): confirming the order's payment by hand, or closing the issue,
always recorded with who, when and why."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from marketplace import webhooks
from marketplace.checkout import expire_unpaid_orders
from marketplace.order_models import Order, Payment, TransferIssue, WebhookEvent
from marketplace.transfers import Resolution, resolve_transfer_issue
from tests.marketplace.bank_support import notification, payment_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def arrive(django_capture_on_commit_callbacks):
    """arrive(amount=..., content=...) -> the TransferIssue a verified notification left."""

    def arrive(**fields):
        body = notification(**fields)
        with django_capture_on_commit_callbacks(execute=True):
            event, _ = webhooks.receive(
                WebhookEvent.Provider.BANK,
                event_id=json.loads(body)["id"],
                body=body,
                signature_valid=True,
            )
        return TransferIssue.objects.filter(webhook=event).first()

    return arrive


def test_a_moderator_confirms_an_underpaid_transfer_by_hand(vietqr_order, moderator, arrive):
    payment = payment_of(vietqr_order)
    issue = arrive(amount=payment.amount - 2_000, content=f"{payment.reference} thieu phi")
    assert issue.reason == TransferIssue.Reason.WRONG_AMOUNT

    resolve_transfer_issue(
        issue,
        actor=moderator,
        action=Resolution.CONFIRM,
        note="Ngân hàng trừ phí 2.000 ₫, chấp nhận",
    )

    issue.refresh_from_db()
    vietqr_order.refresh_from_db()
    payment.refresh_from_db()
    assert vietqr_order.status == Order.Status.CONFIRMED
    assert payment.status == Payment.Status.SUCCEEDED
    assert issue.resolved_by == moderator and issue.resolved_at
    assert "Ngân hàng trừ phí" in issue.resolution
    event = vietqr_order.events.get(to_status="confirmed")
    assert event.actor == moderator and "Ngân hàng trừ phí" in event.note
    assert issue.transaction_id in event.note


def test_a_transfer_without_reference_is_matched_by_the_moderator(vietqr_order, moderator, arrive):
    payment = payment_of(vietqr_order)
    issue = arrive(amount=payment.amount, content="chuyen tien mua che")
    assert issue.reason == TransferIssue.Reason.NO_REFERENCE and issue.payment is None

    with pytest.raises(ValidationError) as refused:  # which order? the moderator must say
        resolve_transfer_issue(
            issue, actor=moderator, action="confirm", note="Người mua gọi điện xác nhận"
        )
    assert refused.value.code == "payment"
    resolve_transfer_issue(
        issue,
        actor=moderator,
        action="confirm",
        note="Người mua gọi điện xác nhận",
        payment=payment,
    )

    issue.refresh_from_db()
    vietqr_order.refresh_from_db()
    assert issue.payment == payment and issue.resolved_by == moderator
    assert vietqr_order.status == Order.Status.CONFIRMED


def test_a_double_transfer_can_only_be_dismissed_after_sending_it_back(
    vietqr_order, moderator, arrive
):
    payment = payment_of(vietqr_order)
    assert arrive(amount=payment.amount, content=payment.reference) is None  # paid
    issue = arrive(amount=payment.amount, content=payment.reference)
    assert issue.reason == TransferIssue.Reason.ALREADY_PAID

    with pytest.raises(ValidationError) as refused:
        resolve_transfer_issue(issue, actor=moderator, action="confirm", note="nhầm")
    assert refused.value.code == "paid"
    issue.refresh_from_db()
    assert issue.resolved_at is None

    resolve_transfer_issue(
        issue, actor=moderator, action=Resolution.DISMISS, note="Đã chuyển trả 12/11"
    )
    issue.refresh_from_db()
    assert issue.resolved_at and issue.resolved_by == moderator
    assert "Đã chuyển trả 12/11" in issue.resolution
    assert vietqr_order.events.filter(to_status="confirmed").count() == 1


def test_money_for_an_expired_order_cannot_reopen_it(vietqr_order, moderator, arrive):
    expire_unpaid_orders(now=vietqr_order.payment_deadline + timedelta(seconds=1))
    payment = payment_of(vietqr_order)
    issue = arrive(amount=payment.amount, content=payment.reference)
    assert issue.reason == TransferIssue.Reason.LATE

    with pytest.raises(ValidationError) as refused:
        resolve_transfer_issue(issue, actor=moderator, action="confirm", note="muộn")
    assert refused.value.code == "closed"
    vietqr_order.refresh_from_db()
    issue.refresh_from_db()
    assert vietqr_order.status == Order.Status.EXPIRED and issue.resolved_at is None


def test_only_moderators_resolve(vietqr_order, make_user, producer_user, arrive):
    payment = payment_of(vietqr_order)
    issue = arrive(amount=1, content=payment.reference)
    for person in (make_user(), producer_user):
        with pytest.raises(PermissionDenied):
            resolve_transfer_issue(issue, actor=person, action="confirm", note="tôi là chủ")
    issue.refresh_from_db()
    vietqr_order.refresh_from_db()
    assert issue.resolved_at is None and vietqr_order.status == Order.Status.AWAITING_PAYMENT


@pytest.mark.parametrize(("action", "note"), [("confirm", "  "), ("refund", "lý do"), ("", "x")])
def test_a_decision_needs_an_action_and_a_reason(vietqr_order, moderator, arrive, action, note):
    issue = arrive(amount=1, content=payment_of(vietqr_order).reference)
    with pytest.raises(ValidationError):
        resolve_transfer_issue(issue, actor=moderator, action=action, note=note)
    issue.refresh_from_db()
    assert issue.resolved_at is None


def test_a_resolved_issue_stays_resolved(vietqr_order, moderator, make_user, arrive):
    from accounts.roles import Role

    other_moderator = make_user(Role.MODERATOR)
    issue = arrive(amount=1, content=payment_of(vietqr_order).reference)
    resolve_transfer_issue(issue, actor=moderator, action="dismiss", note="Đã trả lại 1 ₫")

    with pytest.raises(ValidationError) as refused:
        resolve_transfer_issue(issue, actor=other_moderator, action="confirm", note="trả rồi")
    assert refused.value.code == "resolved"
    issue.refresh_from_db()
    vietqr_order.refresh_from_db()
    assert issue.resolved_by == moderator
    assert vietqr_order.status == Order.Status.AWAITING_PAYMENT


def test_a_card_order_cannot_be_confirmed_by_a_bank_transfer(vietqr_order, moderator, arrive):
    issue = arrive(amount=1, content="no reference")
    card_payment = Payment.objects.create(
        order=vietqr_order, method="card", amount=vietqr_order.total
    )
    with pytest.raises(ValidationError) as refused:
        resolve_transfer_issue(
            issue, actor=moderator, action="confirm", note="x", payment=card_payment
        )
    assert refused.value.code == "payment"
    card_payment.refresh_from_db()
    assert card_payment.status == Payment.Status.PENDING


# --- The admin page -------------------------------------------------------------------------

TRANSFERS = "/admin/snippets/marketplace/transferissue/"


def test_a_moderator_resolves_a_transfer_in_the_admin_picking_the_order(
    client, vietqr_order, moderator, arrive
):
    payment = payment_of(vietqr_order)
    issue = arrive(amount=payment.amount, content="chuyen tien mua che")
    assert issue.reason == TransferIssue.Reason.NO_REFERENCE
    client.force_login(moderator)
    listing = client.get(TRANSFERS).content.decode()
    resolve_url = f"{TRANSFERS}resolve/{issue.pk}/"
    assert resolve_url in listing

    refused = client.post(
        resolve_url, {"action": "confirm", "order_number": "CP-0000-0000", "note": "khớp"}
    )
    assert refused.status_code == 200 and "CP-0000-0000" not in str(issue.resolution)
    issue.refresh_from_db()
    assert issue.resolved_at is None

    done = client.post(
        resolve_url,
        {"action": "confirm", "order_number": vietqr_order.number, "note": "Người mua gọi báo"},
    )
    assert done.status_code == 302
    issue.refresh_from_db()
    vietqr_order.refresh_from_db()
    assert issue.resolved_by == moderator and issue.payment == payment
    assert vietqr_order.status == Order.Status.CONFIRMED
    assert resolve_url not in client.get(TRANSFERS).content.decode()


def test_only_moderators_open_the_resolve_page(client, vietqr_order, producer_user, arrive):
    issue = arrive(amount=1_000, content="khong ro")
    client.force_login(producer_user)
    url = f"{TRANSFERS}resolve/{issue.pk}/"
    assert client.get(url).status_code in {302, 403}
    assert client.post(url, {"action": "dismiss", "note": "x"}).status_code in {302, 403}
    issue.refresh_from_db()
    assert issue.resolved_at is None
