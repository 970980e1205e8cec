import pytest
from django.core.exceptions import ValidationError

from accounts.phone import display_phone, normalize_phone


@pytest.mark.parametrize(
    "typed",
    [
        "0912 345 678",
        "0912345678",
        "0912.345.678",
        "+84912345678",
        "+84 912 345 678",
        "84912345678",
        "(+84) 912-345-678",
    ],
)
def test_the_forms_people_type_are_one_number(typed):
    assert normalize_phone(typed) == "+84912345678"


@pytest.mark.parametrize(
    "typed",
    ["", "abc", "12345", "0912 345 67", "+1 202 555 0143", "0243 826 1234", "091234567890"],
)
def test_not_a_vietnamese_mobile_number_is_refused_in_vietnamese(typed):
    with pytest.raises(ValidationError) as caught:
        normalize_phone(typed)
    assert caught.value.messages == [
        "Hãy nhập số điện thoại di động Việt Nam, ví dụ 0912 345 678 hoặc +84 912 345 678."
    ]


def test_display_is_the_national_form():
    assert display_phone("+84912345678") == "0912 345 678"
