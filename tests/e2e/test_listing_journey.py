"""Issue 4's journey on a 360×640 phone: a tea farmer signs up and lists a product with a
photo, sees it awaiting review; a moderator approves it; a buyer typing without diacritics
finds it."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from accounts.roles import Role
from marketplace.models import Product
from tests.conftest import PASSWORD
from tests.e2e.conftest import shot

PRODUCT = "Chè Shan Tuyết búp bạc Pang Cáng"


@pytest.fixture
def tea_photo(tmp_path):
    path = Path(tmp_path) / "che.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (70, 120, 60)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.django_db(transaction=True)
def test_farmer_lists_moderator_approves_buyer_finds(
    live_server, browser, phone, make_user, tea_photo
):
    call_command("seed_demo", stdout=io.StringIO())
    moderator = make_user(Role.MODERATOR, phone="0977000111", full_name="Kiểm duyệt")

    # The farmer signs up on their phone.
    page = phone.new_page()
    page.goto(f"{live_server.url}/ban-hang/dang-ky/")
    page.get_by_label("Họ và tên của bạn").fill("Sùng Thị Dợ")
    page.get_by_label("Số điện thoại").fill("0966 123 456")
    page.locator("[name=password1]").fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_label("Tên trang trại, hợp tác xã hoặc doanh nghiệp của bạn").fill(
        "Hộ chè Sùng Thị Dợ"
    )
    page.get_by_label("Tỉnh/thành phố").select_option("15")
    commune = page.get_by_label("Xã/phường")
    commune.locator('option[value="04672"]').wait_for(state="attached")
    commune.select_option("04672")
    page.get_by_label("Thôn/bản, đường phố").fill("Bản Pang Cáng")
    shot(page, "01-signup")
    with page.expect_navigation():
        page.get_by_role("button", name="Tạo tài khoản của tôi").click()
    shot(page, "02-desk")

    # … and lists a tea product, one screen at a time.
    page.get_by_role("link", name="Đăng bán sản phẩm").first.click()
    page.get_by_label("Tên sản phẩm").fill(PRODUCT)
    page.get_by_label("Loại sản phẩm").select_option("tea")
    shot(page, "03-step-name")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.get_by_label("Giá (₫) cho một đơn vị").fill("450.000")
    page.locator("[name=unit]").fill("gói 200 g")
    page.get_by_label("Số lượng có thể bán").fill("40")
    page.locator("[name=shipping_weight_grams]").fill("260")
    page.locator("[name=description]").fill("Búp chè hái từ cây cổ thụ trên 300 năm tuổi.")
    shot(page, "04-step-price")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.get_by_label("Ảnh sản phẩm").set_input_files(str(tea_photo))
    shot(page, "05-step-photo")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    shot(page, "06-step-origin")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    shot(page, "07-step-check")
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi duyệt").click()
    shot(page, "08-awaiting-review")
    expect(page.get_by_text(PRODUCT).first).to_be_visible()
    expect(page.get_by_text("Chờ duyệt").first).to_be_visible()
    product = Product.objects.get(name=PRODUCT)
    assert product.review_state == Product.Review.PENDING
    assert product.photos.count() == 1

    # A moderator verifies the new producer and approves the listing in the admin.
    admin = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    desk = admin.new_page()
    desk.goto(f"{live_server.url}/admin/login/")
    desk.locator("[name=username]").fill(moderator.phone)
    desk.locator("[name=password]").fill(PASSWORD)
    with desk.expect_navigation():
        desk.locator("[type=submit]").first.click()
    desk.goto(f"{live_server.url}/admin/marketplace/review/")
    producer_row = desk.locator(
        ".review-item", has_text="Hộ chè Sùng Thị Dợ", has=desk.locator("option[value=verified]")
    )
    producer_row.locator("select[name=decision]").select_option("verified")
    with desk.expect_navigation():
        producer_row.get_by_role("button").click()
    listing_row = desk.locator(".review-item", has_text=PRODUCT)
    listing_row.locator("select[name=decision]").select_option("approved")
    shot(desk, "09-moderator-review")
    with desk.expect_navigation():
        listing_row.get_by_role("button").click()
    product.refresh_from_db()
    assert product.review_state == Product.Review.APPROVED
    admin.close()

    # A buyer types without diacritics and finds it.
    buyer = phone.browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True)
    search = buyer.new_page()
    search.goto(f"{live_server.url}/san-pham/?q=che+shan+tuyet")
    shot(search, "10-buyer-search")
    result = search.get_by_role("link", name=PRODUCT)
    expect(result.first).to_be_visible()
    with search.expect_navigation():
        result.first.click()
    shot(search, "11-product-page")
    expect(search.get_by_text("450.000 ₫").first).to_be_visible()
    buyer.close()
