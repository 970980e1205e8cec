"""Operations on the growing-area registry that views, tasks, commands and the admin call."""

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from places import divisions
from places.conversion import convert_legacy_address
from places.divisions import fold

from .importing import COLUMNS, UnreadableFile, as_text, read_sheet
from .models import EXPIRY_WARNING_DAYS, Certification, GrowingArea, StatusChange
from .validators import (
    VIETNAM_LATITUDE,
    VIETNAM_LONGITUDE,
    clean_boundary,
    normalize_code,
    parse_decimal,
    validate_code,
)

# --- status ----------------------------------------------------------------------------------


def change_status(area, new_status, *, reason, by=None):
    """Change an area's status under a row lock and record who, when and why. Raises
    ValidationError (nothing saved) without a reason or when the status would not change."""
    with transaction.atomic():
        locked = GrowingArea.objects.select_for_update().get(pk=area.pk)
        change = locked.change_status(new_status, reason=reason, by=by)
    area.status = locked.status
    return change


# --- import ----------------------------------------------------------------------------------


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


@dataclass
class ImportReport:
    filename: str
    dry_run: bool = False
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    @property
    def saved(self):
        return self.ok and not self.dry_run

    def error_dicts(self, limit=None):
        errors = self.errors if limit is None else self.errors[:limit]
        return [asdict(e) for e in errors]


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

TEXT_LIMITS = {
    "name": 200,
    "crop": 100,
    "variety": 100,
    "village": 120,
    "holder_name": 200,
    "issued_by": 200,
}
MAX_AREA_HA = Decimal("99999999.99")


def holder_type_for(name):
    folded = fold(name)
    for prefixes, kind in _HOLDER_PREFIXES:
        if folded.startswith(prefixes):
            return kind
    return ""


class _RowParser:
    """Turns one row of cells into model field values, collecting every error in the row.
    Place look-ups are cached: a province's file names the same communes again and again."""

    def __init__(self, columns):
        self.columns = columns
        self._places = {}

    def parse(self, line, cells):
        self.line, self.cells, self.errors, self.values = line, cells, [], {}
        for name in ("name", "crop", "holder_name", "issued_by"):
            self._text(name, required=True)
        for name in ("variety", "village"):
            self._text(name)
        self._code()
        self._area()
        self._place()
        self._holder_phone()
        self._households()
        self._dates()
        self._coordinates()
        self._boundary()
        self._status()
        return self.values, self.errors

    # helpers

    def error(self, column, message):
        self.errors.append(RowError(self.line, column, self.columns.get(column, ""), message))

    def has(self, column):
        return column in self.cells

    def text(self, column):
        return as_text(self.cells[column]) if column in self.cells else ""

    def _text(self, column, required=False):
        if column not in self.columns:
            return
        value = " ".join(self.text(column).split())
        if required and not value:
            self.error(column, _("This column is required."))
        elif len(value) > TEXT_LIMITS[column]:
            self.error(
                column,
                _("The text is longer than %(limit)d characters.") % {"limit": TEXT_LIMITS[column]},
            )
        self.values[column] = value

    # columns

    def _code(self):
        code = normalize_code(self.text("code"))
        try:
            validate_code(code)
        except ValidationError as error:
            self.error("code", error.messages[0])
        self.values["code"] = code

    def _area(self):
        if not self.has("area_ha"):
            self.error("area_ha", _("This column is required."))
            return
        try:
            area = parse_decimal(self.text("area_ha"))
        except ValueError:
            self.error(
                "area_ha",
                _("“%(value)s” is not a number of hectares.") % {"value": self.text("area_ha")},
            )
            return
        if area > MAX_AREA_HA:  # checked first: quantizing a huge number would fail
            self.error("area_ha", _("The area is too large."))
            return
        area = area.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if area <= 0:
            self.error("area_ha", _("The area must be greater than zero hectares."))
        self.values["area_ha"] = area

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

    def _holder_phone(self):
        self.values["holder_phone"] = ""
        raw = self.text("holder_phone")
        if not raw:
            return
        digits = re.sub(r"[^\d+]", "", raw)
        try:
            number = phonenumbers.parse(digits, "VN")
            valid = number.country_code == 84 and phonenumbers.is_valid_number(number)
        except phonenumbers.NumberParseException:
            valid = False
        if not valid:
            self.error(
                "holder_phone",
                _("“%(value)s” is not a Vietnamese phone number.") % {"value": raw},
            )
            return
        self.values["holder_phone"] = phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.E164
        )

    def _households(self):
        self.values["households"] = None
        raw = self.text("households")
        if not raw:
            return
        try:
            value = parse_decimal(raw)
        except ValueError:
            value = None
        if value is None or value != value.to_integral_value() or value < 0 or value > 10**6:
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
            return self._plausible(column, value)
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
            return self._plausible(column, date(*parts))
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

    def _plausible(self, column, value):
        # a typo such as 2204 for 2024 is a valid date but not a code's issue or expiry date
        if not 1990 <= value.year <= 2100:
            self.error(
                column,
                _("The year %(year)d is not plausible for a growing-area code.")
                % {"year": value.year},
            )
            return None
        return value

    def _dates(self):
        issued_on = self._date("issued_on", required=True)
        valid_until = self._date("valid_until")
        if issued_on:
            self.values["issued_on"] = issued_on
        self.values["valid_until"] = valid_until
        if issued_on and valid_until and valid_until < issued_on:
            self.error("valid_until", _("The expiry date is before the issue date."))

    def _coordinate(self, column, bounds, message):
        raw = self.text(column)
        if not raw:
            return None
        try:
            value = parse_decimal(raw)
        except ValueError:
            self.error(column, _("“%(value)s” is not a number.") % {"value": raw})
            return None
        if not bounds[0] <= value <= bounds[1]:
            self.error(column, message % {"value": raw})
            return None
        return value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)

    def _coordinates(self):
        latitude = self._coordinate(
            "latitude", VIETNAM_LATITUDE, _("The latitude %(value)s is outside Vietnam.")
        )
        longitude = self._coordinate(
            "longitude", VIETNAM_LONGITUDE, _("The longitude %(value)s is outside Vietnam.")
        )
        self.values["latitude"], self.values["longitude"] = latitude, longitude
        if self.has("latitude") != self.has("longitude"):
            missing = "longitude" if self.has("latitude") else "latitude"
            self.error(missing, _("Give both the latitude and the longitude, or neither."))

    def _boundary(self):
        self.values["boundary"] = None
        raw = self.text("boundary_geojson")
        if not raw:
            return
        try:
            self.values["boundary"] = clean_boundary(raw)
        except ValidationError as error:
            self.error("boundary_geojson", error.messages[0])

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


# Columns of the file -> model fields they fill (province and commune fill both codes).
_FIELDS_OF_COLUMN = {
    "code": (),
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
assert set(_FIELDS_OF_COLUMN) == set(COLUMNS)

PROGRESS_EVERY = 250
QUERY_CHUNK = 500


def _existing_by_code(codes):
    found = {}
    codes = list(codes)
    for start in range(0, len(codes), QUERY_CHUNK):
        chunk = codes[start : start + QUERY_CHUNK]
        found.update((a.code, a) for a in GrowingArea.objects.filter(code__in=chunk))
    return found


def import_growing_areas(data, filename, *, dry_run=False, user=None, progress=None):
    """Import a CSV or XLSX file of growing areas; return an ImportReport.

    All or nothing: when any row is wrong, nothing is saved and ``report.errors`` lists every
    problem with its line and column. Codes already registered are updated in place (a file
    imported twice changes nothing the second time). Columns missing from the file leave the
    existing values alone. ``progress(done, total)`` is called while rows are checked.
    """
    if hasattr(data, "read"):
        data = data.read()
    report = ImportReport(filename=filename, dry_run=dry_run)
    try:
        sheet = read_sheet(data, filename)
    except UnreadableFile as problem:
        report.errors.append(RowError(problem.line or 0, "", "", problem.message))
        return report
    report.total_rows = len(sheet.rows)
    if progress:
        progress(0, report.total_rows)

    parser = _RowParser(sheet.columns)
    parsed, first_line_of = [], {}
    for done, (line, cells) in enumerate(sheet.rows, start=1):
        values, errors = parser.parse(line, cells)
        code = values.get("code")
        if code and code in first_line_of:
            errors.insert(
                0,
                RowError(
                    line,
                    "code",
                    sheet.columns["code"],
                    _("The code %(code)s is already on line %(line)d of this file.")
                    % {"code": code, "line": first_line_of[code]},
                ),
            )
        elif code:
            first_line_of[code] = line
        report.errors.extend(errors)
        parsed.append(values)
        if progress and (done % PROGRESS_EVERY == 0 or done == report.total_rows):
            progress(done, report.total_rows)
    if report.errors:
        return report

    update_fields = sorted(
        {f for column in sheet.columns for f in _FIELDS_OF_COLUMN[column]} | {"holder_type"}
    )
    try:
        _save(parsed, report, update_fields, dry_run=dry_run, user=user)
    except IntegrityError:
        # another import registered one of these codes while this one ran
        report.created = report.updated = report.unchanged = 0
        report.errors.append(
            RowError(
                0,
                "",
                "",
                _("Another import changed the same codes at the same time. Try again."),
            )
        )
    return report


def _update_rows(areas, field_names):
    """UPDATE many rows with one prepared statement run for each (executemany).

    QuerySet.bulk_update builds CASE WHEN expressions whose batches SQLite keeps small; for
    10,000 changed rows that took ~25 s, against about a second this way on either database.
    """
    fields = [GrowingArea._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = (
        f"UPDATE {quote(GrowingArea._meta.db_table)} SET {assignments} "  # noqa: S608 - names only
        f"WHERE {quote(GrowingArea._meta.pk.column)} = %s"
    )
    params = [
        [f.get_db_prep_save(getattr(area, f.attname), connection) for f in fields] + [area.pk]
        for area in areas
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), 1000):
            cursor.executemany(sql, params[start : start + 1000])


def _save(parsed, report, update_fields, *, dry_run, user):
    now = timezone.now()
    created_reason = _("Registered by importing “%(file)s”.") % {"file": report.filename}
    changed_reason = _("Changed by importing “%(file)s”.") % {"file": report.filename}
    with transaction.atomic():
        existing = _existing_by_code(v["code"] for v in parsed)
        to_create, to_update, history = [], [], []
        for values in parsed:
            status = values.pop("status")
            holder_type = holder_type_for(values["holder_name"])
            area = existing.get(values["code"])
            if area is None:
                area = GrowingArea(
                    **values,
                    holder_type=holder_type,
                    status=status or GrowingArea.Status.ACTIVE,
                )
                to_create.append(area)
                continue
            changed = False
            values["holder_type"] = holder_type or area.holder_type
            for name in update_fields:
                new = values[name]
                if getattr(area, name) != new:
                    setattr(area, name, new)
                    changed = True
            if status and status != area.status:
                history.append(
                    StatusChange(
                        area=area,
                        from_status=area.status,
                        to_status=status,
                        reason=changed_reason,
                        changed_by=user,
                        changed_at=now,
                    )
                )
                area.status = status
                changed = True
            if changed:
                area.updated_at = now
                to_update.append(area)
            else:
                report.unchanged += 1
        report.created, report.updated = len(to_create), len(to_update)
        if dry_run:
            return
        GrowingArea.objects.bulk_create(to_create, batch_size=QUERY_CHUNK)
        if any(a.pk is None for a in to_create):
            ids = {a.code: a.pk for a in _existing_by_code(a.code for a in to_create).values()}
            for area in to_create:
                area.pk = ids[area.code]
        history.extend(
            StatusChange(
                area=area,
                from_status="",
                to_status=area.status,
                reason=created_reason,
                changed_by=user,
                changed_at=now,
            )
            for area in to_create
        )
        if to_update:
            _update_rows(to_update, [*update_fields, "status", "updated_at"])
        StatusChange.objects.bulk_create(history, batch_size=QUERY_CHUNK)


# --- expiry ----------------------------------------------------------------------------------

DIGEST_LIMIT = 50


def expiry_digest(today=None):
    """(subject, body) of the message about areas and certifications expiring within 60 days,
    or None when nothing expires."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=EXPIRY_WARNING_DAYS)
    areas = list(
        GrowingArea.objects.exclude(status=GrowingArea.Status.REVOKED)
        .expiring_within(EXPIRY_WARNING_DAYS, today)
        .order_by("valid_until", "code")
        .only("code", "name", "commune_code", "province_code", "valid_until")
    )
    certificates = list(
        Certification.objects.filter(valid_until__gte=today, valid_until__lte=horizon)
        .exclude(area__status=GrowingArea.Status.REVOKED)
        .select_related("area")
        .order_by("valid_until", "area__code")
    )
    if not areas and not certificates:
        return None
    subject = _("Growing areas expiring before %(date)s") % {"date": date_format(horizon, "d/m/Y")}
    lines = []
    if areas:
        lines.append(
            _("%(count)d growing-area codes expire within %(days)d days:")
            % {"count": len(areas), "days": EXPIRY_WARNING_DAYS}
        )
        lines += [
            f"- {a.code} · {a.name} ({a.location_text}): {date_format(a.valid_until, 'd/m/Y')}"
            for a in areas[:DIGEST_LIMIT]
        ]
        if len(areas) > DIGEST_LIMIT:
            lines.append(_("… and %(count)d more.") % {"count": len(areas) - DIGEST_LIMIT})
    if certificates:
        if lines:
            lines.append("")
        lines.append(
            _("%(count)d certifications expire within %(days)d days:")
            % {"count": len(certificates), "days": EXPIRY_WARNING_DAYS}
        )
        lines += [
            f"- {c.area.code} · {c.get_scheme_display()} {c.number}: "
            f"{date_format(c.valid_until, 'd/m/Y')}"
            for c in certificates[:DIGEST_LIMIT]
        ]
        if len(certificates) > DIGEST_LIMIT:
            lines.append(_("… and %(count)d more.") % {"count": len(certificates) - DIGEST_LIMIT})
    return subject, "\n".join(lines)


def notify_expiring(today=None):
    """Tell moderators what expires within 60 days; at most once a day, so a retried or
    doubled task does not send the message twice. Returns the notifications sent."""
    from accounts.models import Notification
    from accounts.notifications import notify_role
    from accounts.roles import Role

    today = today or timezone.localdate()
    digest = expiry_digest(today)
    if digest is None:
        return []
    subject, body = digest
    # the subject names the day (its horizon), so one row per day says it was sent
    if Notification.objects.filter(subject=subject[:200]).exists():
        return []
    return notify_role(Role.MODERATOR, subject, body)
