"""GS1 Digital Link URIs: parse and check a request path the way a GS1-conformant resolver
must, and build the URL printed on a label.

A label URL is ``<SITE_URL>/01/<gtin14>/10/<lot>/21/<serial>``. Which qualifiers may follow a
primary key, in which order, and which AIs may sit in the query string all come from the GS1
syntax dictionary (``dlpkey=`` and the ``?`` flag), read by :mod:`traceability.gs1`.
"""

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .gs1 import GS1Error, ai_matches, ai_table, validate_gtin

# gs1-compression logs a stack trace under this literal logger name for every string it cannot
# decompress; an address that is not compressed is an ordinary 404, not an error.
logging.getLogger("__name__").setLevel(logging.CRITICAL)

GTIN_AI, CPV_AI, LOT_AI, SERIAL_AI = "01", "22", "10", "21"
SUPPORTED_PRIMARY_KEYS = (GTIN_AI,)


class DigitalLinkError(GS1Error):
    """A syntactically invalid Digital Link URI: the resolver answers 400 with ``message``.

    ``code`` names the broken rule for machines (``bad_check_digit``, ``qualifier_order``, …).
    """

    def __init__(self, code, message):
        super().__init__(message, code)


@dataclass(frozen=True)
class DigitalLink:
    gtin: str  # always the 14-digit form
    qualifiers: dict[str, str] = field(default_factory=dict)  # AI -> value, in path order
    attributes: dict[str, str] = field(default_factory=dict)  # AIs from the query string
    parameters: dict[str, str] = field(default_factory=dict)  # linkType, context, …
    # The request did not use the canonical path (e.g. a 13-digit GTIN): redirect to .path
    needs_redirect: bool = False

    @property
    def lot(self):
        return self.qualifiers.get(LOT_AI)

    @property
    def serial(self):
        return self.qualifiers.get(SERIAL_AI)

    @property
    def cpv(self):
        return self.qualifiers.get(CPV_AI)

    @property
    def path(self):
        """The canonical path: GTIN-14 and the qualifiers, percent-encoded."""
        return build_path(self.gtin, lot=self.lot, serial=self.serial, cpv=self.cpv)


def encode_value(value: str) -> str:
    """Percent-encode an AI value for a URI path.

    Everything outside the URI unreserved characters is escaped, which covers every character
    of set 82 that the Digital Link standard requires to be escaped (``/``, ``%``, ``?``, ``#``,
    ``&``, ``+``, …).
    """
    return quote(value, safe="")


def build_path(gtin: str, lot=None, serial=None, cpv=None) -> str:
    """``/01/<gtin14>[/22/<cpv>][/10/<lot>][/21/<serial>]``; checks every value first."""
    table = ai_table()
    parts = ["", GTIN_AI, validate_gtin(gtin)]
    for ai, value in ((CPV_AI, cpv), (LOT_AI, lot), (SERIAL_AI, serial)):
        if value is not None:
            table[ai].validate(value)
            parts += [ai, encode_value(value)]
    return "/".join(parts)


def label_url(gtin: str, lot: str, serial: str, site_url=None) -> str:
    """The URL printed in a label's QR code."""
    return (site_url or settings.SITE_URL).rstrip("/") + build_path(gtin, lot=lot, serial=serial)


def _decode(raw: str) -> str:
    try:
        return unquote(raw, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise DigitalLinkError(
            "bad_encoding", _("A value in the address is not valid percent-encoded UTF-8.")
        ) from None


def _check_value(ai: str, value: str):
    entry = ai_table()[ai]
    try:
        entry.validate(value)
    except GS1Error as error:
        raise DigitalLinkError(error.code, error.message) from None


def _known(ai: str, where):
    entry = ai_table().get(ai)
    if entry is None or not ai.isdigit():
        raise DigitalLinkError(
            "unknown_ai",
            _("%(ai)s in the %(where)s is not a GS1 Application Identifier.")
            % {"ai": ai, "where": where},
        )
    return entry


def parse(path: str, query: str = "") -> DigitalLink:
    """Check a Digital Link path (still percent-encoded) and its query string.

    Raises :class:`DigitalLinkError` for anything a conformant resolver must refuse.
    """
    needs_redirect = False
    # a trailing slash answers the same as none: a scanner or a hand may add one
    trimmed = path.strip("/")
    segments = trimmed.split("/") if trimmed else []
    where_path = _("path")
    # the primary key is judged first: an unsupported key is the useful answer, whatever follows
    key = _known(segments[0], where_path) if segments else None
    if key is not None and key.dl_primary_key and key.ai not in SUPPORTED_PRIMARY_KEYS:
        raise DigitalLinkError(
            "unsupported_key",
            _("This resolver answers for GTINs, Application Identifier (01), only."),
        )
    if not segments or len(segments) % 2:
        raise DigitalLinkError(
            "missing_value",
            _("The address must be pairs of an Application Identifier and its value."),
        )
    pairs = [(segments[i], _decode(segments[i + 1])) for i in range(0, len(segments), 2)]
    (key_ai, key_value), qualifiers_in_path = pairs[0], pairs[1:]
    if not key.dl_primary_key:
        raise DigitalLinkError(
            "not_a_primary_key",
            _("(%(ai)s) %(title)s cannot start a Digital Link address.")
            % {"ai": key_ai, "title": key.title},
        )
    if key_ai not in SUPPORTED_PRIMARY_KEYS:
        raise DigitalLinkError(
            "unsupported_key",
            _("This resolver answers for GTINs, Application Identifier (01), only."),
        )

    # A GTIN-8, -12 or -13 is accepted and redirected to its 14-digit form.
    if key_value.isascii() and key_value.isdigit() and len(key_value) in (8, 12, 13):
        try:
            gtin = validate_gtin(key_value)
        except GS1Error as error:
            raise DigitalLinkError(error.code, error.message) from None
        needs_redirect = True
    else:
        _check_value(GTIN_AI, key_value)
        gtin = key_value

    qualifiers: dict[str, str] = {}
    for ai, value in qualifiers_in_path:
        entry = _known(ai, where_path)
        if ai == key_ai or ai in qualifiers:
            raise DigitalLinkError(
                "duplicate_ai",
                _("Application Identifier (%(ai)s) appears more than once.") % {"ai": ai},
            )
        if not any(ai in alternative for alternative in key.dl_qualifiers):
            raise DigitalLinkError(
                "not_a_qualifier",
                _("(%(ai)s) %(title)s cannot follow a GTIN in the path.")
                % {"ai": ai, "title": entry.title},
            )
        sequence = [*qualifiers, ai]
        if not any(_in_order(sequence, alternative) for alternative in key.dl_qualifiers):
            raise DigitalLinkError(
                "qualifier_order",
                _(
                    "The qualifiers are in the wrong order: after a GTIN they must come as "
                    "%(order)s."
                )
                % {"order": " / ".join(f"({ai})" for ai in key.dl_qualifiers[0])},
            )
        _check_value(ai, value)
        qualifiers[ai] = value

    attributes: dict[str, str] = {}
    parameters: dict[str, str] = {}
    where_query = _("query string")
    # the qualifier sequences the path may still be following (all of them when it has none)
    path_alternatives = [
        alternative for alternative in key.dl_qualifiers if _in_order(qualifiers, alternative)
    ]
    try:
        query_pairs = parse_qsl(
            query, keep_blank_values=True, strict_parsing=False, errors="strict"
        )
    except UnicodeDecodeError:
        raise DigitalLinkError(
            "bad_encoding", _("The query string is not valid percent-encoded UTF-8.")
        ) from None
    for name, value in query_pairs:
        if not name.isdigit():
            parameters.setdefault(name, value)
            continue
        entry = _known(name, where_query)
        if name == key_ai or name in qualifiers or name in attributes:
            raise DigitalLinkError(
                "duplicate_ai",
                _("Application Identifier (%(ai)s) appears more than once.") % {"ai": name},
            )
        if any(name in alternative for alternative in path_alternatives):
            # GS1 Digital Link 1.2: a key qualifier belongs in the path, never in the query
            # string (gs1-syntax-engine: "AI in query params that should be in the path info")
            raise DigitalLinkError(
                "qualifier_in_query",
                _("(%(ai)s) %(title)s must be written in the path, after the GTIN, not after “?”.")
                % {"ai": name, "title": entry.title},
            )
        if not entry.dl_data_attribute:
            raise DigitalLinkError(
                "not_a_data_attribute",
                _("(%(ai)s) %(title)s is not allowed in the query string.")
                % {"ai": name, "title": entry.title},
            )
        _check_value(name, value)
        attributes[name] = value

    _check_combinations([key_ai, *qualifiers, *attributes])
    return DigitalLink(
        gtin=gtin,
        qualifiers=qualifiers,
        attributes=attributes,
        parameters=parameters,
        needs_redirect=needs_redirect,
    )


def _in_order(sequence, alternative) -> bool:
    """Whether ``sequence`` picks AIs from ``alternative`` keeping its order."""
    position = 0
    for ai in sequence:
        try:
            position = alternative.index(ai, position) + 1
        except ValueError:
            return False
    return True


def _check_combinations(ais):
    table = ai_table()
    for ai in ais:
        entry = table[ai]
        for other in ais:
            if other != ai and any(ai_matches(other, pattern) for pattern in entry.excludes):
                raise DigitalLinkError(
                    "invalid_combination",
                    _("(%(a)s) and (%(b)s) cannot be used together.") % {"a": ai, "b": other},
                )
        if entry.requires and not any(
            all(any(ai_matches(other, p) for other in ais) for p in group)
            for group in entry.requires
        ):
            raise DigitalLinkError(
                "missing_requirement",
                _("(%(ai)s) %(title)s needs %(needed)s as well.")
                % {
                    "ai": ai,
                    "title": entry.title,
                    "needed": _(" or ").join("+".join(group) for group in entry.requires),
                },
            )


# A compressed Digital Link URI is one path segment of base64url characters (GS1 Digital Link
# 1.2, section 8: "compressed GS1 Digital Link URI").
COMPRESSED = re.compile(r"^[A-Za-z0-9_-]{8,}$")
_PLACEHOLDER_HOST = "https://resolver.invalid"


def decompress(segment: str) -> tuple[str, str]:
    """The uncompressed path and query string of a compressed Digital Link ``segment``.

    Raises :class:`DigitalLinkError` (``not_compressed``) when ``segment`` is not one.
    """
    from gs1 import decompress_gs1_digital_link  # the gs1-compression package

    refusal = DigitalLinkError(
        "not_compressed", _("This address is not a compressed GS1 Digital Link.")
    )
    if not COMPRESSED.match(segment):
        raise refusal
    try:
        uri = decompress_gs1_digital_link(f"{_PLACEHOLDER_HOST}/{segment}", use_short_text=False)
    except Exception:  # the package raises bare ValueError, KeyError, IndexError …
        raise refusal from None
    if not uri or not uri.startswith(_PLACEHOLDER_HOST + "/"):
        raise refusal
    parts = urlsplit(uri)
    return parts.path, parts.query
