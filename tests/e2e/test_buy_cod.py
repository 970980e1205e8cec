"""A buyer without an account buys the demo tea on a 360×640 phone and pays cash on delivery:
product page, cart, the four checkout screens, "Đặt hàng", and the order's own address. Then
again with JavaScript off, where the commune list follows the province by a reload."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from marketplace.models import Order, OrderLine, Product
from marketplace.shipping import fee_table
from tests.e2e.buying import (
    DEMO_FARMER,
    DEMO_TEA,
    TRACKING,
    add_to_cart,
    choose_and_place,
    contact,
    farmer_sees_the_parcel,
    fits_the_phone,
    placed_order,
)
from tests.e2e.conftest import PHONE, shot


def pay_cash_and_place(page, shots):
    assert page.locator("input[name=method][value=cod]").is_checked()  # the default
    total = choose_and_place(page, "cod", shots)
    page.wait_for_url(TRACKING)
    return total


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_buyer_pays_cash_on_delivery(live_server, phone, browser):
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
    assert page.url == f"{live_server.url}/don-hang/{order.tracking_token}/?moi=1"
    expect(page.locator("#dat-hang-thanh-cong")).to_be_visible()
    expect(page.locator("h1")).to_contain_text(order.number)
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
    expect(page.locator("#cart-empty")).to_be_visible()
    assert page.locator("#header-cart").get_attribute("data-count") == "0"

    # The farmer finds the parcel to pack on the seller desk.
    farmer_sees_the_parcel(browser, live_server.url, DEMO_FARMER, order, "buy-8", DEMO_PASSWORD)


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
    with page.expect_navigation():
        page.locator("button[name=refresh_communes]").click()
    shot(page, "buy-nojs-4-communes")
    assert page.locator("select[name=province_code]").input_value() == "15"
    assert page.locator("[name=village]").input_value() == "Thôn Giàng A"
    page.locator("select[name=commune_code]").select_option("04672")
    page.locator("#checkout-continue").click()
    pay_cash_and_place(page, "buy-nojs")
    order = placed_order(page)
    assert page.url == f"{live_server.url}/don-hang/{order.tracking_token}/?moi=1"
    expect(page.locator("#dat-hang-thanh-cong")).to_be_visible()
    context.close()

    assert (order.province_code, order.commune_code, order.village) == (
        "15",
        "04672",
        "Thôn Giàng A",
    )
    # the farm is in Lào Cai too: the parcel pays the within-province fee
    parcel = order.seller_orders.select_related("producer").get()
    assert parcel.producer.province_code == "15"
    assert parcel.shipping_fee == fee_table().fee(parcel.weight_grams, same_province=True)
