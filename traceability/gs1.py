"""GS1 identifiers: GTINs, lots and serials, checked against the GS1 Application Identifier
table.

The table is ``data/gs1-syntax-dictionary.txt``, an unchanged copy of GS1's Barcode Syntax
Dictionary (Apache-2.0, copyright GS1 AISBL, BWIPP and Zint; licence text in its header). It is
kept inside the repository so the running site never depends on ``../shared``; a test checks
the copy still equals ``../shared/standards/gs1-syntax-dictionary.txt``.
"""

import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from marketplace.validators import gs1_check_digit, has_valid_check_digit
from marketplace.validators import validate_gtin as validate_product_gtin

DATA_DIR = Path(__file__).resolve().parent / "data"
SYNTAX_DICTIONARY_PATH = DATA_DIR / "gs1-syntax-dictionary.txt"

# GS1 General Specifications, figure 7.11-1: the 82 characters allowed in lots and serials.
CSET_82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
CSET_39 = frozenset("#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
CSET_64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
CHARACTER_SETS = {"N": frozenset("0123456789"), "X": CSET_82, "Y": CSET_39, "Z": CSET_64}
assert len(CSET_82) == 82 and len(CSET_39) == 39

# Crockford's base 32: no I, L, O or U, so a serial read aloud or retyped is not misread.
CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_LENGTH = 12  # 12 characters x 5 bits = 60 random bits
LOT_MAX_LENGTH = 20
SERIAL_MAX_LENGTH = 20


class GS1Error(ValueError):
    """A value that breaks a GS1 rule; ``message`` says which, in the user's language."""

    def __init__(self, message, code="bad_value"):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self):
        return str(self.message)


# --- Check digits and GTINs -----------------------------------------------------------------


def check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit for ``digits`` (the number without its check digit)."""
    if not digits.isdigit() or not digits.isascii():
        raise GS1Error(_("Only digits can carry a GS1 check digit."))
    return gs1_check_digit(digits)


def validate_gtin(value: str) -> str:
    """Check a GTIN-8, -12, -13 or -14 and return it as a GTIN-14; raise GS1Error otherwise.
    The rules are the product field's (``marketplace.validators.validate_gtin``)."""
    value = (value or "").strip()
    try:
        validate_product_gtin(value)
    except ValidationError as error:
        message = error.message % error.params if error.params else error.message
        raise GS1Error(message, error.code) from None
    return value.zfill(14)


def is_valid_gtin(value: str) -> bool:
    try:
        validate_gtin(value)
    except GS1Error:
        return False
    return True


def normalise_gtin(value: str) -> str:
    """GTIN-14 form of a valid GTIN (left-padded with zeros)."""
    return validate_gtin(value)


def gtin_validator(value):
    """Django field validator: a GTIN with a correct check digit."""
    try:
        validate_gtin(value)
    except GS1Error as error:
        raise ValidationError(error.message, code="invalid_gtin") from error


def company_prefix() -> str:
    prefix = str(getattr(settings, "GS1_COMPANY_PREFIX", ""))
    if not (prefix.isdigit() and 6 <= len(prefix) <= 11):
        raise GS1Error(_("GS1_COMPANY_PREFIX must be 6 to 11 digits."))
    return prefix


def item_reference_capacity(prefix: str | None = None) -> int:
    """How many GTIN-13s the company prefix can number."""
    return 10 ** (12 - len(prefix or company_prefix()))


def allocate_gtin(item_reference: int, prefix: str | None = None) -> str:
    """The GTIN-14 for item number ``item_reference`` under the company prefix.

    A GTIN-13 is company prefix + item reference + check digit; it is returned padded to 14
    digits. The caller keeps the counter, so a number is never handed out twice.
    """
    prefix = prefix or company_prefix()
    capacity = item_reference_capacity(prefix)
    if not 0 <= item_reference < capacity:
        raise GS1Error(
            _(
                "The company prefix %(prefix)s has room for %(n)d products only; "
                "ask GS1 Vietnam for another prefix."
            )
            % {"prefix": prefix, "n": capacity}
        )
    body = prefix + str(item_reference).zfill(12 - len(prefix))
    return (body + check_digit(body)).zfill(14)


# --- Lots and serials -----------------------------------------------------------------------


def validate_cset82(value: str, max_length: int = 20, what=None) -> str:
    """Check a lot or serial: 1 to ``max_length`` characters of GS1 character set 82."""
    what = what or _("The code")
    if not value:
        raise GS1Error(_("%(what)s is empty.") % {"what": what}, "too_short")
    if len(value) > max_length:
        raise GS1Error(
            _("%(what)s has %(n)d characters; at most %(max)d are allowed.")
            % {"what": what, "n": len(value), "max": max_length},
            "too_long",
        )
    bad = sorted({c for c in value if c not in CSET_82})
    if bad:
        raise GS1Error(
            _(
                "%(what)s contains %(chars)s: only unaccented letters, digits and "
                "!\"%%&'()*+,-./:;<=>?_ are allowed."
            )
            % {"what": what, "chars": " ".join(repr(c) for c in bad)},
            "bad_character",
        )
    return value


def validate_lot(value: str) -> str:
    return validate_cset82(value, LOT_MAX_LENGTH, _("The lot code"))


def validate_serial(value: str) -> str:
    return validate_cset82(value, SERIAL_MAX_LENGTH, _("The serial number"))


def lot_validator(value):
    """Django field validator for lot codes (AI 10)."""
    try:
        validate_lot(value)
    except GS1Error as error:
        raise ValidationError(error.message, code="invalid_lot") from error


def new_serial() -> str:
    """A random serial: 12 Crockford base-32 characters = 60 bits from ``secrets``.

    Serials are never sequential, so one label's serial says nothing about another's.
    """
    number = secrets.randbits(5 * SERIAL_LENGTH)
    chars = []
    for _i in range(SERIAL_LENGTH):
        number, digit = divmod(number, 32)
        chars.append(CROCKFORD_ALPHABET[digit])
    return "".join(chars)


def suggest_lot(harvest_date: date, taken=()) -> str:
    """A lot code from the harvest date, e.g. ``L260315-1``, not among ``taken``."""
    taken = set(taken)
    stem = f"L{harvest_date:%y%m%d}"
    number = 1
    while f"{stem}-{number}" in taken:
        number += 1
    return f"{stem}-{number}"


# --- The Application Identifier table -------------------------------------------------------


@dataclass(frozen=True)
class Component:
    """One part of an AI's data field, e.g. ``N14,csum`` or ``[X..17]``."""

    kind: str  # N, X, Y or Z
    min_length: int
    max_length: int
    linters: tuple[str, ...]
    optional: bool


@dataclass(frozen=True)
class ApplicationIdentifier:
    ai: str
    title: str
    components: tuple[Component, ...]
    fixed_length: bool  # flag "*"
    dl_data_attribute: bool  # flag "?": may sit in a Digital Link query string
    dl_primary_key: bool
    # Each alternative is an ordered tuple of qualifier AIs, e.g. (("22", "10", "21"), ("235",)).
    dl_qualifiers: tuple[tuple[str, ...], ...] = ()
    requires: tuple[tuple[str, ...], ...] = ()  # any one group, each group all of its AIs
    excludes: tuple[str, ...] = ()
    attributes: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def max_length(self) -> int:
        return sum(c.max_length for c in self.components)

    def validate(self, value: str) -> str:
        """Check ``value`` against this AI's format and the linters we implement."""
        position = 0
        for component in self.components:
            if position >= len(value) and component.optional:
                break
            remaining = len(value) - position
            if remaining < component.min_length:
                raise GS1Error(
                    _("The value of AI (%(ai)s) %(title)s is too short.")
                    % {"ai": self.ai, "title": self.title},
                    "too_short",
                )
            length = min(remaining, component.max_length)
            part = value[position : position + length]
            allowed = CHARACTER_SETS[component.kind]
            bad = sorted({c for c in part if c not in allowed})
            if bad:
                if component.kind == "N":
                    message = _("The value of AI (%(ai)s) %(title)s must be digits only.")
                else:
                    message = _(
                        "The value of AI (%(ai)s) %(title)s contains characters outside GS1 "
                        "character set 82: %(chars)s."
                    )
                raise GS1Error(
                    message
                    % {"ai": self.ai, "title": self.title, "chars": " ".join(map(repr, bad))},
                    "bad_character",
                )
            for linter in component.linters:
                LINTERS.get(linter, _lint_unchecked)(part, self)
            position += length
        if position < len(value):
            raise GS1Error(
                _("The value of AI (%(ai)s) %(title)s is too long: at most %(max)d characters.")
                % {"ai": self.ai, "title": self.title, "max": self.max_length},
                "too_long",
            )
        return value


def _lint_unchecked(part, ai):
    # Linters needing outside tables (GS1 company prefix lengths, ISO country and currency
    # lists, …) are not applied: the character set and length are still checked.
    return None


def _lint_csum(part, ai):
    if not has_valid_check_digit(part):
        raise GS1Error(
            _("The check digit of AI (%(ai)s) %(title)s is wrong: it should be %(digit)s.")
            % {"ai": ai.ai, "title": ai.title, "digit": check_digit(part[:-1])},
            "bad_check_digit",
        )


def _date_linter(allow_zero_day, century=False):
    def lint(part, ai):
        year = int(part[:4]) if century else 2000 + int(part[:2])
        month, day = int(part[-4:-2]), int(part[-2:])
        if allow_zero_day and day == 0:
            day = 1
        try:
            date(year, month, day)
        except ValueError:
            raise GS1Error(
                _("AI (%(ai)s) %(title)s is not a valid date.") % {"ai": ai.ai, "title": ai.title}
            ) from None

    return lint


def _range_linter(low, high):
    def lint(part, ai):
        if not low <= int(part) <= high:
            raise GS1Error(
                _("AI (%(ai)s) %(title)s is out of range.") % {"ai": ai.ai, "title": ai.title}
            )

    return lint


def _lint_zero(part, ai):
    if part != "0":
        raise GS1Error(_("AI (%(ai)s) must start with 0.") % {"ai": ai.ai})


def _lint_nonzero(part, ai):
    if int(part) == 0:
        raise GS1Error(_("AI (%(ai)s) must not be zero.") % {"ai": ai.ai})


def _lint_yesno(part, ai):
    if part not in {"0", "1"}:
        raise GS1Error(_("AI (%(ai)s) must be 0 or 1.") % {"ai": ai.ai})


def _lint_pieceoftotal(part, ai):
    half = len(part) // 2
    piece, total = int(part[:half]), int(part[half:])
    if not (1 <= piece <= total):
        raise GS1Error(_("AI (%(ai)s): the piece number exceeds the total.") % {"ai": ai.ai})


def _lint_pcenc(part, ai):
    if re.search(r"%(?![0-9A-Fa-f]{2})", part):
        raise GS1Error(_("AI (%(ai)s) has a malformed percent-escape.") % {"ai": ai.ai})


LINTERS = {
    "csum": _lint_csum,
    "yymmd0": _date_linter(allow_zero_day=True),
    "yymmdd": _date_linter(allow_zero_day=False),
    "yyyymmdd": _date_linter(allow_zero_day=False, century=True),
    "hhmi": lambda part, ai: (
        _range_linter(0, 23)(part[:2], ai),
        _range_linter(0, 59)(part[2:], ai),
    ),
    "hh": _range_linter(0, 23),
    "mi": _range_linter(0, 59),
    "ss": _range_linter(0, 59),
    "zero": _lint_zero,
    "nonzero": _lint_nonzero,
    "yesno": _lint_yesno,
    "pieceoftotal": _lint_pieceoftotal,
    "pcenc": _lint_pcenc,
}

_COMPONENT = re.compile(r"^(\[)?([NXYZ])(\d+)?(?:\.\.(\d+))?\]?((?:,\w+)*)\]?$")


def _parse_component(text: str) -> Component:
    match = _COMPONENT.match(text)
    if not match:
        raise ValueError(f"unreadable component {text!r}")
    optional, kind, fixed, upto, linters = match.groups()
    if upto:
        low, high = 1, int(upto)
    else:
        low = high = int(fixed)
    return Component(
        kind=kind,
        min_length=low,
        max_length=high,
        linters=tuple(x for x in linters.split(",") if x),
        optional=bool(optional),
    )


def _parse_line(line: str) -> list[ApplicationIdentifier]:
    body, _hash, title = line.partition("#")
    tokens = body.split()
    ais, tokens = tokens[0], tokens[1:]
    flags = ""
    if tokens and not re.match(r"^\[?[NXYZ]", tokens[0]):
        flags, tokens = tokens[0], tokens[1:]
    components, attributes = [], {}
    for token in tokens:
        if re.match(r"^\[?[NXYZ]\d*(\.\.\d+)?[,\]]?", token) and "=" not in token:
            components.append(_parse_component(token))
        else:
            key, _eq, value = token.partition("=")
            attributes.setdefault(key, []).append(value)
    dlpkey = attributes.get("dlpkey")
    qualifiers = ()
    if dlpkey and dlpkey[0]:
        qualifiers = tuple(tuple(alt.split(",")) for alt in dlpkey[0].split("|"))
    requires = tuple(
        tuple(group.split("+")) for value in attributes.get("req", []) for group in value.split(",")
    )
    excludes = tuple(x for value in attributes.get("ex", []) for x in value.split(","))
    first, _dash, last = ais.partition("-")
    numbers = (
        [first]
        if not last
        else [str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)]
    )
    return [
        ApplicationIdentifier(
            ai=number,
            title=title.strip(),
            components=tuple(components),
            fixed_length="*" in flags,
            dl_data_attribute="?" in flags,
            dl_primary_key=dlpkey is not None,
            dl_qualifiers=qualifiers,
            requires=requires,
            excludes=excludes,
            attributes=attributes,
        )
        for number in numbers
    ]


@cache
def ai_table() -> dict[str, ApplicationIdentifier]:
    """Every Application Identifier in the syntax dictionary, by AI number."""
    table = {}
    for raw in SYNTAX_DICTIONARY_PATH.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        for entry in _parse_line(line):
            table[entry.ai] = entry
    return table


def ai_matches(ai: str, pattern: str) -> bool:
    """``pattern`` from a req=/ex= list, where ``n`` stands for any digit (e.g. ``35nn``)."""
    return len(ai) == len(pattern) and all(p in ("n", a) for p, a in zip(pattern, ai, strict=True))
