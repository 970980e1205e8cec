"""Parcel identity: GS1 Serial Shipping Container Codes (AI 00).

An SSCC is 18 digits: an extension digit, the platform's ``GS1_COMPANY_PREFIX``, a serial
reference and the GS1 mod-10 check digit. Serials come from one counter row taken under
``select_for_update`` and only ever raised, so a number is never handed out twice, even when
the job it was made for is gone.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from marketplace.validators import gs1_check_digit, has_valid_check_digit

SSCC_LENGTH = 18


def validate_sscc(value):
    """Field validator: 18 ASCII digits whose last is the GS1 check digit."""
    value = value or ""
    if len(value) != SSCC_LENGTH or not (value.isascii() and value.isdigit()):
        raise ValidationError(
            _("An SSCC is 18 digits; “%(sscc)s” is not."),
            code="bad_length",
            params={"sscc": value},
        )
    if not has_valid_check_digit(value):
        raise ValidationError(
            _("The SSCC %(sscc)s has a wrong check digit (it should end in %(digit)s)."),
            code="bad_check_digit",
            params={"sscc": value, "digit": gs1_check_digit(value[:-1])},
        )


def is_valid_sscc(value):
    try:
        validate_sscc(value)
    except ValidationError:
        return False
    return True


def build_sscc(number, prefix):
    """The SSCC of the ``number``-th parcel under ``prefix``: the extension digit takes the
    digit above the serial reference, so one prefix numbers ten times more parcels."""
    reference_length = SSCC_LENGTH - 2 - len(prefix)
    extension, reference = divmod(number, 10**reference_length)
    if extension > 9 or reference_length < 1:
        raise ValidationError(
            _("Every SSCC under the company prefix %(prefix)s is used."),
            code="exhausted",
            params={"prefix": prefix},
        )
    body = f"{extension}{prefix}{reference:0{reference_length}d}"
    return body + gs1_check_digit(body)


def allocate_sscc():
    """A new SSCC, never handed out before (the counter row is locked until commit)."""
    from .models import SsccCounter

    with transaction.atomic():
        SsccCounter.objects.get_or_create(pk=1)
        counter = SsccCounter.objects.select_for_update().get(pk=1)
        counter.last_serial += 1
        counter.save(update_fields=["last_serial"])
        return build_sscc(counter.last_serial, settings.GS1_COMPANY_PREFIX)
