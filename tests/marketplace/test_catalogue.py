"""The public catalogue, product and producer pages."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.models import Producer, Product

pytestmark = pytest.mark.django_db


def names(response):
    return [p.name for p in response.context["page_obj"].object_list]


def test_search_ignores_diacritics_and_case(client, catalog_page, make_producer, make_product):
    producer = make_producer(name="Hộ Lò Văn Páo")
    make_product(producer, name="Chè Shan Tuyết cổ thụ")
    make_product(producer, name="Mật ong hoa bạc hà", category="honey")
    make_product(producer, name="Đậu tương", category="other")
    assert names(client.get("/san-pham/", {"q": "che shan tuyet"})) == ["Chè Shan Tuyết cổ thụ"]
    assert names(client.get("/san-pham/", {"q": "MAT ONG"})) == ["Mật ong hoa bạc hà"]
    assert names(client.get("/san-pham/", {"q": "dau"})) == ["Đậu tương"]
    assert names(client.get("/san-pham/", {"q": "Chè"})) == ["Chè Shan Tuyết cổ thụ"]


def test_only_approved_listings_of_verified_producers_are_public(
    client, catalog_page, producer, make_producer, make_product
):
    shown = make_product(producer, name="Chè xanh")
    hidden = [
        make_product(producer, name="Chè nháp", review_state=Product.Review.DRAFT),
        make_product(producer, name="Chè chờ", review_state=Product.Review.PENDING),
        make_product(producer, name="Chè bị gỡ", review_state=Product.Review.UNPUBLISHED),
        make_product(
            make_producer(verification=Producer.Verification.PENDING), name="Chè chưa xác minh"
        ),
    ]
    assert names(client.get("/san-pham/")) == ["Chè xanh"]
    assert client.get(f"/san-pham/{shown.slug}/").status_code == 200
    for product in hidden:
        assert client.get(f"/san-pham/{product.slug}/").status_code == 404


def test_filters(client, catalog_page, producer, make_producer, make_product):
    today = timezone.localdate()
    make_product(
        producer,
        name="Chè 4 sao",
        ocop_stars=4,
        ocop_decision_number="1",
        ocop_decision_date=today - timedelta(days=100),
        ocop_level="province",
    )
    make_product(
        producer,
        name="Chè sao hết hạn",
        ocop_stars=5,
        ocop_decision_number="2",
        ocop_decision_date=date(2020, 1, 1),
        ocop_level="central",
    )
    make_product(producer, name="Mật ong rẻ", category="honey", price=90_000)
    hanoi = make_producer(province_code="01", commune_code="00004")
    make_product(hanoi, name="Gạo Hà Nội", category="rice")
    assert names(client.get("/san-pham/", {"category": "honey"})) == ["Mật ong rẻ"]
    assert names(client.get("/san-pham/", {"stars": "4"})) == ["Chè 4 sao"]
    assert names(client.get("/san-pham/", {"province": "01"})) == ["Gạo Hà Nội"]
    assert names(client.get("/san-pham/", {"price_max": "100000"})) == ["Mật ong rẻ"]
    assert "Mật ong rẻ" not in names(client.get("/san-pham/", {"price_min": "100000"}))


def test_product_page_shows_price_stock_producer_and_escapes_description(
    client, catalog_page, producer, make_product
):
    product = make_product(
        producer,
        name="Chè Shan Tuyết",
        price=450_000,
        description='<script>alert("x")</script> Búp chè',
        ocop_stars=4,
        ocop_decision_number="123/QĐ-UBND",
        ocop_decision_date=timezone.localdate() - timedelta(days=30),
        ocop_level="province",
    )
    html = client.get(f"/san-pham/{product.slug}/").content.decode()
    assert "450.000\u00a0₫" in html
    assert "gói 200 g" in html
    assert producer.name in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    assert "OCOP" in html and "★★★★" in html


def test_expired_ocop_badge_is_not_shown(client, catalog_page, producer, make_product):
    product = make_product(
        producer,
        ocop_stars=5,
        ocop_decision_number="9",
        ocop_decision_date=timezone.localdate() - timedelta(days=3 * 366),
        ocop_level="central",
    )
    html = client.get(f"/san-pham/{product.slug}/").content.decode()
    assert "★★★★★" not in html


def test_producer_page(client, catalog_page, producer, make_product, make_producer):
    make_product(producer, name="Chè búp")
    response = client.get(f"/nha-san-xuat/{producer.slug}/")
    assert response.status_code == 200
    assert "Chè búp" in response.content.decode()
    pending = make_producer(verification=Producer.Verification.PENDING)
    assert client.get(f"/nha-san-xuat/{pending.slug}/").status_code == 404


def count_queries(client, url):
    client.get(url)  # renditions are made on the first view
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.content) <= 100 * 1024
    return len(queries)


def test_pages_run_a_fixed_number_of_queries(client, catalog_page, producer, make_product):
    first = make_product(producer, photos=1)
    small = [
        count_queries(client, "/san-pham/"),
        count_queries(client, "/san-pham/?q=che"),
        count_queries(client, f"/san-pham/{first.slug}/"),
        count_queries(client, f"/nha-san-xuat/{producer.slug}/"),
    ]
    for _ in range(6):
        make_product(producer, photos=3)
    for _ in range(3):
        make_product(first.producer, photos=0)
    from marketplace.models import ProductPhoto
    from marketplace.photos import prepare_photo

    from .conftest import jpeg_bytes, upload

    for position in range(1, 5):
        image = prepare_photo(upload(jpeg_bytes(size=(300, 200))), "x")
        ProductPhoto.objects.create(product=first, image=image, sort_order=position)
    large = [
        count_queries(client, "/san-pham/"),
        count_queries(client, "/san-pham/?q=che"),
        count_queries(client, f"/san-pham/{first.slug}/"),
        count_queries(client, f"/nha-san-xuat/{producer.slug}/"),
    ]
    assert small == large


def test_catalogue_is_paginated(client, catalog_page, producer, make_product):
    for _ in range(26):
        make_product(producer, photos=0)
    first = client.get("/san-pham/")
    assert len(first.context["page_obj"].object_list) == 24
    second = client.get("/san-pham/", {"trang": 2})
    assert len(second.context["page_obj"].object_list) == 2


def test_sell_page_invites_visitors_to_sign_up(client):
    html = client.get("/ban-hang/").content.decode()
    assert "/ban-hang/dang-ky/" in html and "/tai-khoan/dang-nhap/" in html


def test_desks_and_review_queue_run_a_fixed_number_of_queries(
    client, producer_user, producer, make_product, moderator, helper_user
):
    from marketplace.models import HelperCommune

    HelperCommune.objects.create(helper=helper_user, commune_code=producer.commune_code)

    def sizes():
        client.force_login(producer_user)
        farmer = count_queries(client, "/ban-hang/")
        client.force_login(helper_user)
        helper = count_queries(client, "/ban-hang/")
        client.force_login(moderator)
        queue = count_queries(client, "/admin/marketplace/review/")
        return farmer, helper, queue

    make_product(producer, review_state=Product.Review.PENDING)
    small = sizes()
    for _ in range(5):
        make_product(producer, photos=2, review_state=Product.Review.PENDING)
    assert sizes() == small


def test_catalogue_page_lives_once_under_the_home_page(home_page):
    from marketplace.models import CatalogPage, StandardPage

    guide = home_page.add_child(instance=StandardPage(title="Hướng dẫn", slug="huong-dan"))
    assert CatalogPage.can_create_at(home_page)
    assert not CatalogPage.can_create_at(guide)
    home_page.add_child(instance=CatalogPage(title="Sản phẩm", slug="san-pham"))
    assert not CatalogPage.can_create_at(home_page)
