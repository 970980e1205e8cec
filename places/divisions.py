"""Vietnam's administrative units after the 1 July 2025 reform: 34 provinces and 3,321
communes (xã, phường, đặc khu), read from the ``vietnamadminunits`` package.

Codes are the official ones of Decision 19/2025/QĐ-TTg, as zero-padded strings: province
"15" (Lào Cai), commune "04672" (Xã Văn Chấn). ``vietnamadminunits`` follows that list;
``vietnam-provinces`` gives a different code to 123 communes (Xã Trạm Tấu is 04606, not
04591), so it is not a source of codes here (tests/places/test_sources.py lists them all).
"""

import importlib.util
import re
import sqlite3
import unicodedata
from contextlib import closing
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from unidecode import unidecode


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name: str  # "Lào Cai"
    full_name: str  # "Tỉnh Lào Cai"

    def __str__(self):
        return self.full_name


@dataclass(frozen=True, slots=True)
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


OFFICIAL_UNITS_SQL = (
    "SELECT DISTINCT province, provinceShort, provinceCode, provinceKey, ward, wardCode, wardKey"
    " FROM [admin_units]"
)


def dataset_path():
    """The SQLite file ``vietnamadminunits`` ships its list in, found without importing the
    package: its ``__init__`` loads the address parsers (their JSON tables, shapely, geopy,
    aiohttp; some 30 MB), which looking up a commune never needs."""
    spec = importlib.util.find_spec("vietnamadminunits")
    return Path(spec.submodule_search_locations[0]) / "data" / "dataset.db"


def official_units():
    """The official list as ``vietnamadminunits`` ships it: one dict per commune with
        ``province``, ``provinceShort``, ``provinceCode``, ``provinceKey``, ``ward``,
        ``wardCode`` and ``wardKey`` (the converter names new communes by these keys). The query
        is the one its ``database.get_data`` runs, on the same file, read-only. Read afresh on each
    call (a few milliseconds; each table built from it is cached), so the 3,321 dicts are not
    held for the life of the process beside the tables."""
    uri = dataset_path().as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute(OFFICIAL_UNITS_SQL)
        return tuple(dict(row) for row in rows)


@cache
def _provinces():
    items = {
        province_code(row["provinceCode"]): Province(
            code=province_code(row["provinceCode"]),
            name=row["provinceShort"],
            full_name=row["province"],
        )
        for row in official_units()
    }
    return dict(sorted(items.items(), key=lambda item: fold(item[1].name)))


@cache
def _communes():
    items = [
        Commune(
            code=commune_code(row["wardCode"]),
            name=normalise_name(row["ward"]),
            province_code=province_code(row["provinceCode"]),
        )
        for row in official_units()
    ]
    items.sort(key=lambda c: fold(c.name))
    return {c.code: c for c in items}


@cache
def _communes_by_province():
    grouped = {}
    for commune in _communes().values():
        grouped.setdefault(commune.province_code, []).append(commune)
    return grouped


# Two spellings of one tone: "Hoà" (old style) and "Hòa" (new style, the official list's)
# are the same name. In NFD the tone mark follows its vowel; "Quý" keeps its tone on "y".
_TONE = "[\u0300\u0301\u0303\u0309\u0323]"
_OLD_STYLE_TONE = re.compile(rf"([oO])([aeAE])({_TONE})(?!\w)|(?<![qQ])([uU])([yY])({_TONE})(?!\w)")
# "Cư M’gar" is "Cư M'gar"; "Chân Mây – Lăng Cô" is "Chân Mây - Lăng Cô"
_PUNCTUATION = str.maketrans({"’": "'", "‘": "'", "–": "-", "—": "-"})


def _new_style_tone(match):
    first, second, tone = [g for g in match.groups() if g is not None]
    return first + tone + second


def normalise_name(text):
    """A name as written in the official list, single-spaced, NFC, tones placed the new way
    ("Xã  Thuận Hoà" -> "Xã Thuận Hòa"), straight apostrophes, " - " between two names;
    diacritics kept, since "Văn Lang" and "Văn Lăng" are two communes of one province."""
    text = (text or "").translate(_PUNCTUATION)
    text = unicodedata.normalize("NFD", " ".join(text.replace(" - ", "-").split()))
    text = _OLD_STYLE_TONE.sub(_new_style_tone, text).replace("-", " - ")
    return unicodedata.normalize("NFC", text)


def name_key(text):
    """``normalise_name`` in lower case, for comparing names."""
    return normalise_name(text).lower()


@cache
def _communes_by_name():
    grouped = {}
    for commune in _communes().values():
        grouped.setdefault((commune.province_code, name_key(commune.name)), []).append(commune)
    return grouped


def commune_named(name, province_code):
    """The commune of this province with exactly this name (diacritics count, the tone may
    be placed either way), or None."""
    found = _communes_by_name().get((province_code, name_key(name)), [])
    return found[0] if len(found) == 1 else None


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


def _bare_key(text):
    """``name_key`` without the unit word: "Xã Văn Lăng" -> "văn lăng"."""
    key = name_key(text)
    for word in ("xã ", "phường ", "đặc khu "):
        if key.startswith(word):
            return key[len(word) :].strip()
    return key


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
        pool = communes_of(province_code) if province_code else _communes().values()
        # with its diacritics a name is exact ("Văn Lăng" is not "Văn Lang"); without, it folds
        candidates = [c for c in pool if name_key(c.name) == name_key(text)]
        candidates = candidates or [c for c in pool if _bare_key(c.name) == _bare_key(text)]
        candidates = candidates or [c for c in pool if fold(c.name) == fold(text)]
        candidates = candidates or [c for c in pool if _bare(c.name) == _bare(text)]
    if province_code:
        candidates = [c for c in candidates if c.province_code == province_code]
    return candidates
