"""Prices in đồng as people in the market write them: "450000", "450.000", "450,000",
"450 000", "450k", "1,2tr", "1.2 triệu", "1tr2". One parser, used by every price field."""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import MAX_PRICE_VND

# Words (and their short forms) that multiply the number before them.
_MULTIPLIERS = {
    "k": 1_000,
    "nghìn": 1_000,
    "nghin": 1_000,
    "ngàn": 1_000,
    "ngan": 1_000,
    "tr": 1_000_000,
    "triệu": 1_000_000,
    "trieu": 1_000_000,
    "tỷ": 1_000_000_000,
    "tỉ": 1_000_000_000,
    "ty": 1_000_000_000,
}
_CURRENCY = re.compile(r"\s*(₫|đồng|dong|đ|vnd|vnđ)$")
# 450.000, 450,000 or 450 000: groups of three after the first, one kind of separator.
_GROUPED = re.compile(r"\d{1,3}(?:(?P<sep>[.,\s])\d{3})(?:(?P=sep)\d{3})*")
_WITH_MULTIPLIER = re.compile(
    r"(?P<number>\d+(?:[.,\s]\d+)*)\s*(?P<word>[^\d\s.,]+)\s*(?P<tail>\d{1,3})?"
)

INVALID_MESSAGE = _(
    "Write the price in đồng, for example 450000, 450.000, 450k or 1,2tr (1.200.000 ₫)."
)


def _number(text):
    """A number as written before a multiplier: thousands groups, or a decimal comma/point."""
    if _GROUPED.fullmatch(text):
        return Decimal(re.sub(r"[.,\s]", "", text))
    if re.fullmatch(r"\d+", text):
        return Decimal(text)
    if re.fullmatch(r"\d+[.,]\d+", text):
        return Decimal(text.replace(",", "."))
    raise ValidationError(INVALID_MESSAGE, code="invalid")


def parse_vnd(value):
    """The whole number of đồng ``value`` means, or None when it is empty. Raises a
    ValidationError with a Vietnamese message for anything else, a negative price, less
    than 1 ₫, a fraction of a đồng, or more than MAX_PRICE_VND."""
    text = " ".join(str(value if value is not None else "").lower().split())
    text = _CURRENCY.sub("", text).strip()
    if not text:
        return None
    if text.startswith("-"):
        raise ValidationError(_("The price must be more than 0 ₫."), code="min_value")
    if re.fullmatch(r"[\d.,\s]+", text):
        amount = _number(text)
    else:
        match = _WITH_MULTIPLIER.fullmatch(text)
        if not match or match["word"] not in _MULTIPLIERS:
            raise ValidationError(INVALID_MESSAGE, code="invalid")
        amount = _number(match["number"])
        if match["tail"]:  # "1tr2" is 1,2 triệu, "2k5" is 2.500
            if amount != amount.to_integral_value():
                raise ValidationError(INVALID_MESSAGE, code="invalid")
            amount += Decimal(f"0.{match['tail']}")
        amount *= _MULTIPLIERS[match["word"]]
    try:
        if amount != amount.to_integral_value():
            raise ValidationError(
                _("A price is a whole number of đồng: %(amount)s is not.")
                % {"amount": f"{amount.normalize():f}".replace(".", ",")},
                code="invalid",
            )
        price = int(amount)
    except InvalidOperation as error:
        raise ValidationError(INVALID_MESSAGE, code="invalid") from error
    if price < 1:
        raise ValidationError(_("The price must be more than 0 ₫."), code="min_value")
    if price > MAX_PRICE_VND:
        raise ValidationError(_("The price cannot be more than 1.000.000.000 ₫."), code="max_value")
    return price


def format_vnd(amount):
    """450000 -> "450.000 ₫", the way prices are written in Vietnam."""
    return f"{int(amount):,}".replace(",", ".") + "\u00a0₫"
