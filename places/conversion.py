"""Old three-level addresses (xã, huyện, tỉnh before 1 July 2025) to the new two levels.

The ``vietnamadminunits`` package knows which old commune became which new one.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import divisions


@dataclass(frozen=True)
class ConvertedAddress:
    commune: divisions.Commune
    village: str  # what stood before the commune: thôn/bản, street, house number
    old_commune: str  # e.g. "Xã Suối Giàng, Huyện Văn Chấn, Tỉnh Yên Bái"

    @property
    def province(self):
        return self.commune.province

    def __str__(self):
        parts = [self.village, self.commune.full_name]
        return ", ".join(p for p in parts if p)


UNMATCHED_MESSAGE = _(
    "We could not find the commune in “%(address)s”. Write it as "
    "“commune, district, province”, for example “Xã Suối Giàng, Huyện Văn Chấn, Tỉnh Yên Bái”, "
    "or choose the province and commune from the lists."
)


def convert_legacy_address(text):
    """Convert an address written before the reform; raise ValidationError when its commune
    cannot be identified (we never guess)."""
    from vietnamadminunits import convert_address

    text = " ".join((text or "").split())
    if not text:
        raise ValidationError(_("Enter an address."), code="required")
    try:
        result = convert_address(text)
    except Exception as exc:  # the library raises plain exceptions on text it cannot parse
        raise ValidationError(
            UNMATCHED_MESSAGE, code="unmatched", params={"address": text}
        ) from exc
    commune = divisions.commune(result.ward_code) if result.ward_code else None
    if commune is None:
        raise ValidationError(UNMATCHED_MESSAGE, code="unmatched", params={"address": text})
    old = getattr(result, "OldAdminUnit", None)
    old_commune = ", ".join(
        p
        for p in (
            getattr(old, "ward", None),
            getattr(old, "district", None),
            getattr(old, "province", None),
        )
        if p
    )
    return ConvertedAddress(
        commune=commune, village=(result.street or "").strip(" ,"), old_commune=old_commune
    )
