"""Old three-level addresses (xã, huyện, tỉnh before 1 July 2025) to the new two levels.

``vietnamadminunits`` knows which old commune became which new one and names the new one
by a key made of its province and name ("tinhlaocai", "xatramtau"). We read that mapping
ourselves rather than call its ``convert_address``: for an old commune split among several
new ones that function picks one (its "default", or by geocoding the street over the
network); we show them all and let the person choose. The key is joined to the official
list by province and normalised name, never by code.
"""

from dataclasses import dataclass
from functools import cache

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


class SplitCommune(ValidationError):
    """The old commune became several new ones: the person must choose among ``candidates``
    (sorted by name, all in one province); we never pick one for them."""

    def __init__(self, candidates, village, old_commune):
        self.candidates = tuple(candidates)
        self.village = village
        self.old_commune = old_commune
        super().__init__(
            SPLIT_MESSAGE,
            code="split",
            params={
                "old": old_commune,
                "communes": ", ".join(c.name for c in self.candidates),
                "province": self.candidates[0].province.full_name,
            },
        )


UNMATCHED_MESSAGE = _(
    "We could not find the commune in “%(address)s”. Write it as "
    "“commune, district, province”, for example “Xã Suối Giàng, Huyện Văn Chấn, Tỉnh Yên Bái”, "
    "or choose the province and commune from the lists."
)
SPLIT_MESSAGE = _(
    "“%(old)s” was divided among several communes of %(province)s: %(communes)s. "
    "Choose yours from the commune list."
)


@cache
def _new_communes_by_key():
    """(new province key, new commune key) -> the commune of the official list, joined by
    province and normalised name."""
    index = {}
    for row in divisions.official_units():
        province_code = divisions.province_code(row["provinceCode"])
        commune = divisions.commune_named(row["ward"], province_code)
        if commune is not None:
            index[(row["provinceKey"], row["wardKey"])] = commune
    return index


@cache
def _successors():
    """Old "province_district_commune" key -> (new province key, new commune keys)."""
    from vietnamadminunits.converter import converter_2025 as data

    successors = {}
    for province_key, communes in data.DICT_PROVINCE_WARD_NO_DIVIDED.items():
        for commune_key, old_keys in communes.items():
            for old_key in old_keys:
                successors.setdefault(old_key, (province_key, []))[1].append(commune_key)
    for province_key, old_keys in data.DICT_PROVINCE_WARD_DIVIDED.items():
        for old_key, parts in old_keys.items():
            keys = successors.setdefault(old_key, (province_key, []))[1]
            keys.extend(part["newWardKey"] for part in parts)
    return successors


def successors_of(old_key):
    """The new communes an old commune (by its converter key) became, sorted by name; empty
    when the key is unknown or a successor is not in the official list."""
    province_key, commune_keys = _successors().get(old_key, (None, []))
    index = _new_communes_by_key()
    found = {index.get((province_key, key)) for key in commune_keys}
    if not found or None in found:
        return []
    return sorted(found, key=lambda c: divisions.fold(c.name))


def split_commune_message(split):
    """For a row of an import, where there is no list to choose from."""
    return (
        _(
            "“%(old)s” was divided among several communes of %(province)s: %(communes)s. "
            "Write the new commune's name or code."
        )
        % split.params
    )


def _parse_old(text):
    from vietnamadminunits import ParseMode, parse_address

    try:
        return parse_address(text, mode=ParseMode.LEGACY, keep_street=True, level=3)
    except Exception:  # the library raises plain exceptions on text it cannot parse
        return None


def convert_legacy_address(text):
    """Convert an address written before the reform. Raise ValidationError when its commune
    cannot be identified, and SplitCommune (a ValidationError listing the candidates) when
    it was divided among several new communes: we never guess."""
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError(_("Enter an address."), code="required")
    old = _parse_old(text)
    unmatched = ValidationError(UNMATCHED_MESSAGE, code="unmatched", params={"address": text})
    # an island district without communes (Huyện Côn Đảo) became a special zone as a whole
    if old is None or not (old.ward_key or old.district_key):
        raise unmatched
    candidates = successors_of(f"{old.province_key}_{old.district_key}_{old.ward_key or ''}")
    if not candidates:
        raise unmatched
    old_commune = ", ".join(p for p in (old.ward, old.district, old.province) if p)
    village = (old.street or "").strip(" ,")
    if len(candidates) > 1:
        raise SplitCommune(candidates, village=village, old_commune=old_commune)
    return ConvertedAddress(commune=candidates[0], village=village, old_commune=old_commune)
