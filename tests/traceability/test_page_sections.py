"""Batches where buyers and farmers look for them: on the growing area's page and the product
page (each lot linked to its provenance page), and from the seller desk."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from growing_areas.services import change_status
from marketplace.models import CatalogPage, HelperCommune, Producer, Product
from traceability import gs1
from traceability.models import Batch

from .conftest import GTIN

pytestmark = pytest.mark.django_db

AREA_URL = "/vung-trong/LC-VC-CHE-001/"


@pytest.fixture
def catalog_page(home_page):
    return home_page.add_child(instance=CatalogPage(title="Sản phẩm", slug="san-pham"))


@pytest.fixture
def suoi_giang(make_area):
    return make_area(code="LC-VC-CHE-001")


def add_batches(product, area, count, start=date(2026, 1, 1)):
    """``count`` batches made directly (the harvest event is not what these pages show)."""
    for number in range(count):
        Batch.objects.create(
            product=product,
            growing_area=area,
            lot=f"L{product.pk}-{Batch.objects.count() + 1}",
            harvest_date=start + timedelta(days=number),
            quantity=Decimal("10"),
        )


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.content) <= 100 * 1024
    return len(captured), response.content.decode()


# --- the growing area's page ----------------------------------------------------------------


def test_the_area_page_lists_its_batches_linked_to_their_provenance_pages(
    client, catalog_page, suoi_giang, tea, producer_user, make_product
):
    from traceability import services

    tea.growing_area = suoi_giang
    tea.save()
    services.record_batch(
        product=tea,
        growing_area=suoi_giang,
        lot="L260315-1",
        harvest_date=date(2026, 3, 15),
        quantity=Decimal("120.5"),
        unit="kg",
        by=producer_user,
    )
    draft = make_product(name="Chè chưa duyệt", review_state=Product.Review.DRAFT)
    add_batches(draft, suoi_giang, 1)

    html = client.get(AREA_URL).content.decode()

    assert "<h2>Lô thu hoạch từ vùng này</h2>" in html
    lot_url = f"/01/{GTIN}/10/L260315-1"
    assert (
        f'<a href="{lot_url}"><strong>Chè Shan Tuyết Suối Giàng</strong> · lô L260315-1</a>' in html
    )
    assert "thu hoạch ngày 15/03/2026" in html
    assert "Chè chưa duyệt" not in html
    assert "Chè Shan Tuyết Suối Giàng" in client.get(lot_url).content.decode()
    # the products section comes from marketplace, next to the batches
    assert "<h2>Sản phẩm từ vùng này</h2>" in html
    assert "450.000\u00a0₫" in html


def test_the_area_page_shows_twelve_batches_and_counts_the_rest(client, suoi_giang, tea):
    add_batches(tea, suoi_giang, 14)
    html = client.get(AREA_URL).content.decode()
    assert html.count(f'<a href="/01/{GTIN}/10/') == 12
    assert "và 2 lô trước đó" in html


def test_the_area_page_runs_the_same_queries_whatever_the_number_of_products_and_batches(
    client, catalog_page, suoi_giang, tea_producer, make_product
):
    def grow(count):
        for _ in range(count):
            product = make_product(
                growing_area=suoi_giang, gtin=gs1.allocate_gtin(Product.objects.count() + 1)
            )
            add_batches(product, suoi_giang, 2)

    grow(2)
    client.get(AREA_URL)  # warm the site caches
    few, html = queries(client, AREA_URL)
    assert "Lô thu hoạch từ vùng này" in html and "Sản phẩm từ vùng này" in html
    grow(20)
    many, html = queries(client, AREA_URL)
    assert "và 10 sản phẩm khác" in html and "và 32 lô trước đó" in html
    assert few == many


# --- the product page -----------------------------------------------------------------------


def test_the_product_page_lists_recent_batches_with_links_to_their_lot_pages(
    client, catalog_page, batch, tea
):
    html = client.get(f"/san-pham/{tea.slug}/").content.decode()
    assert "<h2>Nguồn gốc</h2>" in html
    lot_url = f"/01/{GTIN}/10/L260315-1"
    assert f'<a href="{lot_url}">lô <strong>L260315-1</strong></a>' in html
    assert "thu hoạch ngày 15/03/2026" in html
    assert "badge-warn" not in html and "badge-bad" not in html
    lot_page = client.get(lot_url)
    assert lot_page.status_code == 200
    assert "L260315-1" in lot_page.content.decode()


@pytest.mark.parametrize(
    ("status", "badge"),
    [
        ("suspended", '<span class="badge badge-warn">Tạm ngừng</span>'),
        ("revoked", '<span class="badge badge-bad">Đã thu hồi</span>'),
    ],
)
def test_the_product_page_says_when_a_batchs_area_lost_its_standing(
    client, catalog_page, batch, tea, moderator, status, badge
):
    change_status(batch.growing_area, status, reason="Kiểm tra dư lượng không đạt", by=moderator)
    html = client.get(f"/san-pham/{tea.slug}/").content.decode()
    assert badge in html


def test_a_product_without_batches_has_no_provenance_section(client, catalog_page, tea):
    html = client.get(f"/san-pham/{tea.slug}/").content.decode()
    assert "<h2>Nguồn gốc</h2>" not in html


def test_the_product_page_runs_the_same_queries_whatever_the_number_of_batches(
    client, catalog_page, tea, area, make_area
):
    other_area = make_area()
    add_batches(tea, area, 1)
    client.get(f"/san-pham/{tea.slug}/")  # warm the site caches
    few, html = queries(client, f"/san-pham/{tea.slug}/")
    assert html.count(f'<a href="/01/{GTIN}/10/') == 1
    add_batches(tea, area, 20)
    add_batches(tea, other_area, 20)
    many, html = queries(client, f"/san-pham/{tea.slug}/")
    assert html.count(f'<a href="/01/{GTIN}/10/') == 10
    assert "và 31 lô trước đó" in html
    assert few == many


# --- the seller desk ------------------------------------------------------------------------


def batch_links(html, producer):
    return (
        f'href="/ban-hang/lo-hang/moi/?producer={producer.slug}"' in html,
        f'href="/ban-hang/lo-hang/?producer={producer.slug}"' in html,
    )


def test_a_farmer_finds_their_batches_from_the_seller_desk(
    client, batch, tea_producer, producer_user
):
    client.force_login(producer_user)
    html = client.get("/ban-hang/").content.decode()
    assert "<h2>Lô thu hoạch và tem QR</h2>" in html
    assert batch_links(html, tea_producer) == (True, True)

    listing = client.get(f"/ban-hang/lo-hang/?producer={tea_producer.slug}")
    assert listing.status_code == 200
    assert "L260315-1" in listing.content.decode()
    form = client.get(f"/ban-hang/lo-hang/moi/?producer={tea_producer.slug}")
    assert form.status_code == 200
    assert "Chè Shan Tuyết Suối Giàng" in form.content.decode()


@pytest.fixture
def neighbour(area, producer_user):
    """A second farmer of the same commune, who consented to the commune's helpers, with a
    batch of honey."""
    farmer = Producer.objects.create(
        name="Hộ nuôi ong Giàng A Páo",
        slug="ho-nuoi-ong-giang-a-pao",
        province_code="15",
        commune_code="04672",
        verification=Producer.Verification.VERIFIED,
        consent_method=Producer.Consent.IN_PERSON,
        consent_at=timezone.now(),
    )
    honey = Product.objects.create(
        producer=farmer,
        name="Mật ong bạc hà",
        slug="mat-ong-bac-ha",
        category=Product.Category.HONEY,
        price=300_000,
        unit="hũ 500 ml",
        gtin="8939999000024",
        review_state=Product.Review.APPROVED,
    )
    Batch.objects.create(
        product=honey,
        growing_area=area,
        lot="MO-2026-04",
        harvest_date=date(2026, 4, 2),
        quantity=Decimal("40"),
    )
    return farmer


def test_a_helper_acting_for_a_farmer_lands_on_that_farmers_batches(
    client, batch, tea_producer, neighbour, helper_user
):
    HelperCommune.objects.create(helper=helper_user, commune_code="04672")
    client.force_login(helper_user)

    overview = client.get("/ban-hang/").content.decode()
    assert 'href="/ban-hang/lo-hang/"' in overview  # every farmer who consented

    html = client.get(f"/ban-hang/nong-dan/{neighbour.slug}/").content.decode()
    assert batch_links(html, neighbour) == (True, True)
    assert batch_links(html, tea_producer) == (False, False)

    listing = client.get(f"/ban-hang/lo-hang/?producer={neighbour.slug}").content.decode()
    assert "MO-2026-04" in listing and "Hộ nuôi ong Giàng A Páo" in listing
    assert "L260315-1" not in listing  # the other farmer's batch
    assert f'href="/ban-hang/lo-hang/moi/?producer={neighbour.slug}"' in listing
    assert f'href="/ban-hang/nong-dan/{neighbour.slug}/"' in listing

    form = client.get(f"/ban-hang/lo-hang/moi/?producer={neighbour.slug}").content.decode()
    assert "Mật ong bạc hà" in form
    assert "Chè Shan Tuyết Suối Giàng" not in form

    everything = client.get("/ban-hang/lo-hang/").content.decode()
    # the tea cooperative signed up alone and never consented: its batch is not the helper's
    assert "MO-2026-04" in everything and "L260315-1" not in everything


def test_a_helper_records_a_batch_for_the_farmer_they_act_for(client, area, neighbour, helper_user):
    HelperCommune.objects.create(helper=helper_user, commune_code="04672")
    client.force_login(helper_user)
    honey = neighbour.products.get()
    response = client.post(
        f"/ban-hang/lo-hang/moi/?producer={neighbour.slug}",
        {
            "product": honey.pk,
            "growing_area": area.pk,
            "lot": "MO-2026-05",
            "harvest_date": "2026-05-02",
            "quantity": "25",
            "unit": "litre",
        },
    )
    assert response.status_code == 302
    assert honey.batches.filter(lot="MO-2026-05").exists()


def test_nobody_else_opens_a_farmers_batches(client, neighbour, make_user):
    stranger = make_user("producer")
    client.force_login(stranger)
    assert client.get(f"/ban-hang/lo-hang/?producer={neighbour.slug}").status_code == 403
    assert client.get(f"/ban-hang/lo-hang/moi/?producer={neighbour.slug}").status_code == 403
    assert client.get("/ban-hang/lo-hang/?producer=khong-co").status_code == 404
