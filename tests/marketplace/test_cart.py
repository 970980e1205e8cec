"""The cart a buyer sees: "Thêm vào giỏ" on product pages, the header count, the cart page
grouped by farm with each parcel's weight and fee, and plain answers to bad input."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from marketplace.cart import SESSION_KEY
from marketplace.models import CartLine, Producer, Product, ShippingSettings
from marketplace.shipping import DEFAULT_TABLE
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ADD = "/gio-hang/them/"
UPDATE = "/gio-hang/sua/"
CART = "/gio-hang/"


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
def honey(make_producer, make_product, catalog_page):
    other = make_producer(name="HTX Mật ong Mù Cang Chải", province_code="01", commune_code="00004")
    return make_product(other, name="Mật ong bạc hà", price=300_000, quantity_available=5, photos=0)


def session_cart(client):
    return client.session.get(SESSION_KEY, {})


def text(response):
    return response.content.decode()


# --- The product page -------------------------------------------------------------------------


def test_the_product_page_offers_a_quantity_up_to_the_stock_left(client, tea):
    page = text(client.get(tea.get_absolute_url()))
    form = re.search(r'<form[^>]*id="add-to-cart".*?</form>', page, re.S).group(0)
    assert 'action="/gio-hang/them/"' in form and 'method="post"' in form
    assert f'name="product" value="{tea.pk}"' in form
    assert 'max="10"' in form and 'min="1"' in form
    assert "10 × gói 200 g" in form


def test_a_sold_out_product_has_no_form(english, tea):
    Product.objects.filter(pk=tea.pk).update(quantity_available=0)
    page = text(english.get(tea.get_absolute_url()))
    assert 'id="add-to-cart"' not in page
    assert 'id="sold-out"' in page and "Out of stock" in page


def test_adding_puts_the_product_in_an_anonymous_buyers_session(client, tea):
    response = client.post(ADD, {"product": tea.pk, "quantity": "2"})
    assert response.status_code == 302 and response["Location"] == CART
    assert session_cart(client) == {str(tea.pk): 2}
    client.post(ADD, {"product": tea.pk, "quantity": "3"})
    assert session_cart(client) == {str(tea.pk): 5}
    assert not CartLine.objects.exists()


def test_a_logged_in_buyer_s_cart_is_kept_in_the_database(client, tea, make_user):
    buyer = make_user()
    client.force_login(buyer)
    client.post(ADD, {"product": tea.pk, "quantity": "2"})
    assert list(CartLine.objects.values_list("user", "product", "quantity")) == [
        (buyer.pk, tea.pk, 2)
    ]
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "quantity, message",
    [
        ("-1", "The quantity must be at least 1."),
        ("0", "The quantity must be at least 1."),
        ("1000", "At most 999 units per product in one order."),
        ("99999999999999999999", "At most 999 units per product in one order."),
        ("abc", "Enter the quantity as a whole number."),
        ("1.5", "Enter the quantity as a whole number."),
        ("", "Enter the quantity as a whole number."),
        ("11", "Only 10 left of Chè Shan Tuyết."),
    ],
)
def test_a_bad_quantity_is_said_and_nothing_is_added(english, tea, quantity, message):
    response = english.post(ADD, {"product": tea.pk, "quantity": quantity}, follow=True)
    assert response.redirect_chain[0] == (tea.get_absolute_url(), 302)
    assert message in text(response)
    assert session_cart(english) == {}


def test_more_than_the_stock_counting_what_is_already_in_the_cart_is_refused(english, tea):
    english.post(ADD, {"product": tea.pk, "quantity": "8"})
    response = english.post(ADD, {"product": tea.pk, "quantity": "3"}, follow=True)
    assert "Only 10 left of Chè Shan Tuyết." in text(response)
    assert session_cart(english) == {str(tea.pk): 8}


@pytest.mark.parametrize("product", ["999999", "abc", "", "-3"])
def test_an_unknown_product_is_refused(english, tea, product):
    response = english.post(ADD, {"product": product, "quantity": "1"})
    assert response.status_code == 400
    assert "This product is not on sale." in text(response)
    assert session_cart(english) == {}


@pytest.mark.parametrize(
    "hide",
    [
        lambda tea: Product.objects.filter(pk=tea.pk).update(review_state=Product.Review.DRAFT),
        lambda tea: Product.objects.filter(pk=tea.pk).update(
            review_state=Product.Review.UNPUBLISHED
        ),
        lambda tea: Producer.objects.filter(pk=tea.producer_id).update(
            verification=Producer.Verification.PENDING
        ),
    ],
    ids=["draft", "unpublished", "producer-not-verified"],
)
def test_a_product_not_on_sale_cannot_be_added(english, tea, make_user, hide):
    hide(tea)
    response = english.post(ADD, {"product": tea.pk, "quantity": "1"})
    assert response.status_code == 400 and "This product is not on sale." in text(response)
    english.force_login(make_user())
    assert english.post(ADD, {"product": tea.pk, "quantity": "1"}).status_code == 400
    assert not CartLine.objects.exists()


def test_adding_needs_a_post(client, tea):
    assert client.get(ADD, {"product": tea.pk, "quantity": "1"}).status_code == 405
    assert session_cart(client) == {}


# --- The header -------------------------------------------------------------------------------


def header_count(response):
    return int(re.search(r'id="header-cart" data-count="(\d+)"', text(response)).group(1))


def test_the_header_counts_the_units_in_the_cart(client, tea, honey, make_user):
    assert header_count(client.get(CART)) == 0
    client.post(ADD, {"product": tea.pk, "quantity": "2"})
    client.post(ADD, {"product": honey.pk, "quantity": "1"})
    assert header_count(client.get(tea.get_absolute_url())) == 3
    client.force_login(make_user())  # the session's lines join the account's
    assert header_count(client.get("/san-pham/")) == 3
    client.post(ADD, {"product": honey.pk, "quantity": "4"})
    assert header_count(client.get("/san-pham/")) == 7


def test_the_header_count_costs_an_anonymous_visitor_no_query(client, home_page):
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        client.get("/")
    assert not [q for q in captured if "cartline" in q["sql"] or "session" in q["sql"]]


def test_the_header_count_costs_a_logged_in_buyer_one_query(client, home_page, make_user):
    client.force_login(make_user())
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        client.get("/")
    assert len([q for q in captured if "marketplace_cartline" in q["sql"]]) == 1


# --- The cart page ----------------------------------------------------------------------------


def parcels(response):
    """{producer name: parcel html} of the cart page."""
    page = text(response)
    return {
        name: block
        for block, name in re.findall(
            r'(<section class="card cart-group".*?<h2[^>]*>Parcel from (.*?)</h2>.*?</section>)',
            page,
            re.S,
        )
    }


def test_the_cart_groups_lines_by_farm_with_parcel_weight_and_the_highest_fee(english, tea, honey):
    english.post(ADD, {"product": tea.pk, "quantity": "2"})
    english.post(ADD, {"product": honey.pk, "quantity": "1"})
    response = english.get(CART)
    groups = parcels(response)
    assert set(groups) == {tea.producer.name, honey.producer.name}
    tea_fee = DEFAULT_TABLE.fee(100 + 2 * 250, same_province=False)
    honey_fee = DEFAULT_TABLE.fee(100 + 250, same_province=False)
    assert "Chè Shan Tuyết" in groups[tea.producer.name]
    assert "600 g" in groups[tea.producer.name]
    assert f"up to {tea_fee:,}".replace(",", ".") in groups[tea.producer.name]
    assert f"up to {honey_fee:,}".replace(",", ".") in groups[honey.producer.name]
    page = text(response)
    total = 900_000 + 300_000 + tea_fee + honey_fee
    assert re.search(r'id="cart-total"><strong>up to ' + f"{total:,}".replace(",", "."), page)
    assert 'id="checkout-button"' in page and 'href="/thanh-toan/"' in page


def test_an_empty_cart_says_so_and_offers_no_checkout(english, catalog_page):
    page = text(english.get(CART))
    assert 'id="cart-empty"' in page and "Your cart is empty." in page
    assert 'id="checkout-button"' not in page


def test_a_line_s_quantity_can_be_changed_and_the_line_removed(client, tea, honey):
    client.post(ADD, {"product": tea.pk, "quantity": "2"})
    client.post(ADD, {"product": honey.pk, "quantity": "1"})
    assert client.post(UPDATE, {"product": tea.pk, "quantity": "5"}).status_code == 302
    assert session_cart(client) == {str(tea.pk): 5, str(honey.pk): 1}
    client.post(UPDATE, {"product": honey.pk, "quantity": "1", "remove": "1"})
    assert session_cart(client) == {str(tea.pk): 5}


def test_a_logged_in_buyer_changes_and_removes_lines_in_the_database(client, tea, make_user):
    client.force_login(make_user())
    client.post(ADD, {"product": tea.pk, "quantity": "2"})
    client.post(UPDATE, {"product": tea.pk, "quantity": "4"})
    assert CartLine.objects.get().quantity == 4
    client.post(UPDATE, {"product": tea.pk, "remove": "1"})
    assert not CartLine.objects.exists()


@pytest.mark.parametrize(
    "quantity, message",
    [
        ("-2", "The quantity must be at least 1."),
        ("0", "The quantity must be at least 1."),
        ("5000", "At most 999 units per product in one order."),
        ("hai", "Enter the quantity as a whole number."),
        ("11", "Only 10 left of Chè Shan Tuyết."),
    ],
)
def test_a_bad_new_quantity_is_said_and_the_line_kept(english, tea, quantity, message):
    english.post(ADD, {"product": tea.pk, "quantity": "2"})
    response = english.post(UPDATE, {"product": tea.pk, "quantity": quantity})
    assert response.status_code == 400 and message in text(response)
    assert session_cart(english) == {str(tea.pk): 2}


def test_a_change_to_an_unknown_product_adds_nothing(english, tea):
    response = english.post(UPDATE, {"product": "123456", "quantity": "1"})
    assert response.status_code == 400 and "This product is not on sale." in text(response)
    english.post(UPDATE, {"product": "x", "remove": "1"})
    assert session_cart(english) == {}


def test_sold_out_and_fewer_left_are_said_and_block_the_checkout(english, tea, honey):
    english.post(ADD, {"product": tea.pk, "quantity": "4"})
    english.post(ADD, {"product": honey.pk, "quantity": "2"})
    Product.objects.filter(pk=tea.pk).update(quantity_available=0)
    Product.objects.filter(pk=honey.pk).update(quantity_available=1)
    page = text(english.get(CART))
    assert "Chè Shan Tuyết is sold out." in page
    assert "Only 1 left of Mật ong bạc hà." in page
    assert 'id="checkout-button"' not in page
    assert session_cart(english) == {str(tea.pk): 4, str(honey.pk): 2}  # the buyer decides


def test_a_product_no_longer_on_sale_leaves_the_cart_with_a_word(english, tea, honey):
    english.post(ADD, {"product": tea.pk, "quantity": "1"})
    english.post(ADD, {"product": honey.pk, "quantity": "1"})
    english.get(CART)  # shows the "added" messages
    Product.objects.filter(pk=tea.pk).update(review_state=Product.Review.UNPUBLISHED)
    page = text(english.get(CART))
    assert "A product in your cart is no longer on sale and was left out." in page
    assert "Chè Shan Tuyết" not in page and "Mật ong bạc hà" in page
    assert session_cart(english) == {str(honey.pk): 1}
    assert "no longer on sale" not in text(english.get(CART))  # said once
    assert 'id="checkout-button"' in text(english.get(CART))


# --- Login merges the cart --------------------------------------------------------------------


def test_logging_in_through_the_login_page_merges_the_anonymous_cart(client, tea, honey, make_user):
    buyer = make_user(phone="0912000111")
    CartLine.objects.create(user=buyer, product=tea, quantity=1)
    client.post(ADD, {"product": tea.pk, "quantity": "2"})
    client.post(ADD, {"product": honey.pk, "quantity": "1"})
    response = client.post(
        "/tai-khoan/dang-nhap/",
        {"username": "0912 000 111", "password": PASSWORD, "next": CART},
    )
    assert response.status_code == 302 and response["Location"] == CART
    lines = dict(CartLine.objects.filter(user=buyer).values_list("product", "quantity"))
    assert lines == {tea.pk: 3, honey.pk: 1}
    assert SESSION_KEY not in client.session
    assert header_count(client.get(CART)) == 4


def test_a_merged_line_stops_at_the_most_one_order_may_ask(client, tea, make_user):
    Product.objects.filter(pk=tea.pk).update(quantity_available=5_000)
    buyer = make_user(phone="0912000222")
    CartLine.objects.create(user=buyer, product=tea, quantity=990)
    client.post(ADD, {"product": tea.pk, "quantity": "20"})
    client.post("/tai-khoan/dang-nhap/", {"username": "0912000222", "password": PASSWORD})
    assert CartLine.objects.get(user=buyer).quantity == 999


# --- The fee table ----------------------------------------------------------------------------


def test_a_changed_fee_table_changes_the_cart_s_fee(english, tea):
    english.post(ADD, {"product": tea.pk, "quantity": "1"})
    shipping = ShippingSettings.for_site(Site.objects.get(is_default_site=True))
    shipping.bands = [
        ("band", {"up_to_grams": 1000, "same_province": 11_000, "other_province": 22_000}),
        ("band", {"up_to_grams": 3000, "same_province": 33_000, "other_province": 44_000}),
    ]
    shipping.save()
    assert "up to 22.000" in parcels(english.get(CART))[tea.producer.name]
    Product.objects.filter(pk=tea.pk).update(shipping_weight_grams=1500)
    assert "up to 44.000" in parcels(english.get(CART))[tea.producer.name]


def test_moderators_find_the_fee_table_in_the_admin_settings_menu(client, moderator, home_page):
    assert not moderator.is_superuser  # the role's own permission opens it
    client.force_login(moderator)
    menu = text(client.get("/admin/"))
    assert "/admin/settings/marketplace/shippingsettings/" in menu
    site = Site.objects.get(is_default_site=True)
    page = client.get(f"/admin/settings/marketplace/shippingsettings/{site.pk}/")
    assert page.status_code == 200 and "extra_per_kg_other_province" in text(page)


def test_the_fee_table_is_closed_to_buyers(make_user, home_page):
    client = Client()
    client.force_login(make_user())
    site = Site.objects.get(is_default_site=True)
    response = client.get(f"/admin/settings/marketplace/shippingsettings/{site.pk}/")
    assert response.status_code in (302, 403)
