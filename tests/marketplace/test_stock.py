"""Farmers (and their helpers) set the quantity left from the seller desk, without a new review."""

import pytest
from django.utils import timezone

from marketplace.models import HelperCommune, ListingEvent, Producer, Product

pytestmark = pytest.mark.django_db


def set_stock(client, product, quantity):
    return client.post(
        f"/ban-hang/san-pham/{product.pk}/so-luong/", {"quantity_available": quantity}
    )


def test_farmer_sets_the_stock_and_the_listing_stays_on_sale(
    client, producer_user, producer, make_product, catalog_page
):
    product = make_product(producer, quantity_available=30, unit="gói 200 g")
    client.force_login(producer_user)
    desk = client.get("/ban-hang/").content.decode()
    assert f'action="/ban-hang/san-pham/{product.pk}/so-luong/"' in desk
    assert 'name="quantity_available"' in desk and 'value="30"' in desk
    assert "Cập nhật" in desk

    response = set_stock(client, product, "20")
    assert response.status_code == 302
    assert response["Location"].endswith(
        f"/ban-hang/nong-dan/{producer.slug}/#san-pham-{product.pk}"
    )
    product.refresh_from_db()
    assert product.quantity_available == 20
    assert product.review_state == Product.Review.APPROVED
    event = product.events.get(action=ListingEvent.Action.STOCK_UPDATED)
    assert event.actor == producer_user and event.producer == producer
    assert event.note == "30 → 20"

    desk = client.get(response["Location"]).content.decode()
    assert "còn 20 để bán" in desk  # the confirmation
    assert "đã cập nhật số lượng có thể bán" in desk and "30 → 20" in desk  # the history
    page = client.get(product.get_absolute_url())
    assert page.status_code == 200
    assert "20 × gói 200 g" in page.content.decode()


def test_zero_means_out_of_stock_on_the_product_page(
    client, producer_user, producer, make_product, catalog_page
):
    product = make_product(producer, quantity_available=5)
    client.force_login(producer_user)
    assert set_stock(client, product, "0").status_code == 302
    product.refresh_from_db()
    assert product.quantity_available == 0 and product.review_state == Product.Review.APPROVED
    page = client.get(product.get_absolute_url())
    assert page.status_code == 200
    assert "Hết hàng" in page.content.decode()
    assert "Hết hàng" in client.get("/ban-hang/").content.decode()


@pytest.mark.parametrize(
    "quantity, message",
    [
        ("-3", "Số lượng không được âm."),
        ("2.5", "Hãy ghi số lượng bằng số nguyên."),
        ("2,5", "Hãy ghi số lượng bằng số nguyên."),
        ("mười", "Hãy ghi số lượng bằng số nguyên."),
        ("1000001", "Số lượng không được quá 1.000.000."),
        ("99999999999999999999", "Số lượng không được quá 1.000.000."),
        ("", "Hãy ghi số lượng bạn có thể bán."),
    ],
)
def test_bad_quantities_are_refused_and_change_nothing(
    client, producer_user, producer, make_product, quantity, message
):
    product = make_product(producer, quantity_available=30)
    client.force_login(producer_user)
    response = set_stock(client, product, quantity)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'id="san-pham-{product.pk}"' in html  # the desk again, with the error by the product
    product.refresh_from_db()
    assert product.quantity_available == 30 and product.review_state == Product.Review.APPROVED
    assert not product.events.filter(action=ListingEvent.Action.STOCK_UPDATED).exists()


def test_helper_sets_the_stock_for_their_farmer_and_the_farmer_sees_who(
    client, helper_user, make_user, make_producer, make_product
):
    HelperCommune.objects.create(helper=helper_user, commune_code="04672")
    farmer = make_user("producer", full_name="Lò Thị Mai")
    producer = make_producer(
        members=[farmer],
        name="Hộ Lò Thị Mai",
        consent_method=Producer.Consent.IN_PERSON,
        consent_at=timezone.now(),
    )
    product = make_product(producer, quantity_available=12)
    client.force_login(helper_user)
    assert "Cập nhật" in client.get(f"/ban-hang/nong-dan/{producer.slug}/").content.decode()
    assert set_stock(client, product, "2").status_code == 302
    product.refresh_from_db()
    assert product.quantity_available == 2 and product.review_state == Product.Review.APPROVED
    event = product.events.get(action=ListingEvent.Action.STOCK_UPDATED)
    assert event.actor == helper_user and event.producer == producer
    client.force_login(farmer)
    desk = client.get("/ban-hang/").content.decode()
    # the history reads as a sentence: who did what for whom
    assert f"{helper_user.full_name} đã cập nhật số lượng có thể bán của “{product.name}”" in desk
    assert "(thay cho Hộ Lò Thị Mai)" in desk
    assert "12 → 2" in desk


def test_strangers_cannot_set_the_stock(
    client, helper_user, make_user, make_producer, make_product
):
    HelperCommune.objects.create(helper=helper_user, commune_code="04672")
    far = make_producer(province_code="01", commune_code="00004")
    product = make_product(far, quantity_available=7)
    other_farmer = make_user("producer")
    make_producer(members=[other_farmer])
    for intruder in (other_farmer, helper_user):
        client.force_login(intruder)
        assert set_stock(client, product, "0").status_code == 403
    assert (
        client.post("/ban-hang/san-pham/999999/so-luong/", {"quantity_available": "1"}).status_code
        == 404
    )
    client.logout()
    response = set_stock(client, product, "0")
    assert response.status_code == 302 and "/tai-khoan/dang-nhap/" in response["Location"]
    product.refresh_from_db()
    assert product.quantity_available == 7
    assert not ListingEvent.objects.filter(action=ListingEvent.Action.STOCK_UPDATED).exists()


def test_price_and_name_still_need_a_review(client, producer_user, producer, make_product):
    product = make_product(producer, quantity_available=30)
    client.force_login(producer_user)
    data = {
        "price": "500000",
        "unit": "gói 200 g",
        "quantity_available": "30",
        "shipping_weight_grams": "250",
    }
    assert client.post(f"/ban-hang/san-pham/{product.pk}/gia/", data).status_code == 302
    product.refresh_from_db()
    assert product.price == 500_000 and product.review_state == Product.Review.DRAFT
