"""One row of a spreadsheet into the values of a GrowingArea.

Reading a cell is the import's job (decimal commas, two date formats, commune names old and
new, status words in Vietnamese); judging the value is the model's: every field goes through
the model's own fields and validators (``clean_fields``, then ``clean``), so the import and the
admin form refuse the same values with the same words, and normalise them the same way (the
code upper-cased, the phone as +84…). Every problem of a row is collected with its line and
column.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from places import divisions
from places.conversion import SplitCommune, convert_legacy_address, split_commune_message
from places.divisions import fold

from ..models import GrowingArea
from ..validators import MAX_AREA_HA, normalize_code, parse_decimal
from .read import COLUMNS, as_text


@dataclass
class RowError:
    line: int
    column: str  # the header name ("area_ha"), or "" for the whole file or row
    letter: str  # the spreadsheet column ("E"), or ""
    message: str

    def __str__(self):
        where = _("line %(line)d") % {"line": self.line}
        if self.column:
            where += ", " + _("column %(column)s") % {
                "column": f"{self.column} ({self.letter})" if self.letter else self.column
            }
        return f"{where}: {self.message}"


STATUS_WORDS = {
    GrowingArea.Status.ACTIVE: {
        "active",
        "hoat dong",
        "dang hoat dong",
        "con hieu luc",
        "hieu luc",
    },
    GrowingArea.Status.SUSPENDED: {
        "suspended",
        "tam dung",
        "tam ngung",
        "dinh chi",
        "tam dinh chi",
    },
    GrowingArea.Status.REVOKED: {"revoked", "thu hoi", "da thu hoi", "huy", "da huy"},
}
_STATUS_BY_WORD = {word: status for status, words in STATUS_WORDS.items() for word in words}

_HOLDER_PREFIXES = (
    (("htx", "hop tac xa", "to hop tac", "tht"), GrowingArea.HolderType.COOPERATIVE),
    (("cong ty", "cty", "doanh nghiep"), GrowingArea.HolderType.ENTERPRISE),
    (("ho ", "ho gia dinh", "gia dinh", "ong ", "ba "), GrowingArea.HolderType.HOUSEHOLD),
)

_DATE_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")

# Columns of the file -> model fields they fill (province and commune fill both codes).
FIELDS_OF_COLUMN = {
    "code": ("code",),
    "name": ("name",),
    "crop": ("crop",),
    "variety": ("variety",),
    "area_ha": ("area_ha",),
    "province": (),
    "commune": ("commune_code", "province_code"),
    "village": ("village",),
    "holder_name": ("holder_name",),
    "holder_phone": ("holder_phone",),
    "households": ("households",),
    "issued_by": ("issued_by",),
    "issued_on": ("issued_on",),
    "valid_until": ("valid_until",),
    "latitude": ("latitude", "longitude"),
    "longitude": ("latitude", "longitude"),
    "boundary_geojson": ("boundary",),
    "status": (),
}
assert set(FIELDS_OF_COLUMN) == set(COLUMNS)
# A model field's error is reported on the column it was read from.
COLUMN_OF_FIELD = {
    "code": "code",
    "commune_code": "commune",
    "province_code": "province",
    "boundary": "boundary_geojson",
}
_TEXT_COLUMNS = ("name", "crop", "variety", "village", "holder_name", "issued_by")
_REQUIRED_TEXT = {"name", "crop", "holder_name", "issued_by"}
_FIELD_NAMES = {f.name for f in GrowingArea._meta.concrete_fields}


def holder_type_for(name):
    """The holder's kind, inferred from how the name starts ("HTX …", "Hộ …", "Công ty …")."""
    folded = fold(name)
    for prefixes, kind in _HOLDER_PREFIXES:
        if folded.startswith(prefixes):
            return kind
    return ""


def _places_of(decimal, places):
    """``decimal`` rounded to ``places`` decimals when it has more (a cell "21,63521234"), so
    the column's own rules judge the value, not its precision."""
    if decimal.as_tuple().exponent < -places and abs(decimal) <= MAX_AREA_HA:
        return decimal.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return decimal


class RowReader:
    """Turns rows of cells into model field values, collecting every error in a row.
    Place look-ups are cached: a province's file names the same communes again and again."""

    def __init__(self, columns):
        self.columns = columns  # column name -> letter
        self._places = {}

    def parse(self, line, cells):
        """(values, errors): the model field values of the row (only the fields its columns
        fill, plus ``status``: a status or None), and its RowErrors in column order."""
        self.line, self.cells, self.values = line, cells, {}
        self.errors = {}  # column -> message; the first problem of a column is the one said
        for name in _TEXT_COLUMNS:
            self._text(name)
        self.values["code"] = self.text("code")
        if not normalize_code(self.values["code"]):
            self.error("code", _("Enter the growing-area code."))
        self._area()
        self._place()
        self.values["holder_phone"] = self.text("holder_phone")
        self._households()
        self._dates()
        self._coordinates()
        self.values["boundary"] = self.text("boundary_geojson") or None
        self._status()
        status = self.values.pop("status")
        self._judge()
        errors = [
            RowError(line, column, self.columns.get(column, ""), self.errors[column])
            for column in COLUMNS
            if column in self.errors
        ]
        return {**self.values, "status": status}, errors

    # helpers

    def error(self, column, message):
        self.errors.setdefault(column, str(message))

    def has(self, column):
        return column in self.cells

    def text(self, column):
        return as_text(self.cells[column]) if column in self.cells else ""

    def _judge(self):
        """The model's verdict on the values read: its fields' validators, then its rules
        across fields (expiry after issue, both coordinates, commune in province)."""
        filled = {f for column in self.columns for f in FIELDS_OF_COLUMN[column]}
        values = {name: value for name, value in self.values.items() if name in filled}
        area = GrowingArea(**values)
        # fields the file does not fill, and those whose cell could not be read, are not judged
        exclude = (
            (_FIELD_NAMES - filled)
            | (filled - values.keys())
            | (self.errors.keys() & {"latitude", "longitude"})
        )
        try:
            area.clean_fields(exclude=exclude)
        except ValidationError as error:
            self._model_errors(error)
        for name in self.errors.keys() & {"latitude", "longitude"}:
            # a value already refused is not judged again by the rules across fields
            setattr(area, name, None)
        try:
            area.clean()
        except ValidationError as error:
            self._model_errors(error)
        self.values = {name: getattr(area, name) for name in values}

    def _model_errors(self, error):
        for field, messages in error.message_dict.items():
            column = COLUMN_OF_FIELD.get(field, field)
            if column not in self.columns and field == "province_code":
                column = "commune"
            self.error(column, messages[0])

    # columns

    def _text(self, column):
        if column not in self.columns:
            return
        value = " ".join(self.text(column).split())
        if column in _REQUIRED_TEXT and not value:
            self.error(column, _("This column is required."))
        self.values[column] = value

    def _area(self):
        if not self.has("area_ha"):
            self.error("area_ha", _("This column is required."))
            return
        try:
            self.values["area_ha"] = _places_of(parse_decimal(self.text("area_ha")), 2)
        except ValueError:
            self.error(
                "area_ha",
                _("“%(value)s” is not a number of hectares.") % {"value": self.text("area_ha")},
            )

    def _place(self):
        commune_text = self.text("commune")
        province_text = self.text("province")
        if not commune_text:
            self.error("commune", _("This column is required."))
            return
        key = (commune_text, province_text)
        if key not in self._places:
            self._places[key] = self._find_place(commune_text, province_text)
        found, column, message = self._places[key]
        if message:
            self.error(column, message)
            return
        self.values["commune_code"] = found.code
        self.values["province_code"] = found.province_code

    def _find_place(self, commune_text, province_text):
        """(commune, None, None) or (None, column, message)."""
        province = divisions.find_province(province_text) if province_text else None
        if province_text and province is None and province_text.strip().isdigit():
            return (
                None,
                "province",
                _("“%(value)s” is not a province code.") % {"value": province_text},
            )
        province_code = province.code if province else None
        candidates = divisions.find_communes(commune_text, province_code)
        if commune_text.strip().isdigit():
            if not candidates and province and divisions.commune(commune_text):
                return None, "commune", _("This commune is not in the chosen province.")
            if not candidates:
                return (
                    None,
                    "commune",
                    _("“%(value)s” is not a commune code.") % {"value": commune_text},
                )
            if province_text and province is None:
                return (
                    None,
                    "province",
                    _("There is no province “%(value)s”.") % {"value": province_text},
                )
            return candidates[0], None, None
        if len(candidates) == 1:
            return candidates[0], None, None
        if len(candidates) > 1:
            return (
                None,
                "province",
                _("Several communes are called “%(commune)s”: give the province (%(provinces)s).")
                % {
                    "commune": commune_text,
                    "provinces": ", ".join(sorted({c.province.name for c in candidates})),
                },
            )
        # Not a current name: perhaps an old three-level one ("Xã Suối Giàng, Huyện Văn Chấn"
        # with province "Yên Bái"), which places knows how to convert.
        converted = None
        # with the old province ("Yên Bái") first; the new one ("Lào Cai") may follow old names
        for legacy in dict.fromkeys(
            [", ".join(p for p in (commune_text, province_text) if p), commune_text]
        ):
            try:
                converted = convert_legacy_address(legacy)
                break
            except SplitCommune as split:
                return None, "commune", split_commune_message(split)
            except ValidationError:
                continue
        if converted is None:
            if province_text and province is None:
                return (
                    None,
                    "province",
                    _("There is no province “%(value)s”.") % {"value": province_text},
                )
            elsewhere = divisions.find_communes(commune_text) if province else []
            if elsewhere:
                return (
                    None,
                    "commune",
                    _("“%(commune)s” is not in %(province)s but in %(elsewhere)s.")
                    % {
                        "commune": commune_text,
                        "province": province.full_name,
                        "elsewhere": ", ".join(sorted({c.province.full_name for c in elsewhere})),
                    },
                )
            return (
                None,
                "commune",
                _(
                    "There is no commune “%(value)s”%(where)s. Write its name after 1 July 2025, "
                    "its code, or the old name with the district (“Xã Suối Giàng, "
                    "Huyện Văn Chấn”)."
                )
                % {
                    "value": commune_text,
                    "where": f" ({province.full_name})" if province else "",
                },
            )
        commune = converted.commune
        if province and commune.province_code != province.code:
            return None, "commune", _("This commune is not in the chosen province.")
        return commune, None, None

    def _households(self):
        self.values["households"] = None
        raw = self.text("households")
        if not raw:
            return
        try:
            value = parse_decimal(raw)
        except ValueError:
            value = None
        if value is None or value != value.to_integral_value():
            self.error(
                "households",
                _("The number of households must be a whole number, for example 25."),
            )
            return
        self.values["households"] = int(value)

    def _date(self, column, required=False):
        if not self.has(column):
            if required:
                self.error(column, _("This column is required."))
            return None
        value = self.cells[column]
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return value
        text = as_text(value)
        match = _DATE_ISO.fullmatch(text)
        parts = None
        if match:
            parts = int(match[1]), int(match[2]), int(match[3])
        elif match := _DATE_DMY.fullmatch(text):
            parts = int(match[3]), int(match[2]), int(match[1])
        try:
            if parts is None:
                raise ValueError(text)
            return date(*parts)
        except ValueError:
            self.error(
                column,
                _(
                    "“%(value)s” is not a date: write it as YYYY-MM-DD (2025-03-31) "
                    "or DD/MM/YYYY (31/03/2025)."
                )
                % {"value": text},
            )
            return None

    def _dates(self):
        issued_on = self._date("issued_on", required=True)
        if issued_on:
            self.values["issued_on"] = issued_on
        self.values["valid_until"] = self._date("valid_until")

    def _coordinate(self, column):
        raw = self.text(column)
        if not raw:
            return None
        try:
            return _places_of(parse_decimal(raw), 6)
        except ValueError:
            self.error(column, _("“%(value)s” is not a number.") % {"value": raw})
            return None

    def _coordinates(self):
        self.values["latitude"] = self._coordinate("latitude")
        self.values["longitude"] = self._coordinate("longitude")

    def _status(self):
        raw = self.text("status")
        if not raw:
            self.values["status"] = None  # new areas start active; existing ones keep theirs
            return
        status = _STATUS_BY_WORD.get(fold(raw))
        if status is None:
            self.error(
                "status",
                _("“%(value)s” is not a status: write active, suspended or revoked.")
                % {"value": raw},
            )
        self.values["status"] = status
