"""Vietnam's administrative units after the 1 July 2025 reform: 34 provinces and 3,321
communes (xã, phường, đặc khu), read from the ``vietnam-provinces`` package.

Codes are the official ones, as zero-padded strings: province "15" (Lào Cai),
commune "04672" (Xã Văn Chấn).
"""

from dataclasses import dataclass
from functools import cache

from unidecode import unidecode
from vietnam_provinces import Province as _Province
from vietnam_provinces import Ward as _Ward


@dataclass(frozen=True)
class Province:
    code: str
    name: str  # "Lào Cai"
    full_name: str  # "Tỉnh Lào Cai"

    def __str__(self):
        return self.full_name


@dataclass(frozen=True)
class Commune:
    code: str
    name: str  # "Xã Văn Chấn"
    province_code: str

    @property
    def province(self):
        return province(self.province_code)

    @property
    def full_name(self):
        return f"{self.name}, {self.province.full_name}"

    def __str__(self):
        return self.full_name


def province_code(value):
    return f"{int(value):02d}"


def commune_code(value):
    return f"{int(value):05d}"


def _full_province_name(item):
    prefix = "Thành phố" if item.division_type.value == "thành phố trung ương" else "Tỉnh"
    return item.name if item.name.startswith(prefix) else f"{prefix} {item.name}"


@cache
def _provinces():
    items = [
        Province(
            code=province_code(p.code.value),
            name=p.name.removeprefix("Thành phố ").strip(),
            full_name=_full_province_name(p),
        )
        for p in _Province.iter_all()
    ]
    items.sort(key=lambda p: fold(p.name))
    return {p.code: p for p in items}


@cache
def _communes():
    items = [
        Commune(
            code=commune_code(w.code.value),
            name=w.name,
            province_code=province_code(w.province_code.value),
        )
        for w in _Ward.iter_all()
    ]
    items.sort(key=lambda c: fold(c.name))
    return {c.code: c for c in items}


@cache
def _communes_by_province():
    grouped = {}
    for commune in _communes().values():
        grouped.setdefault(commune.province_code, []).append(commune)
    return grouped


def fold(text):
    """Lower-case, without diacritics, single-spaced: "Xã  Văn Chấn" -> "xa van chan"."""
    return " ".join(unidecode(text or "").lower().split())


def provinces():
    """All 34 provinces, sorted by name."""
    return list(_provinces().values())


def province(code):
    """The province with this code, or None."""
    try:
        return _provinces().get(province_code(code))
    except (TypeError, ValueError):
        return None


def commune(code):
    """The commune (xã, phường, đặc khu) with this code, or None."""
    try:
        return _communes().get(commune_code(code))
    except (TypeError, ValueError):
        return None


def communes_of(code):
    """The communes of a province, sorted by name."""
    try:
        return list(_communes_by_province().get(province_code(code), []))
    except (TypeError, ValueError):
        return []


_UNIT_WORDS = ("tinh ", "thanh pho ", "tp ", "tp. ", "xa ", "phuong ", "dac khu ")


def _bare(text):
    folded = fold(text)
    for word in _UNIT_WORDS:
        if folded.startswith(word):
            return folded[len(word) :].strip()
    return folded


@cache
def _province_index():
    index = {}
    for p in _provinces().values():
        for key in {fold(p.name), fold(p.full_name), _bare(p.full_name)}:
            index[key] = p
    return index


def find_province(text):
    """A province by its code or its name, with or without "Tỉnh" and diacritics."""
    text = (text or "").strip()
    if text.isdigit():
        return province(text)
    index = _province_index()
    return index.get(fold(text)) or index.get(_bare(text))


def find_communes(text, province_code=None):
    """Communes matching a code or a name ("Xã Văn Chấn", "van chan"); several communes of
    different provinces may share a name, so narrow by province when it is known."""
    text = (text or "").strip()
    if text.isdigit():
        found = commune(text)
        candidates = [found] if found else []
    else:
        wanted_full, wanted_bare = fold(text), _bare(text)
        pool = communes_of(province_code) if province_code else _communes().values()
        exact = [c for c in pool if fold(c.name) == wanted_full]
        candidates = exact or [c for c in pool if _bare(c.name) == wanted_bare]
    if province_code:
        candidates = [c for c in candidates if c.province_code == province_code]
    return candidates
