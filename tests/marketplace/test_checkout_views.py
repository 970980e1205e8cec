"""The checkout a buyer walks through: contact, address, payment, review, place. No account
needed; the session keeps the answers; ``place_order`` checks everything again; a double
click ends on the same order; bad input is said plainly and saves nothing."""

import re
import uuid

import pytest
from django.conf import settings

from marketplace.cart import SESSION_KEY as CART_KEY
from marketplace.checkout_views import SESSION_KEY as CHECKOUT_KEY
from marketplace.models import CartLine, Order, OrderLine, Product
from marketplace.prices import format_vnd
from marketplace.shipping import DEFAULT_TABLE
from marketplace.tracking import PLACED_KEY

pytestmark = pytest.mark.django_db

CONTACT = "/thanh-toan/"
ADDRESS = "/thanh-toan/dia-chi/"
PAYMENT = "/thanh-toan/thanh-toan/"
REVIEW = "/thanh-toan/xac-nhan/"
HANOI = {"province_code": "01", "commune_code": "00004", "village": "12 Hàng Bông"}
VAN_CHAN = {"province_code": "15", "commune_code": "04672", "village": "Thôn Giàng A"}


@pytest.fixture
def english(client):
    """Messages in the source language: the Vietnamese ones are compiled by the lead."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def tea(producer, make_product, catalog_page):
    return make_product(
        producer, name="Chè Shan Tuyết", price=450_000, quantity_available=10, photos=0
    )


@pytest.fixture
def in_cart(english, tea):
    english.post("/gio-hang/them/", {"product": tea.pk, "quantity": "2"})
    english.get("/gio-hang/")  # shows the "added" message
    return english


@pytest.fixture
def at_review(in_cart):
    """A buyer who answered every step, in Hà Nội, paying cash on delivery."""
    in_cart.post(CONTACT, {"name": "Nguyễn Thu Hà", "phone": "0912 345 678"})
    in_cart.post(ADDRESS, HANOI)
    in_cart.post(PAYMENT, {"method": "cod", "note": "Gọi trước khi giao"})
    return in_cart


def text(response):
    return response.content.decode()


def review_form(response):
    """The hidden fields of the review's "Đặt hàng" form."""
    form = re.search(r'<form method="post" id="place-order".*?</form>', text(response), re.S)
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(0)))


def stored(client):
    return client.session.get(CHECKOUT_KEY, {})


# --- The whole way ----------------------------------------------------------------------------


def test_an_anonymous_buyer_orders_with_cash_on_delivery(at_review, tea):
    response = at_review.get(REVIEW)
    assert response.status_code == 200
    fee = DEFAULT_TABLE.fee(100 + 2 * 250, same_province=False)
    assert f'data-total="{900_000 + fee}"' in text(response)
    form = review_form(response)
    assert form["expected_total"] == str(900_000 + fee)
    assert form[f"price_{tea.pk}"] == "450000"
    assert uuid.UUID(form["checkout_token"])

    placed = at_review.post(REVIEW, form)

    order = Order.objects.get()
    assert placed.status_code == 302
    assert placed["Location"] == f"/don-hang/{order.tracking_token}/?moi=1"  # "order placed"
    assert str(order.checkout_token) == form["checkout_token"]
    assert (order.buyer, order.buyer_name, order.buyer_phone) == (
        None,
        "Nguyễn Thu Hà",
        "+84912345678",
    )
    assert (order.province_code, order.commune_code, order.village) == (
        "01",
        "00004",
        "12 Hàng Bông",
    )
    assert order.note == "Gọi trước khi giao" and order.payment_method == "cod"
    assert order.status == Order.Status.CONFIRMED and order.total == 900_000 + fee
    line = OrderLine.objects.get()
    assert (line.product, line.quantity, line.unit_price) == (tea, 2, 450_000)
    tea.refresh_from_db()
    assert tea.quantity_available == 8
    assert at_review.session.get(CART_KEY) is None
    assert CHECKOUT_KEY not in at_review.session


def test_after_placing_an_anonymous_buyer_is_offered_an_account(at_review):
    landed = at_review.post(REVIEW, review_form(at_review.get(REVIEW)))
    order = Order.objects.get()
    page = text(at_review.get(landed["Location"]))
    assert 'id="dat-hang-thanh-cong"' in page and order.number in page
    assert f'action="/don-hang/{order.tracking_token}/tai-khoan/"' in page


def test_a_logged_in_buyer_s_order_is_theirs_and_their_details_are_offered(english, tea, make_user):
    buyer = make_user(phone="0987654321", full_name="Trần Văn Nam")
    english.force_login(buyer)
    english.post("/gio-hang/them/", {"product": tea.pk, "quantity": "1"})
    page = text(english.get(CONTACT))
    assert 'value="Trần Văn Nam"' in page and 'value="0987 654 321"' in page
    english.post(CONTACT, {"name": "Trần Văn Nam", "phone": "0987654321"})
    english.post(ADDRESS, HANOI)
    english.post(PAYMENT, {"method": "cod"})
    english.post(REVIEW, review_form(english.get(REVIEW)))
    order = Order.objects.get()
    assert order.buyer == buyer
    assert not CartLine.objects.filter(user=buyer).exists()
    page = text(english.get(order.get_absolute_url()))
    assert order.number in page and 'id="tao-tai-khoan"' not in page


# --- Idempotency ------------------------------------------------------------------------------


def test_a_double_click_ends_on_the_same_order(at_review, tea):
    form = review_form(at_review.get(REVIEW))
    first = at_review.post(REVIEW, form)
    second = at_review.post(REVIEW, form)  # the second click, or a reload of the POST
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Order.objects.count() == 1
    tea.refresh_from_db()
    assert tea.quantity_available == 8


def test_a_twin_request_that_still_carries_the_checkout_places_once(at_review, tea):
    """Two clicks that both left before either came back: both hold the same session."""
    form = review_form(at_review.get(REVIEW))
    session = at_review.session
    saved = {key: session[key] for key in (CART_KEY, CHECKOUT_KEY)}
    first = at_review.post(REVIEW, form)
    session = at_review.session
    session.update(saved)
    session.pop(PLACED_KEY)
    session.save()
    second = at_review.post(REVIEW, form)
    assert second["Location"] == first["Location"]
    assert Order.objects.count() == 1


def test_a_token_of_another_checkout_is_not_honoured(at_review, tea):
    form = review_form(at_review.get(REVIEW))
    response = at_review.post(REVIEW, {**form, "checkout_token": str(uuid.uuid4())})
    assert response.status_code == 400
    assert "This page was changed or is out of date" in text(response)
    assert not Order.objects.exists()


# --- One step at a time -----------------------------------------------------------------------


@pytest.mark.parametrize("url", [CONTACT, ADDRESS, PAYMENT, REVIEW])
def test_an_empty_cart_sends_the_buyer_back_to_the_cart(english, catalog_page, url):
    response = english.get(url, follow=True)
    assert response.redirect_chain == [("/gio-hang/", 302)]
    assert "Your cart is empty." in text(response)
    assert english.post(url, {}).status_code == 302
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "answered, url, missing",
    [
        ([], ADDRESS, CONTACT),
        ([], PAYMENT, CONTACT),
        ([], REVIEW, CONTACT),
        (["contact"], PAYMENT, ADDRESS),
        (["contact"], REVIEW, ADDRESS),
        (["contact", "address"], REVIEW, PAYMENT),
    ],
)
def test_a_skipped_step_sends_the_buyer_to_it(in_cart, answered, url, missing):
    if "contact" in answered:
        in_cart.post(CONTACT, {"name": "Hà", "phone": "0912345678"})
    if "address" in answered:
        in_cart.post(ADDRESS, HANOI)
    response = in_cart.get(url)
    assert response.status_code == 302 and response["Location"] == missing
    forced = in_cart.post(url, {"method": "cod", "checkout_token": str(uuid.uuid4())})
    assert forced.status_code == 302 and forced["Location"] == missing
    assert not Order.objects.exists()


def test_the_steps_remember_the_answers(at_review):
    page = text(at_review.get(CONTACT))
    assert 'value="Nguyễn Thu Hà"' in page and 'value="0912 345 678"' in page
    page = text(at_review.get(ADDRESS))
    assert re.search(r'<option value="00004" selected>', page)
    page = text(at_review.get(PAYMENT))
    assert re.search(r'value="cod"[^>]*checked', page) and "Gọi trước khi giao" in page


# --- Contact ----------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["", "12345", "0242 382 5555", "+1 415 555 0100", "abc"])
def test_a_phone_that_is_not_a_vietnamese_mobile_is_refused(in_cart, phone):
    response = in_cart.post(CONTACT, {"name": "Hà", "phone": phone})
    assert response.status_code == 400
    assert "mobile number" in text(response)
    assert stored(in_cart) == {}


def test_a_name_of_spaces_is_refused(in_cart):
    response = in_cart.post(CONTACT, {"name": "   ", "phone": "0912345678"})
    assert response.status_code == 400 and "Write the name" in text(response)
    assert stored(in_cart) == {}


def test_the_phone_is_kept_in_one_form(in_cart):
    response = in_cart.post(CONTACT, {"name": " Nguyễn  Thu Hà ", "phone": "(+84) 912-345-678"})
    assert response.status_code == 302 and response["Location"] == ADDRESS
    assert stored(in_cart) == {"name": "Nguyễn Thu Hà", "phone": "+84912345678"}


# --- Address ----------------------------------------------------------------------------------


@pytest.fixture
def at_address(in_cart):
    in_cart.post(CONTACT, {"name": "Hà", "phone": "0912345678"})
    return in_cart


def test_a_commune_outside_its_province_is_refused(at_address):
    response = at_address.post(ADDRESS, {**VAN_CHAN, "commune_code": "00004"})
    assert response.status_code == 400
    assert "This commune is not in the chosen province." in text(response)
    assert "commune_code" not in stored(at_address)


def test_an_unknown_commune_or_no_commune_is_refused(at_address):
    assert at_address.post(ADDRESS, {**HANOI, "commune_code": "99999"}).status_code == 400
    response = at_address.post(ADDRESS, {"province_code": "01", "village": "Ngõ 5"})
    assert response.status_code == 400 and "Choose your commune" in text(response)
    assert "commune_code" not in stored(at_address)


def test_the_address_needs_a_village_or_street(at_address):
    response = at_address.post(ADDRESS, {**HANOI, "village": " "})
    assert response.status_code == 400 and "Write your village" in text(response)
    assert "commune_code" not in stored(at_address)


def test_without_javascript_the_commune_list_follows_the_province(at_address):
    page = text(at_address.get(ADDRESS))
    assert 'name="refresh_communes"' in page and 'value="04672"' not in page
    response = at_address.post(ADDRESS, {"province_code": "15", "refresh_communes": "1"})
    assert response.status_code == 200
    assert 'value="04672"' in text(response) and 'class="error"' not in text(response)
    assert "province_code" not in stored(at_address)


def test_an_old_address_is_converted_to_the_new_commune(at_address):
    response = at_address.post(
        ADDRESS, {"old_address": "Thôn Giàng A, Xã Suối Giàng, Huyện Văn Chấn, Tỉnh Yên Bái"}
    )
    assert response.status_code == 302 and response["Location"] == PAYMENT
    assert stored(at_address)["commune_code"] == "04672"
    assert stored(at_address)["province_code"] == "15"
    assert stored(at_address)["village"] == "Thôn Giàng A"


# --- Payment ----------------------------------------------------------------------------------


@pytest.fixture
def at_payment(at_address):
    at_address.post(ADDRESS, HANOI)
    return at_address


def test_cash_on_delivery_is_offered_and_chosen_first(at_payment):
    page = text(at_payment.get(PAYMENT))
    assert re.search(r'type="radio" name="method" value="cod"[^>]*checked', page)


@pytest.mark.parametrize("method", ["bitcoin", "", "card-by-phone"])
def test_a_method_not_offered_is_refused(at_payment, method):
    response = at_payment.post(PAYMENT, {"method": method})
    assert response.status_code == 400
    assert "method" not in stored(at_payment)


def test_a_note_over_500_characters_is_refused(at_payment):
    response = at_payment.post(PAYMENT, {"method": "cod", "note": "x" * 501})
    assert response.status_code == 400 and "500 characters" in text(response)
    assert "method" not in stored(at_payment)


# --- Review -----------------------------------------------------------------------------------


def test_the_review_counts_the_fee_for_the_real_destination(in_cart, tea):
    in_cart.post(CONTACT, {"name": "Hà", "phone": "0912345678"})
    in_cart.post(ADDRESS, VAN_CHAN)  # the farm's own province
    in_cart.post(PAYMENT, {"method": "cod"})
    fee = DEFAULT_TABLE.fee(600, same_province=True)
    assert fee < DEFAULT_TABLE.fee(600, same_province=False)
    response = in_cart.get(REVIEW)
    assert f'data-total="{900_000 + fee}"' in text(response)
    in_cart.post(REVIEW, review_form(response))
    assert Order.objects.get().shipping_total == fee


def test_the_token_is_made_once_for_the_review(at_review):
    first = review_form(at_review.get(REVIEW))["checkout_token"]
    assert review_form(at_review.get(REVIEW))["checkout_token"] == first
    assert stored(at_review)["token"] == first


@pytest.mark.parametrize(
    "change",
    [
        {"expected_total": "1"},
        {"expected_total": "0"},
    ],
)
def test_a_tampered_total_is_refused_with_the_real_one(at_review, change):
    form = review_form(at_review.get(REVIEW))
    response = at_review.post(REVIEW, {**form, **change})
    assert response.status_code == 409
    page = text(response)
    assert 'id="checkout-changes"' in page and "The total is now" in page
    assert f'data-total="{form["expected_total"]}"' in page
    assert not Order.objects.exists()


def test_a_tampered_price_is_refused(at_review, tea):
    form = review_form(at_review.get(REVIEW))
    response = at_review.post(REVIEW, {**form, f"price_{tea.pk}": "1000"})
    assert response.status_code == 409
    assert "The price of Chè Shan Tuyết changed" in text(response)
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"expected_total": "abc"},
        {"expected_total": "-5"},
        {"expected_total": ""},
        {"checkout_token": "not-a-uuid"},
        {"checkout_token": ""},
        {"price_1": "free"},
        {"price_x": "1"},
        {"price_1": "-1"},
    ],
)
def test_a_damaged_review_form_is_refused(at_review, change):
    form = review_form(at_review.get(REVIEW))
    response = at_review.post(REVIEW, {**form, **change})
    assert response.status_code == 400
    assert "This page was changed or is out of date" in text(response)
    assert not Order.objects.exists()


def test_a_price_change_since_the_review_is_said_and_the_new_total_shown(at_review, tea):
    form = review_form(at_review.get(REVIEW))
    Product.objects.filter(pk=tea.pk).update(price=500_000)
    response = at_review.post(REVIEW, form)
    assert response.status_code == 409
    page = text(response)
    old, new = format_vnd(450_000), format_vnd(500_000)
    assert f"The price of Chè Shan Tuyết changed from {old} to {new}." in page
    fresh = review_form(response)
    assert int(fresh["expected_total"]) == int(form["expected_total"]) + 100_000
    assert not Order.objects.exists()
    # having seen it, the buyer orders at the new price
    placed = at_review.post(REVIEW, fresh)
    assert placed.status_code == 302
    assert Order.objects.get().goods_total == 1_000_000


def test_stock_sold_meanwhile_is_said_and_nothing_is_placed(at_review, tea):
    form = review_form(at_review.get(REVIEW))
    Product.objects.filter(pk=tea.pk).update(quantity_available=1)
    response = at_review.post(REVIEW, form)
    assert response.status_code == 409
    assert "Only 1 left of Chè Shan Tuyết." in text(response)
    assert 'id="place-order"' not in text(response)  # fixed in the cart, not here
    assert not Order.objects.exists()
    tea.refresh_from_db()
    assert tea.quantity_available == 1


def test_a_product_taken_off_sale_meanwhile_is_said(at_review, tea, make_product):
    other = make_product(tea.producer, name="Chè vàng", photos=0)
    at_review.post("/gio-hang/them/", {"product": other.pk, "quantity": "1"})
    at_review.get("/gio-hang/")
    form = review_form(at_review.get(REVIEW))
    Product.objects.filter(pk=other.pk).update(review_state=Product.Review.UNPUBLISHED)
    response = at_review.post(REVIEW, form)
    assert response.status_code == 409
    assert "no longer on sale" in text(response)
    assert not Order.objects.exists()
    placed = at_review.post(REVIEW, review_form(response))
    assert placed.status_code == 302
    assert OrderLine.objects.get().product == tea


def test_a_method_withdrawn_since_the_payment_step_is_said(at_review, monkeypatch):
    from marketplace.payments import registry

    form = review_form(at_review.get(REVIEW))
    cod = registry.adapter_for("cod")
    monkeypatch.setattr(type(cod), "is_available", lambda self: False)
    response = at_review.post(REVIEW, form)
    assert response.status_code == 400
    assert "This payment method is not offered now." in text(response)
    assert not Order.objects.exists()
