"""Paying for an order by card on a 360×640 phone, through localstripe and its Stripe.js: the
buyer types the test card 4242 4242 4242 4242 and lands on the order's tracking page; Stripe's
webhook, which localstripe also sends, confirms nothing a second time."""

import time
import uuid

import pytest
from django.urls import reverse

from marketplace.cart import load_products, summarize
from marketplace.checkout import Buyer, place_order
from marketplace.models import Order, OrderEvent, Producer, Product, WebhookEvent
from tests.e2e.conftest import shot


@pytest.fixture
def card_order(db, producer_user):
    producer = Producer.objects.create(
        name="HTX Chè Shan Tuyết Suối Giàng",
        slug="htx-che-suoi-giang",
        province_code="15",
        commune_code="04672",
        verification=Producer.Verification.VERIFIED,
    )
    producer.members.add(producer_user)
    tea = Product.objects.create(
        producer=producer,
        name="Chè Shan Tuyết búp bạc",
        slug="che-shan-tuyet-bup-bac",
        category=Product.Category.TEA,
        price=450_000,
        unit="gói 200 g",
        quantity_available=10,
        shipping_weight_grams=250,
        review_state=Product.Review.APPROVED,
    )
    buyer = Buyer(
        name="Nguyễn Thu Hà",
        phone="0912345678",
        province_code="01",
        commune_code="00004",
        street="12 Hàng Bông",
    )
    summary = summarize({tea.pk: 2}, load_products([tea.pk]), buyer.province_code)
    return place_order(
        checkout_token=uuid.uuid4(),
        items=[(tea.pk, 2)],
        buyer=buyer,
        method="card",
        expected_total=summary.total,
    )


def confirmations(order):
    return OrderEvent.objects.filter(order=order, seller_order=None, to_status="confirmed")


@pytest.mark.django_db(transaction=True)
def test_a_buyer_pays_by_card_and_lands_on_the_tracking_page(
    live_server, phone, localstripe, card_order
):
    localstripe.point_webhook_at(f"{live_server.url}/webhooks/stripe/")
    page = phone.new_page()
    page.goto(
        live_server.url + reverse("marketplace:card_payment", args=[card_order.tracking_token])
    )
    # localstripe's Stripe.js draws plain inputs where Stripe's draws its card frame
    page.locator("#card-element input[placeholder=number]").fill("4242424242424242")
    page.locator("#card-element input[placeholder=exp_month]").fill("12")
    page.locator("#card-element input[placeholder=exp_year]").fill("34")
    page.locator("#card-element input[placeholder=cvc]").fill("123")
    assert page.locator("#card-needs-js").is_hidden()
    shot(page, "card-01-form")
    page.locator("#card-pay").click()
    page.wait_for_url(live_server.url + card_order.get_absolute_url())
    shot(page, "card-02-tracking")

    card_order.refresh_from_db()
    assert card_order.status == Order.Status.CONFIRMED
    assert set(card_order.seller_orders.values_list("status", flat=True)) == {"to_pack"}
    assert card_order.payments.get().status == "succeeded"

    # localstripe posts payment_intent.succeeded about a second later: stored, processed,
    # and the order is still confirmed once
    deadline = time.monotonic() + 10
    while not WebhookEvent.objects.filter(processed_at__isnull=False).exists():
        assert time.monotonic() < deadline, "localstripe's webhook did not arrive"
        time.sleep(0.2)
    stored = WebhookEvent.objects.get()
    assert stored.signature_valid and stored.error == ""
    assert confirmations(card_order).count() == 1
