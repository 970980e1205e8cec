"""The buyer's bank-transfer page /don-hang/<token>/chuyen-khoan/ (marketplace/transfer_views.py):
the QR code and the same details as text until the deadline, a reload while the money has not
come, the tracking page once it has."""

import re
from datetime import timedelta

import pytest
import zxingcpp
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from vietnam_qr_pay import QRPay

from marketplace.checkout import cancel_order, confirm_payment, expire_unpaid_orders
from marketplace.order_models import Order
from marketplace.payments import vietqr
from tests.marketplace.bank_support import payment_of, rasterize

pytestmark = pytest.mark.django_db


def page_url(order):
    return reverse("marketplace:bank_transfer", args=[order.tracking_token])


def test_the_page_shows_the_code_and_the_details_as_text(client, vietqr_order):
    payment = payment_of(vietqr_order)
    response = client.get(page_url(vietqr_order))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="vietqr-code"' in html and "<svg" in html
    assert re.search(r'<meta http-equiv="refresh" content="15">', html)
    assert f'data-amount="{payment.amount}"' in html
    assert payment.reference in html
    assert "0011004321987" in html and "CONG TY CHO PHIEN" in html
    assert "Vietcombank" in html
    deadline = timezone.localtime(vietqr_order.payment_deadline).strftime("%H:%M %d/%m/%Y")
    assert deadline in html
    assert "no-store" in response.headers["Cache-Control"]  # each reload asks afresh
    assert len(response.content) < 100_000


def test_the_code_on_the_page_is_the_orders_payload(client, vietqr_order):
    html = client.get(page_url(vietqr_order)).content.decode()
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    (code,) = zxingcpp.read_barcodes(rasterize(svg))
    payment = payment_of(vietqr_order)
    assert code.text == vietqr.build_payload(payment.amount, payment.reference)
    parsed = QRPay(code.text)
    assert parsed.is_valid and parsed.amount == str(vietqr_order.total)


def test_once_paid_it_goes_to_the_tracking_page(client, vietqr_order):
    confirm_payment(payment_of(vietqr_order))
    response = client.get(page_url(vietqr_order))
    assert response.status_code == 302
    assert response.url == vietqr_order.get_absolute_url()


def test_after_the_deadline_it_shows_no_code_and_says_so(client, vietqr_order):
    Order.objects.filter(pk=vietqr_order.pk).update(
        payment_deadline=timezone.now() - timedelta(minutes=1)
    )
    html = client.get(page_url(vietqr_order)).content.decode()  # the sweep has not run yet
    assert 'data-state="closed"' in html and 'id="transfer-closed"' in html
    assert "<svg" not in html and 'http-equiv="refresh"' not in html

    expire_unpaid_orders()
    html = client.get(page_url(vietqr_order)).content.decode()
    assert 'id="transfer-closed"' in html and "<svg" not in html


def test_a_cancelled_order_shows_no_code(client, vietqr_order, moderator):
    cancel_order(vietqr_order, actor=moderator, reason="Hết hàng")
    html = client.get(page_url(vietqr_order)).content.decode()
    assert 'id="transfer-closed"' in html and "<svg" not in html


def test_only_the_orders_own_secret_link_opens_it(client, vietqr_order, place, vietqr_tea):
    assert client.get(f"/don-hang/{vietqr_order.tracking_token}x/chuyen-khoan/").status_code == 404
    cod_order = place([(vietqr_tea, 1)], method="cod")
    assert client.get(page_url(cod_order)).status_code == 404


def test_the_page_reads_in_english_too(client, vietqr_order):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(page_url(vietqr_order)).content.decode()
    assert "Transfer content" in html


def test_the_page_costs_a_few_queries(client, vietqr_order, django_assert_max_num_queries):
    client.get(page_url(vietqr_order))  # the site settings are cached after the first view
    with django_assert_max_num_queries(4):
        assert client.get(page_url(vietqr_order)).status_code == 200
