"""Paying for an order by card on a 360×640 phone, through localstripe and its Stripe.js: the
buyer types the test card 4242 4242 4242 4242 and lands on the order's tracking page; Stripe's
webhook, which localstripe also sends, confirms nothing a second time."""

import io
import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from marketplace.models import Order, OrderEvent, Product, WebhookEvent
from tests.e2e.buying import buy, farmer_sees_the_parcel
from tests.e2e.conftest import shot
from tests.e2e.test_buy_cod import DEMO_FARMER, DEMO_TEA


@pytest.fixture
def tea(db):
    """The demo's Shan Tuyết tea, on sale through the demo's catalogue."""
    call_command("seed_demo", stdout=io.StringIO())
    return Product.objects.get(slug=DEMO_TEA)


def confirmations(order):
    return OrderEvent.objects.filter(order=order, seller_order=None, to_status="confirmed")


@pytest.mark.django_db(transaction=True)
def test_a_buyer_pays_by_card_and_lands_on_the_tracking_page(
    live_server, phone, browser, localstripe, tea
):
    localstripe.point_webhook_at(f"{live_server.url}/webhooks/stripe/")
    page = phone.new_page()
    card_order, total = buy(page, live_server.url, tea, 2, "card", "card-00")
    assert page.url == live_server.url + reverse(
        "marketplace:card_payment", args=[card_order.tracking_token]
    )
    assert card_order.total == total and card_order.status == Order.Status.AWAITING_PAYMENT
    # localstripe's Stripe.js draws plain inputs where Stripe's draws its card frame
    page.locator("#card-element input[placeholder=number]").fill("4242424242424242")
    page.locator("#card-element input[placeholder=exp_month]").fill("12")
    page.locator("#card-element input[placeholder=exp_year]").fill("34")
    page.locator("#card-element input[placeholder=cvc]").fill("123")
    expect(page.locator("#card-needs-js")).to_be_hidden()
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

    farmer_sees_the_parcel(
        browser, live_server.url, DEMO_FARMER, card_order, "card-03", DEMO_PASSWORD
    )
