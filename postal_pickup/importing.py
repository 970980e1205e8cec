"""Importing post offices from a CSV or XLSX file, all or nothing, like the growing areas: the
file is read by the growing areas' reader (same limits, encodings and guards), each row is
judged by the PostOffice model's own validators, every problem is reported with its line and
column, and nothing is saved unless every row is good.

Columns (first row): ``code``, ``name``, ``phone``, ``province`` and ``commune`` (2025 codes),
``village``, ``street``, ``served_communes`` (2025 commune codes separated by ";") and, if
wanted, ``staff_phones`` (postal staff accounts' phone numbers separated by ";"). A known code
updates that office: its served communes become the file's list, the staff listed are added
(nobody is removed here). A commune served by an office that is not in the file is an error;
two rows may not serve the same commune.
"""

import re
from dataclasses import dataclass, field

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.phone import normalize_phone
from accounts.roles import Role
from growing_areas.importing import UnreadableFile, as_text, read_sheet
from growing_areas.importing.rows import RowError
from places import divisions

from .models import PostOffice, ServedCommune

COLUMNS = (
    "code",
    "name",
    "phone",
    "province",
    "commune",
    "village",
    "street",
    "served_communes",
    "staff_phones",
)
REQUIRED_COLUMNS = ("code", "name", "province", "commune", "served_communes")
# A model field's error is reported on the column it was read from.
COLUMN_OF_FIELD = {"province_code": "province", "commune_code": "commune"}
_LIST_SEPARATOR = re.compile(r"[;\n]")
_MODEL_FIELDS = ("code", "name", "phone", "province_code", "commune_code", "village", "street")


@dataclass
class OfficeImport:
    filename: str
    dry_run: bool = False
    rows: list = field(default_factory=list)  # (line, values) of the good rows
    errors: list = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def ok(self):
        return not self.errors

    @property
    def saved(self):
        return self.ok and not self.dry_run


def _split(text):
    return [part.strip() for part in _LIST_SEPARATOR.split(text) if part.strip()]


def _office_phone(text):
    """An office's number, landline or mobile, as +84…; ValueError when it is none."""
    try:
        number = phonenumbers.parse(re.sub(r"[^\d+]", "", text), "VN")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(text) from exc
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        raise ValueError(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class _Row:
    """One row into an office's values, collecting the first problem of each column."""

    def __init__(self, line, cells, columns):
        self.line, self.cells, self.columns = line, cells, columns
        self.errors = {}

    def text(self, column):
        return " ".join(as_text(self.cells[column]).split()) if column in self.cells else ""

    def code(self, column, width):
        """A division code; a number cell lost its leading zeros in Excel (4672 -> 04672)."""
        value = self.cells.get(column)
        if isinstance(value, int | float) and float(value).is_integer():
            return str(int(value)).zfill(width)
        return self.text(column)

    def error(self, column, message):
        self.errors.setdefault(column, str(message))

    def parse(self):
        values = {
            "code": self.text("code").upper().replace(" ", ""),
            "name": self.text("name"),
            "province_code": self.code("province", 2),
            "commune_code": self.code("commune", 5),
            "village": self.text("village"),
            "street": self.text("street"),
            "phone": "",
        }
        for column, key in (("code", "code"), ("name", "name")):
            if not values[key]:
                self.error(column, _("This column is required."))
        if phone := self.text("phone"):
            try:
                values["phone"] = _office_phone(phone)
            except ValueError:
                self.error(
                    "phone",
                    _("“%(value)s” is not a Vietnamese phone number.") % {"value": phone},
                )
        self._place(values)
        self._judge(values)
        values["served"] = self._served()
        values["staff"] = self._staff()
        return values

    def _place(self, values):
        province, commune = values["province_code"], values["commune_code"]
        if not province:
            self.error("province", _("This column is required."))
        elif divisions.province(province) is None:
            self.error("province", _("“%(value)s” is not a province code.") % {"value": province})
        if not commune:
            self.error("commune", _("This column is required."))
        elif divisions.commune(commune) is None:
            self.error("commune", _("“%(value)s” is not a commune code.") % {"value": commune})

    def _judge(self, values):
        """The model's own verdict (lengths, the commune in the province)."""
        office = PostOffice(**{key: values[key] for key in _MODEL_FIELDS})
        checks = [lambda: office.clean_fields(exclude=["staff"])]
        if not self.errors.keys() & {"province", "commune"}:
            checks.append(office.clean)  # the commune in the province, once both are codes
        for check in checks:
            try:
                check()
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    self.error(COLUMN_OF_FIELD.get(name, name), messages[0])
        for key in _MODEL_FIELDS:
            values[key] = getattr(office, key)

    def _served(self):
        codes = [c.zfill(5) if c.isdigit() else c for c in _split(self.code("served_communes", 5))]
        if not codes:
            self.error("served_communes", _("List the communes the office serves."))
        unknown = [code for code in codes if divisions.commune(code) is None]
        if unknown:
            self.error(
                "served_communes",
                _("Not 2025 commune codes: %(codes)s. Separate the codes with “;”.")
                % {"codes": ", ".join(unknown)},
            )
        return list(dict.fromkeys(codes))

    def _staff(self):
        phones = []
        for raw in _split(self.text("staff_phones")):
            try:
                phones.append(normalize_phone(raw))
            except ValidationError:
                self.error(
                    "staff_phones",
                    _("“%(value)s” is not a mobile number.") % {"value": raw},
                )
        return phones

    def row_errors(self):
        return [
            RowError(self.line, column, self.columns.get(column, ""), self.errors[column])
            for column in COLUMNS
            if column in self.errors
        ]


def _across_rows(report, columns):
    """The rules between rows and with the offices already registered: a code once per file,
    a commune served once, by an office of the file or by none, staff who are postal staff."""
    letter = columns.get
    seen_codes, served_by = {}, {}
    for line, values in report.rows:
        if values["code"] in seen_codes:
            report.errors.append(
                RowError(
                    line,
                    "code",
                    letter("code", ""),
                    _("The code %(code)s is also on line %(line)d.")
                    % {"code": values["code"], "line": seen_codes[values["code"]]},
                )
            )
        seen_codes.setdefault(values["code"], line)
        for commune in values["served"]:
            if commune in served_by:
                report.errors.append(
                    RowError(
                        line,
                        "served_communes",
                        letter("served_communes", ""),
                        _("The commune %(commune)s is also served by the office on line %(line)d.")
                        % {"commune": commune, "line": served_by[commune]},
                    )
                )
            served_by.setdefault(commune, line)
    taken = ServedCommune.objects.filter(commune_code__in=served_by).exclude(
        office__code__in=seen_codes
    )
    for served in taken.select_related("office"):
        commune = divisions.commune(served.commune_code)
        report.errors.append(
            RowError(
                served_by[served.commune_code],
                "served_communes",
                letter("served_communes", ""),
                _(
                    "%(commune)s (%(code)s) is already served by %(office)s (%(office_code)s), "
                    "which is not in this file. Take it off that office first."
                )
                % {
                    "commune": commune.full_name if commune else served.commune_code,
                    "code": served.commune_code,
                    "office": served.office.name,
                    "office_code": served.office.code,
                },
            )
        )
    phones = {phone for _line, values in report.rows for phone in values["staff"]}
    staff = set(
        User.objects.filter(phone__in=phones, groups__name=Role.POSTAL_STAFF.value).values_list(
            "phone", flat=True
        )
    )
    for line, values in report.rows:
        missing = [phone for phone in values["staff"] if phone not in staff]
        if missing:
            report.errors.append(
                RowError(
                    line,
                    "staff_phones",
                    letter("staff_phones", ""),
                    _("No postal staff account has the number %(phones)s.")
                    % {"phones": ", ".join(missing)},
                )
            )
    report.errors.sort(key=lambda e: (e.line, COLUMNS.index(e.column) if e.column else -1))


def _save(report):
    codes = [values["code"] for _line, values in report.rows]
    with transaction.atomic():
        existing = {
            o.code: o for o in PostOffice.objects.select_for_update().filter(code__in=codes)
        }
        # the file says which communes its offices serve: theirs are written anew
        ServedCommune.objects.filter(office__in=existing.values()).delete()
        staff = {
            user.phone: user
            for user in User.objects.filter(
                phone__in={p for _line, values in report.rows for p in values["staff"]}
            )
        }
        for _line, values in report.rows:
            office = existing.get(values["code"])
            fields = {key: values[key] for key in _MODEL_FIELDS}
            if office is None:
                office = PostOffice.objects.create(**fields)
                report.created += 1
            else:
                for key, value in fields.items():
                    setattr(office, key, value)
                office.save()
                report.updated += 1
            ServedCommune.objects.bulk_create(
                ServedCommune(office=office, commune_code=code) for code in values["served"]
            )
            office.staff.add(*(staff[phone] for phone in values["staff"]))


def import_offices(data, filename, *, dry_run=False):
    """Read, check and (unless ``dry_run`` or any row is bad) save the post offices of the
    file. Returns an OfficeImport whose ``errors`` say what is wrong, line by line."""
    report = OfficeImport(filename=filename, dry_run=dry_run)
    try:
        sheet = read_sheet(data, filename, COLUMNS, REQUIRED_COLUMNS)
    except UnreadableFile as unreadable:
        report.errors.append(RowError(unreadable.line or 0, "", "", unreadable.message))
        return report
    for line, cells in sheet.rows:
        row = _Row(line, cells, sheet.columns)
        values = row.parse()
        report.errors.extend(row.row_errors())
        report.rows.append((line, values))
    _across_rows(report, sheet.columns)
    if report.errors:
        report.rows = []
        return report
    if dry_run:
        known = set(
            PostOffice.objects.filter(
                code__in=[values["code"] for _line, values in report.rows]
            ).values_list("code", flat=True)
        )
        report.updated = sum(1 for _line, values in report.rows if values["code"] in known)
        report.created = len(report.rows) - report.updated
        return report
    try:
        _save(report)
    except IntegrityError:  # another import or an admin edit took a commune meanwhile
        report.created = report.updated = 0
        report.errors.append(
            RowError(
                0,
                "",
                "",
                _(
                    "Someone changed the post offices while the file was saved. Nothing was "
                    "saved: import the file again."
                ),
            )
        )
    return report
