"""The packed weight of one unit: asked at the listing's price step, needed before review,
and given to listings older than the field by migration 0016 (each farmer is told)."""

from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings

from accounts.models import Notification
from marketplace.models import Product

pytestmark = pytest.mark.django_db

weights_migration = import_module("marketplace.migrations.0016_default_shipping_weights")


@pytest.fixture
def draft(producer, make_product):
    return make_product(
        producer, review_state=Product.Review.DRAFT, shipping_weight_grams=None, price=450_000
    )


@pytest.fixture
def farmer(client, producer_user):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(producer_user)
    return client


def price_step(client, product, **fields):
    data = {"price": "450000", "unit": "gói 200 g", "quantity_available": "30", **fields}
    return client.post(f"/ban-hang/san-pham/{product.pk}/gia/", data)


def test_the_price_step_asks_for_the_packed_weight_in_grams(farmer, draft):
    page = farmer.get(f"/ban-hang/san-pham/{draft.pk}/gia/").content.decode()
    assert 'name="shipping_weight_grams"' in page
    assert "Weight of one unit, packed (grams)" in page
    assert "a 200 g pack of tea weighs about 250 g" in page
    assert price_step(farmer, draft, shipping_weight_grams="260").status_code == 302
    draft.refresh_from_db()
    assert draft.shipping_weight_grams == 260


@pytest.mark.parametrize(
    "weight, message",
    [
        ("", "Write the weight of one unit, packed, in grams."),
        ("0", "The weight must be at least 1 g."),
        ("-200", "The weight must be at least 1 g."),
        ("30001", "One unit cannot weigh more than 30 kg by post."),
        ("nửa cân", "Write the weight in grams as a whole number"),
        ("2.5", "Write the weight in grams as a whole number"),
    ],
)
def test_a_missing_or_impossible_weight_is_refused(farmer, draft, weight, message):
    response = price_step(farmer, draft, shipping_weight_grams=weight, price="500000")
    assert response.status_code == 400
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert draft.shipping_weight_grams is None and draft.price == 450_000


def test_a_listing_without_weight_cannot_be_sent_for_review(farmer, draft):
    response = farmer.post(f"/ban-hang/san-pham/{draft.pk}/gui/")
    assert response.status_code == 400
    assert "Write the shipping weight of one unit before sending for review." in (
        response.content.decode()
    )
    draft.refresh_from_db()
    assert draft.review_state == Product.Review.DRAFT


def test_the_check_step_shows_the_weight(farmer, producer, make_product):
    product = make_product(producer, review_state=Product.Review.DRAFT, shipping_weight_grams=1250)
    page = farmer.get(f"/ban-hang/san-pham/{product.pk}/gui/").content.decode()
    assert "Weight of one unit, packed" in page and "1.25 kg" in page


# --- Migration 0016 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "unit, grams",
    [
        ("gói 200 g", 250),
        ("hũ 500 ml", 550),
        ("túi 1 kg", 1_050),
        ("bó 1,5kg", 1_550),
        ("chai 0.75 lít", 800),
        ("hộp 100gr", 150),
        ("HỘP 2 KG", 2_050),
        ("bao 50 kg", 30_000),  # the post office's limit for one unit
        ("bó", 500),
        ("", 500),
        (None, 500),
    ],
)
def test_the_weight_is_read_from_the_unit(unit, grams):
    assert weights_migration.weight_from_unit(unit) == grams


def test_listings_without_weight_get_one_and_their_farmers_are_told(
    producer, producer_user, make_product, make_producer, make_user
):
    tea = make_product(producer, name="Chè búp", unit="gói 200 g", shipping_weight_grams=None)
    honey = make_product(
        producer,
        name="Mật ong",
        unit="hũ 500 ml",
        shipping_weight_grams=None,
        review_state=Product.Review.PENDING,
    )
    weighed = make_product(producer, name="Quế", unit="bó 1 kg", shipping_weight_grams=900)
    draft = make_product(
        producer, unit="gói 1 kg", shipping_weight_grams=None, review_state=Product.Review.DRAFT
    )
    other_farmer = make_user()
    make_product(make_producer(members=[other_farmer]), shipping_weight_grams=300)

    weights_migration.set_weights(apps, None)

    for product, grams in ((tea, 250), (honey, 550), (weighed, 900)):
        product.refresh_from_db()
        assert product.shipping_weight_grams == grams
    draft.refresh_from_db()
    assert draft.shipping_weight_grams is None  # the farmer writes it before review
    notice = Notification.objects.get(recipient=producer_user)
    assert notice.subject == "Kiểm tra cân nặng gửi hàng"
    assert "Chè búp: 250 g" in notice.body and "Mật ong: 550 g" in notice.body
    assert "Quế" not in notice.body
    assert not Notification.objects.filter(recipient=other_farmer).exists()
