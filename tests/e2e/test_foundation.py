"""A person on a cheap phone: logs in with the number as they type it, and picks their commune
from a list that follows the province."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import shot


@pytest.mark.django_db(transaction=True)
def test_login_on_a_phone(live_server, phone, make_user, home_page):
    make_user(phone="0912345678", full_name="Lò Thị Mai")
    page = phone.new_page()
    page.goto(f"{live_server.url}/tai-khoan/dang-nhap/")
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    shot(page, "login-filled")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).not_to_have_url(re.compile("/dang-nhap/"))
    page.goto(f"{live_server.url}/tai-khoan/")
    expect(page.get_by_role("heading", name="Tài khoản của tôi")).to_be_visible()
    expect(page.get_by_text("0912 345 678")).to_be_visible()
    shot(page, "account")


@pytest.mark.django_db(transaction=True)
def test_commune_list_follows_the_province(live_server, phone, home_page):
    page = phone.new_page()
    page.goto(f"{live_server.url}/dia-danh/doi-dia-chi/")
    page.get_by_label("Tỉnh/thành phố").select_option("15")
    commune = page.get_by_label("Xã/phường")
    commune.locator('option[value="04672"]').wait_for(state="attached")
    commune.select_option("04672")
    page.get_by_role("button", name="Đổi địa chỉ").click()
    expect(page.get_by_text("Xã Văn Chấn, Tỉnh Lào Cai").first).to_be_visible()
    shot(page, "address")


@pytest.mark.django_db(transaction=True)
def test_a_divided_old_commune_is_chosen_from_its_successors(live_server, phone, home_page):
    page = phone.new_page()
    page.goto(f"{live_server.url}/dia-danh/doi-dia-chi/")
    page.get_by_label("Hoặc viết địa chỉ cũ").fill("Xã Yên Định, Huyện Bắc Mê, Tỉnh Hà Giang")
    page.get_by_role("button", name="Đổi địa chỉ").click()
    expect(page.get_by_text("đã được chia cho nhiều xã/phường").first).to_be_visible()
    commune = page.get_by_label("Xã/phường")
    assert commune.locator("option").all_inner_texts()[1:] == ["Xã Minh Ngọc", "Xã Ngọc Đường"]
    commune.select_option("00700")
    page.get_by_role("button", name="Đổi địa chỉ").click()
    expect(page.get_by_text("Xã Ngọc Đường, Tỉnh Tuyên Quang").first).to_be_visible()
    shot(page, "address-divided")
