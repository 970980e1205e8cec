"""A buyer without an account buys the demo tea on a 360×640 phone and pays cash on delivery:
product page, cart, the four checkout screens, "Đặt hàng", and the order's own address. Then
again with JavaScript off, where the commune list follows the province by a reload."""

import io
import re

import pytest
from django.core.management import call_command

from marketplace.models import Order, OrderLine, Product
from marketplace.shipping import fee_table
from tests.e2e.conftest import PHONE, shot

DEMO_TEA = "che-shan-tuyet-co-thu-suoi-giang"
TRACKING = re.compile(r"/don-hang/([\w-]+)/$")


def fits_the_phone(page):
    """Nothing wider than the screen: no sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def add_to_cart(page, url, quantity):
    page.goto(url)
    page.locator("#add-quantity").fill(str(quantity))
    page.locator("#add-to-cart button[type=submit]").click()
    page.wait_for_url("**/gio-hang/")


def contact(page, name, phone):
    page.locator("#checkout-button").click()
    page.wait_for_url("**/thanh-toan/")
    page.locator("[name=name]").fill(name)
    page.locator("[name=phone]").fill(phone)
    page.locator("#checkout-continue").click()
    page.wait_for_url("**/thanh-toan/dia-chi/")


def placed_order(page):
    """The order whose tracking page the browser is on (the demo has orders of its own)."""
    return Order.objects.get(tracking_token=TRACKING.search(page.url).group(1))


def pay_cash_and_place(page, shots):
    page.wait_for_url("**/thanh-toan/thanh-toan/")
    assert page.locator("input[name=method][value=cod]").is_checked()
    shot(page, f"{shots}-5-payment")
    page.locator("#checkout-continue").click()
    page.wait_for_url("**/thanh-toan/xac-nhan/")
    assert fits_the_phone(page)
    shot(page, f"{shots}-6-review")
    total = int(page.locator("#order-total").get_attribute("data-total"))
    page.locator("#place-order-button").click()
    page.wait_for_url(TRACKING)
    return total


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_buyer_pays_cash_on_delivery(live_server, phone):
    call_command("seed_demo", stdout=io.StringIO())
    tea = Product.objects.get(slug=DEMO_TEA)
    stock = tea.quantity_available

    page = phone.new_page()
    page.goto(f"{live_server.url}{tea.get_absolute_url()}")
    assert page.locator("#add-quantity").get_attribute("max") == str(min(stock, 999))
    assert fits_the_phone(page)
    shot(page, "buy-1-product")
    add_to_cart(page, f"{live_server.url}{tea.get_absolute_url()}", 2)
    assert page.locator("#header-cart").get_attribute("data-count") == "2"
    assert fits_the_phone(page)
    shot(page, "buy-2-cart")

    contact(page, "Nguyễn Thu Hà", "0912 345 678")
    shot(page, "buy-3-contact-done")
    # With JavaScript the commune list follows the province at once.
    page.locator("select[name=province_code]").select_option("01")
    page.locator("select[name=commune_code] option[value='00004']").wait_for(state="attached")
    page.locator("select[name=commune_code]").select_option("00004")
    page.locator("[name=village]").fill("12 Hàng Bông")
    shot(page, "buy-4-address")
    page.locator("#checkout-continue").click()
    total = pay_cash_and_place(page, "buy")
    shot(page, "buy-7-placed")

    order = placed_order(page)
    assert page.url == f"{live_server.url}/don-hang/{order.tracking_token}/"
    assert order.number in page.locator("h1").inner_text()
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
    assert order.payment_method == "cod" and order.status == Order.Status.CONFIRMED
    assert order.total == total
    line = OrderLine.objects.get(seller_order__order=order)
    assert (line.product, line.quantity, line.unit_price) == (tea, 2, tea.price)
    seller_order = order.seller_orders.get()
    assert seller_order.cod_amount == seller_order.goods_total + seller_order.shipping_fee
    tea.refresh_from_db()
    assert tea.quantity_available == stock - 2

    # The cart is empty now, and a step of the finished checkout leads back to it.
    page.goto(f"{live_server.url}/thanh-toan/xac-nhan/")
    page.wait_for_url("**/gio-hang/")
    assert page.locator("#cart-empty").is_visible()
    assert page.locator("#header-cart").get_attribute("data-count") == "0"


@pytest.mark.django_db(transaction=True)
def test_the_address_step_works_without_javascript(live_server, browser):
    call_command("seed_demo", stdout=io.StringIO())
    tea = Product.objects.get(slug=DEMO_TEA)
    context = browser.new_context(
        viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True, java_script_enabled=False
    )
    page = context.new_page()
    add_to_cart(page, f"{live_server.url}{tea.get_absolute_url()}", 1)
    contact(page, "Lò Văn Páo", "0987654321")

    # Without JavaScript the "show the communes" button reloads the list, keeping what was typed.
    page.locator("[name=village]").fill("Thôn Giàng A")
    page.locator("select[name=province_code]").select_option("15")
    assert page.locator("select[name=commune_code] option[value='04672']").count() == 0
    page.locator("button[name=refresh_communes]").click()
    page.wait_for_load_state()
    shot(page, "buy-nojs-4-communes")
    assert page.locator("select[name=province_code]").input_value() == "15"
    assert page.locator("[name=village]").input_value() == "Thôn Giàng A"
    page.locator("select[name=commune_code]").select_option("04672")
    page.locator("#checkout-continue").click()
    pay_cash_and_place(page, "buy-nojs")
    order = placed_order(page)
    context.close()

    assert page.url == f"{live_server.url}/don-hang/{order.tracking_token}/"
    assert (order.province_code, order.commune_code, order.village) == (
        "15",
        "04672",
        "Thôn Giàng A",
    )
    # the farm is in Lào Cai too: the parcel pays the within-province fee
    parcel = order.seller_orders.select_related("producer").get()
    assert parcel.producer.province_code == "15"
    assert parcel.shipping_fee == fee_table().fee(parcel.weight_grams, same_province=True)
