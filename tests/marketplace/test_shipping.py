"""Parcel weights and shipping fees (marketplace/shipping.py) and the weight a listing needs."""

import pytest
from django.core.exceptions import ValidationError

from marketplace import services
from marketplace.models import Product
from marketplace.shipping import DEFAULT_TABLE, FeeTable, parcel_weight


def test_fees_follow_the_weight_band_and_the_destination():
    table = FeeTable(((500, 20_000, 30_000), (1_000, 25_000, 35_000)), (5_000, 10_000))
    assert table.fee(500, same_province=True) == 20_000
    assert table.fee(501, same_province=True) == 25_000
    assert table.fee(501, same_province=False) == 35_000
    # above the heaviest band, each started kilogram adds its fee
    assert table.fee(1_001, same_province=True) == 30_000
    assert table.fee(3_000, same_province=False) == 35_000 + 2 * 10_000


def test_a_parcel_weighs_its_goods_plus_packing():
    assert parcel_weight([(250, 2), (1_000, 1)]) == 100 + 1_500


def test_the_default_table_is_ordered_and_rises_with_weight():
    weights = [band[0] for band in DEFAULT_TABLE.bands]
    assert weights == sorted(weights)
    fees = [DEFAULT_TABLE.fee(w, same_province=False) for w in (100, 900, 1_900, 4_900, 9_000)]
    assert fees == sorted(fees) and len(set(fees)) == len(fees)


@pytest.mark.django_db
def test_a_listing_without_its_shipping_weight_cannot_go_to_review(
    producer, make_product, producer_user
):
    draft = make_product(producer, review_state=Product.Review.DRAFT, shipping_weight_grams=None)
    with pytest.raises(ValidationError) as refused:
        services.submit_for_review(draft, producer_user)
    assert refused.value.code == "weight"
    draft.refresh_from_db()
    assert draft.review_state == Product.Review.DRAFT
    Product.objects.filter(pk=draft.pk).update(shipping_weight_grams=250)
    assert services.submit_for_review(draft, producer_user).review_state == "pending"
