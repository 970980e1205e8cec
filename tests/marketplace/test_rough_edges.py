"""Rough edges a newcomer hit on a phone: the helper's sign-up form, prices as people write
them, the desk's stock box, card thumbnails, the history as sentences, one date format, the
favicon and a cheap 404."""

import datetime
import re
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from marketplace import services
from marketplace.forms import ProductDetailsForm
from marketplace.models import HelperCommune, ListingEvent, Producer, Product
from marketplace.prices import parse_vnd

from .test_selling import signup_data, step

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


# --- Prices as people write them ------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, price",
    [
        ("450000", 450_000),
        ("450.000", 450_000),
        ("450,000", 450_000),
        ("450 000", 450_000),
        ("450k", 450_000),
        ("450K", 450_000),
        ("450 k", 450_000),
        ("450.000 ₫", 450_000),
        ("450.000đ", 450_000),
        ("1,2tr", 1_200_000),
        ("1.2 triệu", 1_200_000),
        ("1,2 TRIỆU", 1_200_000),
        ("1tr2", 1_200_000),
        ("1.500k", 1_500_000),
        ("2,5 nghìn", 2_500),
        ("1.000.000", 1_000_000),
        ("1 tỷ", 1_000_000_000),
    ],
)
def test_prices_are_understood_as_people_write_them(typed, price):
    assert parse_vnd(typed) == price


@pytest.mark.parametrize(
    "typed, words",
    [
        ("abc", "ví dụ 450000, 450.000, 450k hoặc 1,2tr"),
        ("450 nghìn đô", "ví dụ 450000"),
        ("450x", "ví dụ 450000"),
        ("4.50.000", "ví dụ 450000"),
        ("1,2345k", "số nguyên đồng: 1234,5"),
        ("4500,5", "số nguyên đồng"),
        ("0k", "lớn hơn 0"),
        ("-450k", "lớn hơn 0"),
        ("2 tỷ", "không được quá"),
    ],
)
def test_anything_else_gets_a_vietnamese_message(typed, words):
    with translation.override("vi"):
        with pytest.raises(ValidationError) as refused:
            parse_vnd(typed)
        message = " ".join(refused.value.messages)  # lazy: read in Vietnamese
    assert words in message


def test_a_price_typed_450k_is_saved_and_shown_back(client, producer_user, producer, make_product):
    product = make_product(producer, price=120_000, review_state=Product.Review.DRAFT)
    client.force_login(producer_user)
    data = {
        "price": "1,2tr",
        "unit": "gói 200 g",
        "quantity_available": "4",
        "shipping_weight_grams": "250",
    }
    assert step(client, product, "gia", data).status_code == 302
    product.refresh_from_db()
    assert product.price == 1_200_000

    # Another field refused: the page comes back with what was understood beside the price.
    data = {"price": "450k", "unit": "", "quantity_available": "4"}
    page = step(client, product, "gia", data).content.decode()
    assert 'value="450k"' in page
    assert "Giá: 450.000\u00a0₫</output>" in page
    assert "js/price.js" in page  # the live preview, where JavaScript runs


def test_the_preview_is_empty_for_a_price_not_understood():
    with translation.override("vi"):
        html = str(ProductDetailsForm({"price": "abc"})["price"])
    assert re.search(r"<output[^>]*></output>", html)
    assert 'data-template="Giá: {price}"' in html  # for the script, in the page's language


# --- The seller desk ------------------------------------------------------------------------


def test_the_stock_box_is_a_numeric_tap_target(client, producer_user, producer, make_product):
    product = make_product(producer)
    client.force_login(producer_user)
    desk = client.get(f"/ban-hang/nong-dan/{producer.slug}/").content.decode()
    box = re.search(rf'<input[^>]*id="id_stock_{product.pk}_quantity_available"[^>]*>', desk)
    assert box and 'inputmode="numeric"' in box.group(0)
    # its size is measured in the browser test; here, that the stylesheet gives it one
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "site.css").read_text()
    rule = re.search(r"\.stock-form input \{([^}]*)\}", css).group(1)
    assert "min-height: 48px" in rule and "min-width: 44px" in rule


def test_history_reads_as_sentences(client, producer_user, producer, make_product, helper_user):
    product = make_product(producer, name="Chè Shan Tuyết", review_state=Product.Review.DRAFT)
    sent_at = datetime.datetime(2026, 11, 30, 23, 4, tzinfo=HANOI)
    with mock.patch("django.utils.timezone.now", return_value=sent_at):
        services.record(
            producer, ListingEvent.Action.SUBMITTED, actor=producer_user, product=product
        )
    HelperCommune.objects.create(helper=helper_user, commune_code=producer.commune_code)
    services.record(producer, ListingEvent.Action.PRODUCER_VERIFIED)  # a task, no person
    client.force_login(producer_user)
    desk = client.get(f"/ban-hang/nong-dan/{producer.slug}/").content.decode()
    assert "Lò Thị Mai đã gửi tin “Chè Shan Tuyết” đi duyệt lúc 30/11/2026 23:04." in desk
    assert "Hệ thống Chợ Phiên đã xác minh hồ sơ nhà sản xuất lúc" in desk
    assert "Sent for review" not in desk and "Đã gửi duyệt:" not in desk

    client.cookies["django_language"] = "en"
    desk = client.get(f"/ban-hang/nong-dan/{producer.slug}/").content.decode()
    assert "Lò Thị Mai sent the listing “Chè Shan Tuyết” for review at 30/11/2026 23:04." in desk


# --- Catalogue cards ------------------------------------------------------------------------


def test_cards_show_the_small_rendition_or_a_placeholder(
    client, catalog_page, producer, make_product
):
    with_photo = make_product(producer, name="Mật ong bạc hà", photos=1)
    make_product(producer, name="Quế Văn Yên", photos=0)
    page = client.get("/san-pham/").content.decode()
    cards = dict(
        (re.search(r"<h3>(.*?)</h3>", card).group(1), card)
        for card in re.findall(r'<li class="card product-card">(.*?)</li>', page, re.S)
    )
    rendition = with_photo.photos.get().image.get_rendition("fill-320x240")
    assert rendition.url in cards["Mật ong bạc hà"]
    assert 'class="card-thumb"' in cards["Mật ong bạc hà"]
    assert "no-photo.svg" in cards["Quế Văn Yên"]
    assert "no-photo.svg" not in cards["Mật ong bạc hà"]


def test_cards_cost_no_query_each(client, catalog_page, producer, make_product):
    make_product(producer, photos=1)
    make_product(producer, photos=0)

    def queries():
        client.get("/san-pham/")  # renditions are looked up once and cached
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/san-pham/").status_code == 200
        return len(captured)

    few = queries()
    for number in range(8):
        make_product(producer, photos=number % 2)
    assert queries() == few


# --- The helper's sign-up form --------------------------------------------------------------


@pytest.fixture
def helper(helper_user):
    HelperCommune.objects.create(helper=helper_user, commune_code="04672")
    return helper_user


def test_the_helper_form_speaks_of_the_farmer_and_starts_in_their_commune(client, helper):
    client.force_login(helper)
    page = client.get("/ban-hang/nong-dan/moi/").content.decode()
    for label in (
        "Họ và tên nông dân",
        "Số điện thoại của nông dân",
        "Mật khẩu cho nông dân",
        "Nông dân bán hàng với tư cách",
        "Tên trang trại, hợp tác xã hoặc doanh nghiệp của nông dân",
    ):
        assert label in page
    assert "Họ và tên của bạn" not in page
    assert re.search(r'<option value="15" selected>', page)  # Lào Cai
    assert re.search(r'<option value="04672" selected>Xã Văn Chấn</option>', page)
    # the farmer's own sign-up still speaks to the farmer
    client.logout()
    assert "Họ và tên của bạn" in client.get("/ban-hang/dang-ky/").content.decode()


def assisted(**overrides):
    return signup_data(consent_method="signed_form", consent_confirmed="on", **overrides)


def assert_kept(page, data):
    for name in ("full_name", "phone", "password1", "password2", "village"):
        assert re.search(rf'name="{name}" value="{re.escape(data[name])}"', page), name
    assert re.search(r'name="consent_confirmed"[^>]*checked', page)
    assert '<option value="signed_form" selected>' in page


def test_what_was_typed_stays_when_the_communes_reload_or_a_field_is_refused(client, helper):
    client.force_login(helper)
    data = assisted(province_code="01", commune_code="", refresh_communes="1")
    reloaded = client.post("/ban-hang/nong-dan/moi/", data)
    assert reloaded.status_code == 200 and not Producer.objects.exists()
    page = reloaded.content.decode()
    assert_kept(page, data)
    assert '<option value="00004">' in page  # Hà Nội's communes now

    data = assisted(password2="khac-mat-khau-2025")
    refused = client.post("/ban-hang/nong-dan/moi/", data).content.decode()
    assert "Hai mật khẩu không giống nhau" in refused
    assert_kept(refused, data)
    assert not Producer.objects.exists()


def test_the_helper_is_told_about_the_farmer_when_a_name_is_missing(client, helper):
    client.force_login(helper)
    page = client.post("/ban-hang/nong-dan/moi/", assisted(full_name="", phone="")).content
    assert "Hãy ghi họ và tên của nông dân." in page.decode()
    assert "Hãy ghi số điện thoại di động của nông dân." in page.decode()


# --- Dates, favicon, 404 --------------------------------------------------------------------


@pytest.mark.parametrize("language", ["vi", "en"])
def test_one_date_format_everywhere(language):
    from django.utils import formats

    moment = datetime.datetime(2026, 11, 30, 23, 4, tzinfo=HANOI)
    with translation.override(language):
        assert formats.date_format(moment, "DATETIME_FORMAT") == "30/11/2026 23:04"
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "30/11/2026 23:04"
        assert formats.date_format(moment.date(), "DATE_FORMAT") == "30/11/2026"
        assert formats.date_format(moment.date(), "SHORT_DATE_FORMAT") == "30/11/2026"


def test_the_favicon_answers_without_a_query(client, home_page):
    page = client.get("/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert len(captured) == 0


def test_a_404_costs_a_fixed_small_number_of_queries(client, home_page):
    client.get("/lan-dau/")  # the site's settings row is made on the very first page
    with CaptureQueriesContext(connection) as shallow:
        response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()
    with CaptureQueriesContext(connection) as deep:
        assert client.get("/a/b/c/d/e/f/g/h/").status_code == 404
    # Five: the site, the active language's Locale (pages have translations), the home page's
    # children, the site settings and the redirects.
    assert len(shallow) == len(deep) <= 5


def test_the_catalogue_price_filter_reads_prices_the_same_way(
    client, catalog_page, producer, make_product
):
    make_product(producer, name="Mật ong rẻ", price=90_000)
    make_product(producer, name="Chè đắt", price=1_500_000)
    page = client.get("/san-pham/", {"price_min": "100k", "price_max": "1,5tr"}).content.decode()
    assert "Chè đắt" in page and "Mật ong rẻ" not in page
