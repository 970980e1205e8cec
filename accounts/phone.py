"""Vietnamese mobile numbers: the forms people type, normalised to +84…"""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

INVALID_PHONE_MESSAGE = _(
    "Enter a Vietnamese mobile number, for example 0912 345 678 or +84 912 345 678."
)


def normalize_phone(raw):
    """Return the number in E.164 form (+84912345678) or raise ValidationError.

    Accepts the ways people write it: 0912 345 678, 0912.345.678, +84912345678,
    84912345678, (+84) 912-345-678.
    """
    text = (raw or "").strip()
    digits = re.sub(r"\D", "", text)
    if not digits:
        raise ValidationError(INVALID_PHONE_MESSAGE, code="invalid_phone")
    if text.startswith("+") or (digits.startswith("84") and len(digits) == 11):
        candidate = "+" + digits
    else:
        candidate = digits
    try:
        number = phonenumbers.parse(candidate, "VN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(INVALID_PHONE_MESSAGE, code="invalid_phone") from exc
    mobile_types = {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
    if (
        number.country_code != 84
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in mobile_types
    ):
        raise ValidationError(INVALID_PHONE_MESSAGE, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164):
    """+84912345678 -> 0912 345 678, the way Vietnamese people read a number."""
    try:
        number = phonenumbers.parse(e164, "VN")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
