"""Parcel identity: SSCCs are 18 digits under the company prefix, checked, never reused."""

import pytest
from django.core.exceptions import ValidationError

from postal_pickup.sscc import allocate_sscc, build_sscc, is_valid_sscc, validate_sscc


def test_gs1s_own_example_is_built_digit_for_digit():
    # GS1 General Specifications: (00) 1 0614141 123456789 7
    assert build_sscc(1_123_456_789, "0614141") == "106141411234567897"


@pytest.mark.django_db
def test_allocated_numbers_are_18_digits_under_the_prefix_with_a_check_digit(settings):
    settings.GS1_COMPANY_PREFIX = "8939999"
    numbers = [allocate_sscc() for _ in range(30)]
    assert len(set(numbers)) == 30
    for number in numbers:
        assert len(number) == 18 and number.isdigit()
        assert number[1:8] == "8939999"
        assert is_valid_sscc(number)


@pytest.mark.django_db
def test_a_number_is_never_handed_out_again():
    first = allocate_sscc()
    second = allocate_sscc()
    assert int(second[8:17]) == int(first[8:17]) + 1


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("10614141123456789", "bad_length"),
        ("1061414112345678970", "bad_length"),
        ("10614141123456789A", "bad_length"),
        ("１06141411234567897", "bad_length"),  # a full-width digit is not an ASCII digit
        ("106141411234567898", "bad_check_digit"),
    ],
)
def test_a_wrong_sscc_is_refused_and_says_why(value, code):
    with pytest.raises(ValidationError) as caught:
        validate_sscc(value)
    assert caught.value.code == code
    assert not is_valid_sscc(value)


def test_when_a_prefix_runs_out_it_says_so_rather_than_wrapping_round():
    with pytest.raises(ValidationError) as caught:
        build_sscc(10**10, "8939999")
    assert caught.value.code == "exhausted"
