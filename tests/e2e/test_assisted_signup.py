"""A community helper signs a farmer up on a 360×640 phone with JavaScript off: the form starts
in the helper's commune, and what was typed (passwords included) is still there after the
commune list is reloaded and after a field is refused. Then the desk's stock box is a thumb-
sized tap target."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from accounts.roles import Role
from marketplace.models import HelperCommune, Producer, Product
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, shot

FARMER_PASSWORD = "che-shan-tuyet-2025"
TYPED = {
    "full_name": "Sùng Thị Dợ",
    "phone": "0966 123 457",
    "password1": FARMER_PASSWORD,
    "password2": FARMER_PASSWORD,
    "producer_name": "Hộ chè Sùng Thị Dợ",
    "village": "Bản Pang Cáng",
}
CHOSEN = {"kind": "cooperative", "consent_method": "signed_form"}


def fill(page):
    for name, value in TYPED.items():
        page.locator(f"[name={name}]").fill(value)
    for name, value in CHOSEN.items():
        page.locator(f"select[name={name}]").select_option(value)
    page.locator("[name=consent_confirmed]").check()


def assert_everything_still_there(page):
    for name, value in TYPED.items():
        assert page.locator(f"[name={name}]").input_value() == value, name
    for name, value in CHOSEN.items():
        assert page.locator(f"select[name={name}]").input_value() == value, name
    assert page.locator("[name=consent_confirmed]").is_checked()


@pytest.mark.django_db(transaction=True)
def test_helper_signs_a_farmer_up_without_javascript(live_server, browser, make_user, home_page):
    helper = make_user(Role.COMMUNITY_HELPER, phone="0977000222", full_name="Hoàng Văn Sáng")
    HelperCommune.objects.create(helper=helper, commune_code="04672")  # Xã Văn Chấn, Lào Cai
    context = browser.new_context(
        viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/tai-khoan/dang-nhap/?next=/ban-hang/nong-dan/moi/")
    page.locator("[name=username]").fill(helper.phone)
    page.locator("[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()

    # The form speaks of the farmer and starts in the helper's commune.
    expect(page.get_by_label("Họ và tên nông dân")).to_be_visible()
    assert page.locator("select[name=province_code]").input_value() == "15"
    assert page.locator("select[name=commune_code]").input_value() == "04672"
    fill(page)

    # The farmer lives across the border in Hà Nội: without JavaScript, the button reloads.
    page.locator("select[name=province_code]").select_option("01")
    reload = page.get_by_role("button", name="Hiện danh sách xã của tỉnh này")
    expect(reload).to_be_visible()
    with page.expect_navigation():
        reload.click()
    shot(page, "assisted-01-communes-reloaded")
    assert_everything_still_there(page)
    assert page.locator("select[name=province_code]").input_value() == "01"
    assert page.locator("select[name=commune_code] option[value='00004']").count() == 1

    # A commune the helper does not serve is refused, and nothing typed is lost.
    page.locator("select[name=commune_code]").select_option("00004")
    with page.expect_navigation():
        page.get_by_role("button", name="Tạo tài khoản").click()
    shot(page, "assisted-02-refused")
    refused = "Bạn chỉ được đăng ký cho nông dân ở các xã bạn phụ trách."
    expect(page.get_by_text(refused)).to_be_visible()
    assert_everything_still_there(page)
    assert not Producer.objects.exists()

    # Back to the helper's commune: the account is made with the passwords typed at first.
    page.locator("select[name=province_code]").select_option("15")
    with page.expect_navigation():
        page.get_by_role("button", name="Hiện danh sách xã của tỉnh này").click()
    assert_everything_still_there(page)
    page.locator("select[name=commune_code]").select_option("04672")
    with page.expect_navigation():
        page.get_by_role("button", name="Tạo tài khoản").click()
    producer = Producer.objects.get(name="Hộ chè Sùng Thị Dợ")
    farmer = User.objects.get(phone="+84966123457")
    assert farmer.check_password(FARMER_PASSWORD) and producer.onboarded_by == helper

    # On the farmer's desk the stock box is at least 44×44 px and asks for a number pad.
    Product.objects.create(
        producer=producer,
        name="Chè Shan Tuyết",
        slug="che-shan-tuyet-e2e",
        category=Product.Category.TEA,
        price=450_000,
        unit="gói 200 g",
        quantity_available=30,
    )
    page.goto(f"{live_server.url}/ban-hang/nong-dan/{producer.slug}/")
    shot(page, "assisted-03-desk")
    box = page.locator("[name=quantity_available]").first
    size = box.bounding_box()
    assert size["width"] >= 44 and size["height"] >= 44
    assert box.get_attribute("inputmode") == "numeric"
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_price_box_shows_what_it_understood_while_typing(
    live_server, phone, make_user, home_page
):
    farmer = make_user(Role.PRODUCER, phone="0977000333", full_name="Lò Thị Mai")
    producer = Producer.objects.create(
        name="Hộ Lò Thị Mai", slug="ho-lo-thi-mai", province_code="15", commune_code="04672"
    )
    producer.members.add(farmer)
    product = Product.objects.create(
        producer=producer,
        name="Chè Shan Tuyết",
        slug="che-shan-tuyet-gia",
        category=Product.Category.TEA,
        review_state=Product.Review.DRAFT,
    )
    page = phone.new_page()
    page.goto(f"{live_server.url}/tai-khoan/dang-nhap/?next=/ban-hang/san-pham/{product.pk}/gia/")
    page.locator("[name=username]").fill(farmer.phone)
    page.locator("[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    preview = page.locator("output.price-preview")
    page.locator("[name=price]").fill("1,2tr")
    assert preview.text_content() == "Giá: 1.200.000\u00a0₫"
    page.locator("[name=price]").fill("450k")
    assert preview.text_content() == "Giá: 450.000\u00a0₫"
    shot(page, "price-preview")
    page.locator("[name=price]").fill("abc")
    assert preview.text_content() == ""
