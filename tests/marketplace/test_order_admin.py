"""The moderators' orders in the Wagtail admin: orders with their parcels, events and payments,
the "Huỷ đơn" action, payments, the webhook inbox and unmatched transfers; nobody else."""

import datetime

import pytest
from django.utils import timezone

from marketplace.checkout import confirm_payment, set_seller_order_status
from marketplace.models import (
    Order,
    Payment,
    SellerOrder,
    TransferIssue,
    WebhookEvent,
)
from marketplace.prices import format_vnd
from marketplace.webhooks import receive

pytestmark = pytest.mark.django_db

ORDERS = "/admin/snippets/marketplace/order/"
PAYMENTS = "/admin/snippets/marketplace/payment/"
INBOX = "/admin/snippets/marketplace/webhookevent/"
TRANSFERS = "/admin/snippets/marketplace/transferissue/"


@pytest.fixture
def tea(producer, make_product):
    return make_product(producer, name="Chè Shan Tuyết", price=450_000, quantity_available=10)


@pytest.fixture
def admin(client, moderator):
    """A moderator (not a superuser): what the role's group grants is what is tested."""
    assert not moderator.is_superuser
    client.force_login(moderator)
    return client


def listed(response):
    return list(response.context["object_list"])


def test_moderators_list_orders_and_filter_them(admin, place, tea, prepaid_transfer):
    cod = place([(tea, 1)])
    waiting = place([(tea, 1)], method="vietqr")
    response = admin.get(ORDERS)
    assert response.status_code == 200
    page = response.content.decode()
    assert cod.number in page and waiting.number in page and "Nguyễn Thu Hà" in page
    assert listed(admin.get(ORDERS, {"status": "awaiting_payment"})) == [waiting]
    assert listed(admin.get(ORDERS, {"payment_method": "cod"})) == [cod]
    assert listed(admin.get(ORDERS, {"q": cod.number})) == [cod]


def test_the_order_page_shows_parcels_lines_events_and_payments_but_no_token(
    admin, place, tea, prepaid_transfer, producer_user
):
    order = place([(tea, 2)], method="vietqr")
    confirm_payment(order.payments.get(), note="Chuyển khoản khớp")
    set_seller_order_status(order.seller_orders.get(), "packed", actor=producer_user)
    page = admin.get(f"{ORDERS}inspect/{order.pk}/").content.decode()
    assert order.number in page and tea.producer.name in page and "Chè Shan Tuyết" in page
    assert "Chuyển khoản khớp" in page and producer_user.full_name in page
    assert format_vnd(order.payments.get().amount) in page
    assert order.tracking_token not in page and str(order.checkout_token) not in page
    assert f"{ORDERS}cancel/{order.pk}/" in page


def test_a_moderator_cancels_with_a_reason_stock_returns_and_it_is_recorded(
    admin, place, tea, moderator
):
    order = place([(tea, 4)])
    form = admin.get(f"{ORDERS}cancel/{order.pk}/")
    assert form.status_code == 200
    refused = admin.post(f"{ORDERS}cancel/{order.pk}/", {"reason": ""})
    assert refused.status_code == 200 and refused.context["form"].errors
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED

    response = admin.post(f"{ORDERS}cancel/{order.pk}/", {"reason": "Người mua gọi điện huỷ"})
    assert response.status_code == 302
    assert response["Location"] == f"{ORDERS}inspect/{order.pk}/"
    order.refresh_from_db()
    tea.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and tea.quantity_available == 10
    event = order.events.filter(seller_order=None).last()
    assert (event.actor, event.to_status, event.note) == (
        moderator,
        "cancelled",
        "Người mua gọi điện huỷ",
    )
    # a closed order offers no cancel button, and a second cancellation changes nothing
    assert f"{ORDERS}cancel/{order.pk}/" not in admin.get(ORDERS).content.decode()
    admin.post(f"{ORDERS}cancel/{order.pk}/", {"reason": "lần hai"})
    assert order.events.filter(seller_order=None, to_status="cancelled").count() == 1


def test_cancelling_a_paid_order_refunds_it_through_the_task(
    admin, place, tea, prepaid_transfer, django_capture_on_commit_callbacks
):
    order = place([(tea, 2)], method="vietqr")
    payment = order.payments.get()
    confirm_payment(payment)
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(f"{ORDERS}cancel/{order.pk}/", {"reason": "Hết hàng thật"})
    payment.refresh_from_db()
    assert prepaid_transfer == [payment.pk]
    assert payment.status == Payment.Status.REFUNDED and payment.refunded_amount == payment.amount


def test_an_order_whose_parcel_left_cannot_be_cancelled(admin, place, tea):
    order = place([(tea, 1)])
    set_seller_order_status(order.seller_orders.get(), SellerOrder.Status.SHIPPED, actor=None)
    response = admin.post(f"{ORDERS}cancel/{order.pk}/", {"reason": "muộn"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    order.refresh_from_db()
    tea.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED and tea.quantity_available == 9


@pytest.mark.parametrize("role", ["producer", "community_helper", "postal_staff", None])
def test_nobody_but_moderators_opens_or_cancels_orders(client, place, tea, make_user, role):
    order = place([(tea, 1)])
    client.force_login(make_user(role) if role else tea.producer.members.get())
    for url in (
        ORDERS,
        f"{ORDERS}inspect/{order.pk}/",
        f"{ORDERS}cancel/{order.pk}/",
        PAYMENTS,
        INBOX,
        TRANSFERS,
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert order.number not in response.content.decode()
    response = client.post(f"{ORDERS}cancel/{order.pk}/", {"reason": "phá"})
    assert response.status_code in (302, 403)
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED


def test_payments_are_listed_without_the_card_secret(admin, place, tea, prepaid_transfer):
    order = place([(tea, 1)], method="vietqr")
    payment = order.payments.get()
    Payment.objects.filter(pk=payment.pk).update(client_secret="pi_123_secret_abc")
    assert order.number in admin.get(PAYMENTS).content.decode()
    page = admin.get(f"{PAYMENTS}inspect/{payment.pk}/").content.decode()
    assert order.number in page and "pi_123_secret_abc" not in page


def test_orders_and_payments_are_view_only(admin, place, tea, prepaid_transfer):
    order = place([(tea, 1)], method="vietqr")
    payment = order.payments.get()
    for url in (
        f"{ORDERS}add/",
        f"{ORDERS}edit/{order.pk}/",
        f"{ORDERS}delete/{order.pk}/",
        f"{PAYMENTS}edit/{payment.pk}/",
        f"{PAYMENTS}delete/{payment.pk}/",
    ):
        assert admin.get(url).status_code in (302, 403, 404), url
    assert Order.objects.filter(pk=order.pk).exists()


def _bank_event(event_id, error=""):
    event, _created = receive("bank", event_id=event_id, body='{"id": 1}', signature_valid=True)
    if error:
        WebhookEvent.objects.filter(pk=event.pk).update(attempts=2, error=error)
    return event


def test_the_webhook_inbox_lists_events_and_filters_unprocessed(admin):
    done = _bank_event("tx-1")
    WebhookEvent.objects.filter(pk=done.pk).update(processed_at=timezone.now(), attempts=1)
    failing = _bank_event("tx-2", error="KeyError: 'content'")
    forged, _created = receive("stripe", event_id="evt_x", body="{}", signature_valid=False)
    page = admin.get(INBOX).content.decode()
    assert "tx-1" in page and "tx-2" in page and "evt_x" in page and "KeyError" in page
    assert listed(admin.get(INBOX, {"processed": "false"})) == [forged, failing]
    assert listed(admin.get(INBOX, {"signature_valid": "false"})) == [forged]
    assert admin.get(f"{INBOX}edit/{done.pk}/").status_code in (302, 403, 404)


def test_unmatched_transfers_list_the_open_ones_first(admin, moderator):
    def issue(event_id, resolved):
        return TransferIssue.objects.create(
            webhook=_bank_event(event_id),
            reason=TransferIssue.Reason.NO_REFERENCE,
            amount=450_000,
            content="chuyen tien che",
            transaction_id=event_id,
            resolved_at=timezone.now() if resolved else None,
            resolved_by=moderator if resolved else None,
            resolution="Đã trả lại" if resolved else "",
        )

    old_open = issue("tx-10", resolved=False)
    resolved = issue("tx-11", resolved=True)
    new_open = issue("tx-12", resolved=False)
    response = admin.get(TRANSFERS)
    assert response.status_code == 200
    assert listed(response) == [new_open, old_open, resolved]
    assert listed(admin.get(TRANSFERS, {"open": "true"})) == [new_open, old_open]
    assert admin.get(f"{TRANSFERS}inspect/{old_open.pk}/").status_code == 200


def test_the_order_page_gives_times_in_vietnam_time(admin, place, tea):
    from django.utils import translation
    from django.utils.formats import date_format

    order = place([(tea, 1)])
    page = admin.get(f"{ORDERS}inspect/{order.pk}/").content.decode()
    with translation.override("vi"):
        local = date_format(timezone.localtime(order.created_at), "SHORT_DATETIME_FORMAT")
        utc = date_format(order.created_at.astimezone(datetime.UTC), "SHORT_DATETIME_FORMAT")
    assert local in page and local != utc and utc not in page
