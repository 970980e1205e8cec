"""A product's GTIN: digits, length and GS1 check digit, and one product per GTIN, refused
in Vietnamese through the model and the Wagtail admin, with nothing saved."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from marketplace.models import Product
from marketplace.validators import gs1_check_digit, gtin_forms, has_valid_check_digit
from traceability import gs1

from .conftest import admin_edit_form

pytestmark = pytest.mark.django_db

GOOD = "8934588012228"  # a Vietnamese GTIN-13


def refusal(product):
    with translation.override("vi"), pytest.raises(ValidationError) as caught:
        product.full_clean()
    return caught.value.message_dict


@pytest.mark.parametrize("gtin", ["", GOOD, "96385074", "036000291452", "08934588012228"])
def test_good_gtins_and_none_at_all_are_accepted(producer, make_product, gtin):
    product = make_product(producer)
    product.gtin = gtin
    product.full_clean()


@pytest.mark.parametrize(
    ("gtin", "message"),
    [
        ("8934588012227", "Chữ số cuối của GTIN 8934588012227 phải là 8: mã bị gõ sai."),
        ("89345880122", "Mã GTIN có 8, 12, 13 hoặc 14 chữ số; mã này có 11."),
        ("893458801222A", "Mã GTIN chỉ gồm chữ số."),
        ("８９３４５８８０１２２２８", "Mã GTIN chỉ gồm chữ số."),
    ],
)
def test_a_bad_gtin_is_refused_in_vietnamese(producer, make_product, gtin, message):
    product = make_product(producer)
    product.gtin = gtin
    assert refusal(product) == {"gtin": [message]}


def test_a_gtin_whose_check_digit_is_zero_is_accepted(producer, make_product):
    # the weighted sum is a multiple of 10: the check digit is 0, not 10
    assert gs1_check_digit("893458801228") == "0"
    assert has_valid_check_digit("8934588012280")
    product = make_product(producer)
    product.gtin = "8934588012280"
    product.full_clean()
    product.gtin = "8934588012281"
    assert refusal(product) == {
        "gtin": ["Chữ số cuối của GTIN 8934588012281 phải là 0: mã bị gõ sai."]
    }


def test_the_same_gtin_twice_is_refused(producer, make_product):
    first = make_product(producer, name="Chè Shan Tuyết Suối Giàng", gtin=GOOD)
    second = make_product(producer)
    second.gtin = GOOD
    errors = refusal(second)
    assert errors["gtin"] == ["Sản phẩm “Chè Shan Tuyết Suối Giàng” đã dùng mã GTIN này."]
    # written with the GTIN-14's leading zero it is still the same number
    second.gtin = "0" + GOOD
    assert refusal(second)["gtin"] == errors["gtin"]
    # the product itself keeps its own GTIN
    first.full_clean()


def test_the_database_refuses_a_duplicate_gtin_but_not_two_empty_ones(producer, make_product):
    make_product(producer, gtin=GOOD)
    make_product(producer, gtin="")
    make_product(producer, gtin="")
    with transaction.atomic(), pytest.raises(IntegrityError):
        make_product(producer, gtin=GOOD)
    assert Product.objects.filter(gtin=GOOD).count() == 1


@pytest.mark.parametrize(
    ("gtin", "message"),
    [
        ("8934588012227", "Chữ số cuối của GTIN 8934588012227 phải là 8: mã bị gõ sai."),
        ("893458801", "Mã GTIN có 8, 12, 13 hoặc 14 chữ số; mã này có 9."),
        ("0" + GOOD, "Sản phẩm “Mật ong bạc hà” đã dùng mã GTIN này."),
        (GOOD, "Sản phẩm “Mật ong bạc hà” đã dùng mã GTIN này."),
    ],
)
def test_the_admin_edit_form_refuses_a_bad_or_taken_gtin_and_saves_nothing(
    client, moderator, producer, make_product, gtin, message
):
    make_product(producer, name="Mật ong bạc hà", gtin=GOOD)
    product = make_product(producer, name="Chè búp", gtin="")
    client.force_login(moderator)
    response = client.post(
        f"/admin/snippets/marketplace/product/edit/{product.pk}/",
        admin_edit_form(product, gtin=gtin, name="Chè búp đổi tên"),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    product.refresh_from_db()
    assert (product.gtin, product.name) == ("", "Chè búp")


def test_the_admin_edit_form_saves_a_good_gtin(client, moderator, producer, make_product):
    product = make_product(producer, gtin="")
    client.force_login(moderator)
    response = client.post(
        f"/admin/snippets/marketplace/product/edit/{product.pk}/",
        admin_edit_form(product, gtin=GOOD),
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.gtin == GOOD


def test_one_check_digit_serves_the_product_field_and_the_resolver():
    # GS1 General Specifications 7.9.1: 629104150021 -> 3
    assert gs1_check_digit("629104150021") == gs1.check_digit("629104150021") == "3"
    assert gs1.has_valid_check_digit is has_valid_check_digit
    assert gtin_forms("96385074") == {
        "96385074",
        "000096385074",
        "0000096385074",
        "00000096385074",
    }
