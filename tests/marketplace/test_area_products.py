"""A growing area's public page lists the products that come from it (issue 3)."""

from datetime import date
from decimal import Decimal

import pytest

from growing_areas.models import GrowingArea
from marketplace.models import Producer, Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def area(db):
    return GrowingArea.objects.create(
        code="LC-VC-CHE-001",
        name="Vùng chè Shan Tuyết Suối Giàng",
        crop="Chè",
        area_ha=Decimal("120.5"),
        province_code="15",
        commune_code="04672",
        holder_name="HTX Chè Shan Tuyết Suối Giàng",
        issued_by="Chi cục Trồng trọt và BVTV Lào Cai",
        issued_on=date(2024, 5, 1),
    )


def test_the_area_page_lists_its_public_products_with_price_and_link(
    client, catalog_page, area, producer, make_producer, make_product
):
    tea = make_product(
        producer, photos=0, name="Chè Shan Tuyết cổ thụ", price=450_000, growing_area=area
    )
    make_product(
        producer,
        photos=0,
        name="Chè chưa duyệt",
        growing_area=area,
        review_state=Product.Review.PENDING,
    )
    waiting = make_producer(verification=Producer.Verification.PENDING)
    make_product(waiting, photos=0, name="Chè của hộ chưa xác minh", growing_area=area)
    make_product(producer, photos=0, name="Mật ong không thuộc vùng")

    html = client.get("/vung-trong/LC-VC-CHE-001/").content.decode()

    assert "<h2>Sản phẩm từ vùng này</h2>" in html
    assert f'<a href="/san-pham/{tea.slug}/">Chè Shan Tuyết cổ thụ</a>' in html
    assert "450.000\u00a0₫" in html
    for hidden in ("Chè chưa duyệt", "Chè của hộ chưa xác minh", "Mật ong không thuộc vùng"):
        assert hidden not in html
    assert client.get(f"/san-pham/{tea.slug}/").status_code == 200


def test_the_area_page_shows_twelve_products_and_counts_the_rest(
    client, catalog_page, area, producer, make_product
):
    for _ in range(15):
        make_product(producer, photos=0, growing_area=area)
    html = client.get("/vung-trong/LC-VC-CHE-001/").content.decode()
    assert html.count('<span class="price">') == 12
    assert "và 3 sản phẩm khác" in html


def test_an_area_without_public_products_has_no_products_section(client, area):
    html = client.get("/vung-trong/LC-VC-CHE-001/").content.decode()
    assert "Sản phẩm từ vùng này" not in html
