"""Placing, confirming, cancelling and expiring orders (marketplace/checkout.py)."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace.checkout import (
    CheckoutChanged,
    cancel_order,
    confirm_payment,
    expire_unpaid_orders,
    place_order,
    set_seller_order_status,
)
from marketplace.models import (
    InvalidTransition,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    Product,
    SellerOrder,
)
from marketplace.prices import format_vnd
from marketplace.shipping import DEFAULT_TABLE
from marketplace.signals import order_confirmed

pytestmark = pytest.mark.django_db


@pytest.fixture
def tea(producer, make_product):
    return make_product(producer, name="Chè Shan Tuyết", price=450_000, quantity_available=10)


@pytest.fixture
def honey(make_producer, make_product):
    other = make_producer(name="HTX Mật ong Mù Cang Chải", province_code="01", commune_code="00004")
    return make_product(other, name="Mật ong bạc hà", price=300_000, quantity_available=5)


@pytest.fixture
def confirmations():
    sent = []

    def receive(sender, order, seller_orders, **kwargs):
        sent.append((order.pk, [s.pk for s in seller_orders]))

    order_confirmed.connect(receive, dispatch_uid="test_confirmations")
    yield sent
    order_confirmed.disconnect(dispatch_uid="test_confirmations")


def test_cod_order_splits_by_producer_snapshots_lines_and_takes_stock(
    place, tea, honey, confirmations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place([(tea, 2), (honey, 1)])

    assert order.status == Order.Status.CONFIRMED
    assert order.number.startswith("CP-") and len(order.number) == 12
    by_producer = {s.producer_id: s for s in order.seller_orders.all()}
    tea_parcel, honey_parcel = by_producer[tea.producer_id], by_producer[honey.producer_id]
    assert tea_parcel.goods_total == 900_000 and honey_parcel.goods_total == 300_000
    # Hà Nội buyer: the tea farm is in another province, the honey one in the same
    assert tea_parcel.weight_grams == 100 + 2 * 250
    assert tea_parcel.shipping_fee == DEFAULT_TABLE.fee(600, same_province=False)
    assert honey_parcel.shipping_fee == DEFAULT_TABLE.fee(350, same_province=True)
    assert tea_parcel.cod_amount == tea_parcel.goods_total + tea_parcel.shipping_fee
    assert order.total == 1_200_000 + tea_parcel.shipping_fee + honey_parcel.shipping_fee
    assert {s.status for s in order.seller_orders.all()} == {SellerOrder.Status.TO_PACK}
    line = OrderLine.objects.get(seller_order=tea_parcel)
    assert (line.product_name, line.unit, line.unit_price, line.quantity) == (
        "Chè Shan Tuyết",
        "gói 200 g",
        450_000,
        2,
    )
    assert line.producer_name == tea.producer.name and line.unit_weight_grams == 250
    tea.refresh_from_db()
    honey.refresh_from_db()
    assert (tea.quantity_available, honey.quantity_available) == (8, 4)
    assert confirmations == [(order.pk, sorted(by_producer[p].pk for p in by_producer))]
    # snapshot: a later price change does not touch the order
    Product.objects.filter(pk=tea.pk).update(price=1, name="Đổi tên")
    line.refresh_from_db()
    assert (line.product_name, line.unit_price) == ("Chè Shan Tuyết", 450_000)


def test_every_status_change_is_an_event(place, tea, producer_user):
    order = place([(tea, 1)])
    steps = list(OrderEvent.objects.filter(order=order).values_list("from_status", "to_status"))
    assert steps == [
        ("", "awaiting_payment"),
        ("awaiting_payment", "confirmed"),
        ("awaiting_payment", "to_pack"),
    ]
    parcel = order.seller_orders.get()
    set_seller_order_status(parcel, SellerOrder.Status.PACKED, actor=producer_user)
    event = OrderEvent.objects.filter(order=order).last()
    assert (event.seller_order, event.actor, event.to_status) == (parcel, producer_user, "packed")


def test_farmers_are_told_of_a_new_order(place, tea, producer_user):
    order = place([(tea, 3)])
    notice = producer_user.notifications.get()
    assert order.number in notice.subject and "Chè Shan Tuyết × 3" in notice.body


def test_the_same_checkout_token_returns_the_first_order(place, tea):
    token = uuid.uuid4()
    first = place([(tea, 2)], token=token)
    second = place([(tea, 2)], token=token)
    assert first.pk == second.pk and Order.objects.count() == 1
    tea.refresh_from_db()
    assert tea.quantity_available == 8


def test_short_stock_refuses_with_the_quantity_left_and_saves_nothing(place, tea):
    with pytest.raises(CheckoutChanged) as refused:
        place([(tea, 11)])
    assert "10" in " ".join(refused.value.messages)
    assert not Order.objects.exists()
    tea.refresh_from_db()
    assert tea.quantity_available == 10


def test_a_price_change_since_the_review_is_said_and_nothing_saved(tea, delivery):
    with pytest.raises(CheckoutChanged) as refused:
        place_order(
            checkout_token=uuid.uuid4(),
            items=[(tea.pk, 1)],
            buyer=delivery(),
            method="cod",
            expected_total=400_000 + 30_000,
            seen_prices={tea.pk: 400_000},
        )
    assert "Chè Shan Tuyết" in refused.value.messages[0]
    assert not Order.objects.exists() and not OrderEvent.objects.exists()


def test_a_tampered_total_is_refused(tea, delivery):
    with pytest.raises(CheckoutChanged):
        place_order(
            checkout_token=uuid.uuid4(),
            items=[(tea.pk, 1)],
            buyer=delivery(),
            method="cod",
            expected_total=1,
        )
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "items",
    [[], [("x", 1)], [(999_999, 1)], ["tea:-1"], ["tea:0"], ["tea:1000"], ["tea:abc"]],
)
def test_bad_items_are_refused(tea, delivery, items):
    items = [(tea.pk, item.split(":")[1]) if isinstance(item, str) else item for item in items]
    with pytest.raises(ValidationError):
        place_order(
            checkout_token=uuid.uuid4(),
            items=items,
            buyer=delivery(),
            method="cod",
            expected_total=0,
        )
    assert not Order.objects.exists()


def test_an_unpublished_product_cannot_be_bought(place, tea):
    Product.objects.filter(pk=tea.pk).update(review_state=Product.Review.UNPUBLISHED)
    with pytest.raises(CheckoutChanged):
        place([(tea, 1)])
    assert not Order.objects.exists()


def test_a_commune_outside_the_province_is_refused(place, tea):
    with pytest.raises(ValidationError) as refused:
        place([(tea, 1)], province_code="15", commune_code="00004")
    assert refused.value.code == "commune"
    assert not Order.objects.exists()


def test_an_unknown_payment_method_is_refused(place, tea):
    with pytest.raises(ValidationError):
        place([(tea, 1)], method="bitcoin")
    assert not Order.objects.exists()


def test_cancelling_returns_stock_and_records_who_and_why(place, tea, moderator):
    order = place([(tea, 4)])
    cancel_order(order, actor=moderator, reason="Người mua gọi huỷ")
    order.refresh_from_db()
    tea.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and tea.quantity_available == 10
    assert set(order.seller_orders.values_list("status", flat=True)) == {"cancelled"}
    event = order.events.filter(seller_order=None).last()
    assert (event.actor, event.note, event.to_status) == (
        moderator,
        "Người mua gọi huỷ",
        "cancelled",
    )


def test_a_cancellation_needs_a_reason(place, tea, moderator):
    order = place([(tea, 1)])
    with pytest.raises(ValidationError):
        cancel_order(order, actor=moderator, reason="  ")
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED


def test_a_parcel_with_the_post_office_cannot_be_cancelled(place, tea, moderator):
    order = place([(tea, 1)])
    set_seller_order_status(order.seller_orders.get(), SellerOrder.Status.SHIPPED, actor=None)
    with pytest.raises(InvalidTransition):
        cancel_order(order, actor=moderator, reason="muộn")
    order.refresh_from_db()
    tea.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED and tea.quantity_available == 9


def test_cancelling_twice_is_refused_and_stock_returned_once(place, tea, moderator):
    order = place([(tea, 2)])
    cancel_order(order, actor=moderator, reason="một")
    with pytest.raises(InvalidTransition):
        cancel_order(order, actor=moderator, reason="hai")
    tea.refresh_from_db()
    assert tea.quantity_available == 10


def test_illegal_transitions_are_refused(place, tea):
    order = place([(tea, 1)])
    parcel = order.seller_orders.get()
    with pytest.raises(InvalidTransition):
        set_seller_order_status(parcel, SellerOrder.Status.DELIVERED, actor=None)
    parcel.refresh_from_db()
    assert parcel.status == SellerOrder.Status.TO_PACK


def test_order_completes_when_every_parcel_is_delivered(place, tea):
    order = place([(tea, 1)])
    parcel = order.seller_orders.get()
    set_seller_order_status(parcel, SellerOrder.Status.SHIPPED, actor=None)
    set_seller_order_status(parcel, SellerOrder.Status.DELIVERED, actor=None)
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED


# --- Prepaid orders ---------------------------------------------------------------------------


@pytest.fixture
def waiting_order(place, tea, prepaid_method):
    """An order paid by a prepaid method, waiting for its money."""
    return place([(tea, 3)], method=prepaid_method)


def test_a_prepaid_order_waits_and_holds_its_stock(waiting_order, tea, confirmations):
    assert waiting_order.status == Order.Status.AWAITING_PAYMENT
    assert waiting_order.payment_deadline > timezone.now()
    assert set(waiting_order.seller_orders.values_list("status", flat=True)) == {"awaiting_payment"}
    tea.refresh_from_db()
    assert tea.quantity_available == 7 and confirmations == []


def test_confirming_a_payment_twice_confirms_once(
    waiting_order, confirmations, django_capture_on_commit_callbacks
):
    payment = waiting_order.payments.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm_payment(payment) is True
        assert confirm_payment(payment) is False
    waiting_order.refresh_from_db()
    payment.refresh_from_db()
    assert waiting_order.status == Order.Status.CONFIRMED
    assert payment.status == Payment.Status.SUCCEEDED and payment.paid_at
    assert len(confirmations) == 1
    assert waiting_order.events.filter(to_status="confirmed").count() == 1


def test_unpaid_orders_expire_and_give_stock_back(waiting_order, tea):
    assert expire_unpaid_orders() == 0
    later = waiting_order.payment_deadline + timedelta(seconds=1)
    assert expire_unpaid_orders(now=later) == 1
    assert expire_unpaid_orders(now=later) == 0
    waiting_order.refresh_from_db()
    tea.refresh_from_db()
    assert waiting_order.status == Order.Status.EXPIRED and tea.quantity_available == 10


def test_money_after_expiry_does_not_reopen_the_order(waiting_order, tea):
    expire_unpaid_orders(now=waiting_order.payment_deadline + timedelta(seconds=1))
    with pytest.raises(InvalidTransition):
        confirm_payment(waiting_order.payments.get())
    waiting_order.refresh_from_db()
    assert waiting_order.status == Order.Status.EXPIRED
    assert waiting_order.payments.get().status == Payment.Status.PENDING


def test_cancelling_a_paid_order_refunds_it_after_commit(
    waiting_order, moderator, django_capture_on_commit_callbacks
):
    payment = waiting_order.payments.get()
    confirm_payment(payment)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(waiting_order, actor=moderator, reason="Hết hàng thật")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.refunded_amount == payment.amount
    assert format_vnd(payment.amount) in waiting_order.events.last().note


def test_money_after_expiry_is_recorded_and_sent_back(
    waiting_order, django_capture_on_commit_callbacks
):
    from marketplace.checkout import record_late_payment

    expire_unpaid_orders(now=waiting_order.payment_deadline + timedelta(seconds=1))
    payment = waiting_order.payments.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert record_late_payment(payment) is True
    assert record_late_payment(payment) is False
    payment.refresh_from_db()
    waiting_order.refresh_from_db()
    assert waiting_order.status == Order.Status.EXPIRED
    assert payment.status == Payment.Status.REFUNDED
    notes = list(waiting_order.events.values_list("note", flat=True))
    assert sum(format_vnd(payment.amount) in note for note in notes) == 2  # arrived, refunded


def test_the_buyers_phone_is_stored_in_one_form_and_a_bad_one_refused(place, tea):
    assert place([(tea, 1)], phone="0912 345 678").buyer_phone == "+84912345678"
    with pytest.raises(ValidationError):
        place([(tea, 1)], phone="12345")
    with pytest.raises(ValidationError):
        place([(tea, 1)], name="  ")
    assert Order.objects.count() == 1
