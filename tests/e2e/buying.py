"""Steps of a purchase in the browser, shared by the cash, card and bank-transfer tests: the
product page, the cart, the four checkout screens, and the farmer who then finds the parcel
on the seller desk."""

import re

from marketplace.models import Order
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, shot

DEMO_TEA = "che-shan-tuyet-co-thu-suoi-giang"
DEMO_FARMER = "0912000003"  # a member of the Văn Chấn cooperative that grows the demo tea
TRACKING = re.compile(r"/don-hang/([\w-]+)/(\?moi=1)?$")


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


def address_in_hanoi(page, javascript=True):
    """Phường Ba Đình, Hà Nội: with JavaScript the commune list follows the province at once;
    without, the "show the communes" button reloads it."""
    page.locator("select[name=province_code]").select_option("01")
    if javascript:
        page.locator("select[name=commune_code] option[value='00004']").wait_for(state="attached")
    else:
        with page.expect_navigation():
            page.locator("button[name=refresh_communes]").click()
    page.locator("select[name=commune_code]").select_option("00004")
    page.locator("[name=village]").fill("12 Hàng Bông")
    page.locator("#checkout-continue").click()
    page.wait_for_url("**/thanh-toan/thanh-toan/")


def choose_and_place(page, method, shots):
    """Pick ``method`` on the payment screen, review, press "Đặt hàng"; the reviewed total."""
    page.locator(f"input[name=method][value={method}]").check()
    shot(page, f"{shots}-payment")
    page.locator("#checkout-continue").click()
    page.wait_for_url("**/thanh-toan/xac-nhan/")
    assert fits_the_phone(page)
    shot(page, f"{shots}-review")
    total = int(page.locator("#order-total").get_attribute("data-total"))
    page.locator("#place-order-button").click()
    return total


def buy(page, server, product, quantity, method, shots, javascript=True):
    """A guest buys ``quantity`` of ``product`` with ``method``, up to "Đặt hàng"; returns
    the order placed and the total the review showed."""
    add_to_cart(page, f"{server}{product.get_absolute_url()}", quantity)
    contact(page, "Nguyễn Thu Hà", "0912 345 678")
    address_in_hanoi(page, javascript=javascript)
    total = choose_and_place(page, method, shots)
    page.wait_for_url(re.compile(r"/don-hang/[\w-]+/"))
    token = re.search(r"/don-hang/([\w-]+)/", page.url).group(1)
    return Order.objects.get(tracking_token=token), total


def placed_order(page):
    """The order whose tracking page the browser is on (the demo has orders of its own)."""
    return Order.objects.get(tracking_token=TRACKING.search(page.url).group(1))


def farmer_sees_the_parcel(browser, server, farmer_phone, order, shots, password=PASSWORD):
    """The farmer logs in on their own phone and finds the order on the seller desk, to pack."""
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(f"{server}/tai-khoan/dang-nhap/?next=/ban-hang/don-hang/")
        page.locator("[name=username]").fill(farmer_phone)
        page.locator("[name=password]").fill(password)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_url("**/ban-hang/don-hang/")
        parcel = page.locator(f"text={order.number}")
        parcel.first.wait_for()
        assert fits_the_phone(page)
        shot(page, f"{shots}-farmer-desk")
    finally:
        context.close()
