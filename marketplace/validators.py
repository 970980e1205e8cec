"""The GS1 check on a product's GTIN. Kept here, in the app that owns ``Product.gtin``, so
traceability (below marketplace) reuses the same check digit instead of keeping its own."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

GTIN_LENGTHS = (8, 12, 13, 14)


def gs1_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit of ``body`` (ASCII digits, without the check digit)."""
    # Weights 3, 1, 3, … from the rightmost digit, whatever the length.
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def has_valid_check_digit(number: str) -> bool:
    """True when ``number`` is at least two ASCII digits and its last one is the check digit."""
    return (
        len(number) >= 2
        and number.isascii()
        and number.isdigit()
        and gs1_check_digit(number[:-1]) == number[-1]
    )


def validate_gtin(value: str):
    """Django field validator: a GTIN-8, -12, -13 or -14 with a correct check digit.

    The error's ``code`` names the broken rule: ``bad_character``, ``bad_length`` or
    ``bad_check_digit``."""
    value = value or ""
    if not value.isascii() or not value.isdigit():
        raise ValidationError(_("A GTIN has only digits."), code="bad_character")
    if len(value) not in GTIN_LENGTHS:
        raise ValidationError(
            _("A GTIN has 8, 12, 13 or 14 digits; this one has %(n)d."),
            code="bad_length",
            params={"n": len(value)},
        )
    if not has_valid_check_digit(value):
        raise ValidationError(
            _("The last digit of GTIN %(gtin)s should be %(digit)s: the number is mistyped."),
            code="bad_check_digit",
            params={"gtin": value, "digit": gs1_check_digit(value[:-1])},
        )


def gtin_forms(value: str) -> set[str]:
    """Every way the GTIN ``value`` can be written: a GTIN-13, -12 or -8 is its GTIN-14
    without the leading zeros, so ``8934588012228`` and ``08934588012228`` are one number."""
    gtin14 = value.zfill(14)
    return {gtin14[cut:] for cut in (0, 1, 2, 6) if not gtin14[:cut].strip("0")}
