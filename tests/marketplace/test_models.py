"""Invariants of producers and listings that hold whoever changes them."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from marketplace.models import InvalidTransition, Producer, Product, add_months

pytestmark = pytest.mark.django_db


def make_producer(**fields):
    fields.setdefault("name", "HTX Chè Shan Tuyết Suối Giàng")
    fields.setdefault("slug", "htx-che-suoi-giang")
    fields.setdefault("province_code", "15")
    fields.setdefault("commune_code", "04672")
    return Producer.objects.create(**fields)


def test_search_column_is_folded_and_follows_the_name():
    producer = make_producer()
    product = Product.objects.create(
        producer=producer, name="Chè Shan Tuyết", slug="che", category="tea", price=1, unit="gói"
    )
    assert "che shan tuyet" in product.search_text
    product.name = "Đặc sản Mật ong"
    product.save(update_fields=["name"])
    product.refresh_from_db()
    assert product.search_text.startswith("dac san mat ong")


def test_producer_transitions_are_checked():
    producer = make_producer()
    producer.transition(Producer.Verification.VERIFIED)
    assert producer.verified_at is not None
    with pytest.raises(InvalidTransition):
        producer.transition(Producer.Verification.PENDING)


def test_product_cannot_be_approved_from_draft():
    product = Product(producer=make_producer(), name="x", slug="x", category="tea", price=1)
    with pytest.raises(InvalidTransition):
        product.transition(Product.Review.APPROVED)
    product.transition(Product.Review.PENDING)
    product.transition(Product.Review.REJECTED, reason="Ảnh mờ")
    assert product.rejection_reason == "Ảnh mờ"


def test_ocop_certificate_is_valid_36_months():
    product = Product(ocop_stars=4, ocop_decision_number="1", ocop_decision_date=date(2024, 2, 29))
    assert product.ocop_valid_until == date(2027, 2, 27)
    assert product.ocop_is_valid(today=date(2027, 2, 27))
    assert not product.ocop_is_valid(today=date(2027, 2, 28))
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)


@pytest.mark.parametrize("code", ["123", "abcdefghij", "0101234567-12"])
def test_tax_code_format(code):
    producer = Producer(name="A", slug="a", province_code="15", commune_code="04672", tax_code=code)
    with pytest.raises(ValidationError):
        producer.full_clean()


def test_moderator_group_holds_marketplace_permissions():
    from django.contrib.auth.models import Group

    codenames = set(
        Group.objects.get(name="moderator").permissions.values_list("codename", flat=True)
    )
    assert {"change_product", "change_producer", "change_helpercommune"} <= codenames
