"""Paying for an order by VietQR bank transfer on a 360×640 phone with JavaScript off: the
buyer sees the code and the details to type, the bank's signed notification arrives, and the
page, reloading by itself, hands the buyer over to the order's tracking page."""

import io

import pytest
import requests
import zxingcpp
from django.core.management import call_command
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from marketplace import transfers
from marketplace.models import Order, OrderEvent, Product, WebhookEvent
from marketplace.payments import vietqr
from tests.e2e.buying import buy, farmer_sees_the_parcel
from tests.e2e.conftest import ARTIFACTS, PHONE, shot
from tests.e2e.test_buy_cod import DEMO_FARMER, DEMO_TEA
from tests.marketplace.bank_support import SECRET, notification

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bank_account(settings):
    settings.VIETQR_BANK_BIN = "970436"
    settings.VIETQR_ACCOUNT_NUMBER = "0011004321987"
    settings.VIETQR_ACCOUNT_NAME = "CONG TY CHO PHIEN"
    settings.BANK_WEBHOOK_SECRET = SECRET
    return settings


@pytest.fixture
def tea(bank_account):
    """The demo's Shan Tuyết tea, on sale through the demo's catalogue."""
    call_command("seed_demo", stdout=io.StringIO())
    return Product.objects.get(slug=DEMO_TEA)


@pytest.fixture
def phone_without_js(browser):
    context = browser.new_context(
        viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True, java_script_enabled=False
    )
    yield context
    context.close()


def test_a_buyer_pays_by_bank_transfer_and_lands_on_the_tracking_page(
    live_server, phone_without_js, browser, tea
):
    page = phone_without_js.new_page()
    transfer_order, total = buy(
        page, live_server.url, tea, 2, "vietqr", "vietqr-00", javascript=False
    )
    assert page.url == live_server.url + reverse(
        "marketplace:bank_transfer", args=[transfer_order.tracking_token]
    )
    assert transfer_order.total == total
    payment = transfer_order.payments.get()

    code = page.locator("#vietqr-code svg")
    box = code.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # whole, on a 360 px screen
    expect(page.locator("#transfer-reference")).to_have_text(payment.reference)
    expect(page.locator("#transfer-account")).to_have_text("0011004321987")
    assert page.locator("#transfer-amount").get_attribute("data-amount") == str(payment.amount)
    for detail in ("#transfer-bank", "#transfer-amount", "#transfer-deadline"):
        detail_box = page.locator(detail).bounding_box()
        assert detail_box["x"] + detail_box["width"] <= PHONE["width"]
    shot(page, "vietqr-01-code")
    code.screenshot(path=str(ARTIFACTS / "vietqr-code.png"))
    (scanned,) = zxingcpp.read_barcodes(Image.open(ARTIFACTS / "vietqr-code.png"))
    assert scanned.text == vietqr.build_payload(payment.amount, payment.reference)

    # the bank's notification service reports the buyer's transfer
    body = notification(amount=payment.amount, content=f"{payment.reference} chuyen tien")
    response = requests.post(
        live_server.url + reverse("marketplace:bank_webhook"),
        data=body,
        headers={"Content-Type": "application/json", **transfers.signed_headers(body, SECRET)},
        timeout=10,
    )
    assert response.json() == {"success": True}

    # no script: the page's own reload (every 15 s) finds the money and moves on
    page.wait_for_url(live_server.url + transfer_order.get_absolute_url(), timeout=25_000)
    shot(page, "vietqr-02-tracking")
    transfer_order.refresh_from_db()
    assert transfer_order.status == Order.Status.CONFIRMED
    assert set(transfer_order.seller_orders.values_list("status", flat=True)) == {"to_pack"}
    assert transfer_order.payments.get().status == "succeeded"
    assert WebhookEvent.objects.get().processed_at is not None
    confirmed = OrderEvent.objects.filter(order=transfer_order, seller_order=None)
    assert confirmed.filter(to_status="confirmed").count() == 1

    farmer_sees_the_parcel(
        browser, live_server.url, DEMO_FARMER, transfer_order, "vietqr-03", DEMO_PASSWORD
    )
