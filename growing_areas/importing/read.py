"""Reading the province's spreadsheets (CSV or XLSX) into rows of text, with the guards that keep
a bad file from eating the machine: size, row and column limits, empty-row runs, the unpacked
size of a workbook (zip bombs) and of a cell, and files whose content does not match their
name."""

import codecs
import csv
import io
import itertools
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from places.divisions import fold

COLUMNS = (
    "code",
    "name",
    "crop",
    "variety",
    "area_ha",
    "province",
    "commune",
    "village",
    "holder_name",
    "holder_phone",
    "households",
    "issued_by",
    "issued_on",
    "valid_until",
    "latitude",
    "longitude",
    "boundary_geojson",
    "status",
)
REQUIRED_COLUMNS = (
    "code",
    "name",
    "crop",
    "area_ha",
    "commune",
    "holder_name",
    "issued_by",
    "issued_on",
)

# More columns than this in a header is a sheet that is not ours (or a broken one).
MAX_COLUMNS = 200
# A run of this many empty rows means the sheet is padded, not a table with gaps in it.
MAX_EMPTY_RUN = 1000
XLSX_MAGIC = b"PK\x03\x04"
# A boundary polygon can be a long cell; the csv module's default cap is 128 KB.
csv.field_size_limit(max(csv.field_size_limit(), 2 * 1024 * 1024))
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format


def max_rows():
    return getattr(settings, "GROWING_AREA_IMPORT_MAX_ROWS", 50_000)


def max_bytes():
    return getattr(settings, "GROWING_AREA_IMPORT_MAX_BYTES", 20 * 1024 * 1024)


def max_unpacked_bytes():
    """Most bytes all the parts of a workbook may unpack to (the sheet's XML above all)."""
    return getattr(settings, "GROWING_AREA_IMPORT_MAX_UNPACKED_BYTES", 200 * 1024 * 1024)


def max_shared_strings_bytes():
    """Most bytes a workbook's shared-strings part may unpack to: openpyxl holds it in memory."""
    return getattr(settings, "GROWING_AREA_IMPORT_MAX_SHARED_STRINGS_BYTES", 50 * 1024 * 1024)


def max_cell_chars():
    return getattr(settings, "GROWING_AREA_IMPORT_MAX_CELL_CHARS", 300_000)


class UnreadableFile(Exception):  # noqa: N818 - it is the reason, not an error in our code
    """The file as a whole cannot be read; ``message`` says why in the user's language."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Sheet:
    """The header's known columns and the non-empty data rows, each as (line, {column: value}).
    Values are kept as read: text from CSV, typed values (numbers, dates) from XLSX. From
    ``open_sheet`` the rows are an iterator that reads the file as it goes (and raises
    UnreadableFile where the file goes wrong); from ``read_sheet`` they are a list."""

    columns: dict  # column name -> letter, e.g. {"code": "A"}
    rows: Iterable = field(default_factory=list)


def column_letter(index):
    """0 -> "A", 27 -> "AB"."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _header_key(value):
    return fold(str(value or "")).replace(" ", "_")


def _is_empty(value):
    return value is None or (isinstance(value, str) and not value.strip())


@contextmanager
def _binary_stream(data):
    """``data`` (bytes or a binary file) as a seekable binary stream at its start, and its size.
    A file that cannot seek (a network stream) is copied to a temporary file first: the
    workbook reader needs to seek, and the size is checked before anything is read."""
    if isinstance(data, bytes | bytearray | memoryview):
        yield io.BytesIO(data), len(data)
        return
    if hasattr(data, "seekable") and data.seekable():
        size = data.seek(0, io.SEEK_END)
        data.seek(0)
        yield data, size
        return
    with tempfile.TemporaryFile() as copy:
        shutil.copyfileobj(data, copy)
        size = copy.tell()
        copy.seek(0)
        yield copy, size


@contextmanager
def open_sheet(data, filename, columns=COLUMNS, required=REQUIRED_COLUMNS):
    """Open ``data`` (bytes or a binary file) named ``filename`` as a Sheet whose rows are read
    as they are iterated, never the whole file at once; raise UnreadableFile when the file,
    its header or a row goes wrong (a row's problem is raised when the iteration reaches it,
    and a sheet without data rows when it ends). ``columns`` are the header names known (others
    are ignored), ``required`` those the first row must name: the growing areas' by default;
    other imports (post offices) give theirs."""
    with (
        _binary_stream(data) as (stream, size),
        _open_stream(stream, size, filename, columns, required) as sheet,
    ):
        yield sheet


@contextmanager
def _open_stream(stream, size, filename, columns, required):
    if size > max_bytes():
        raise UnreadableFile(
            _("The file is larger than %(size)d MB. Split it into smaller files.")
            % {"size": max_bytes() // (1024 * 1024)}
        )
    start = stream.read(len(XLSX_MAGIC))
    stream.seek(0)
    name = (filename or "").lower()
    is_xlsx_content = start.startswith(XLSX_MAGIC)
    if start.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise UnreadableFile(
            _("Old Excel files (.xls) cannot be read. In Excel, save the file as .xlsx or CSV.")
        )
    if name.endswith(".xlsx") or name.endswith(".xlsm"):
        if not is_xlsx_content:
            raise UnreadableFile(
                _("The file is named .xlsx but is not an Excel workbook. Check the file.")
            )
        with _open_xlsx(stream, columns, required) as sheet:
            yield sheet
        return
    if name.endswith(".csv") or name.endswith(".txt"):
        if is_xlsx_content:
            raise UnreadableFile(
                _("The file is named .csv but is an Excel workbook. Rename it to .xlsx.")
            )
        with _open_csv(stream, columns, required) as sheet:
            yield sheet
        return
    raise UnreadableFile(_("Upload a CSV (.csv) or Excel (.xlsx) file."))


def read_sheet(data, filename, columns=COLUMNS, required=REQUIRED_COLUMNS):
    """The whole of ``open_sheet``'s Sheet, its rows in a list: for the small files (post
    offices) whose rules look at all the rows together."""
    with open_sheet(data, filename, columns, required) as sheet:
        return Sheet(columns=sheet.columns, rows=list(sheet.rows))


def _text_lines(text):
    """The lines of ``text`` (a text stream), refusing binary data and text not in the
    encoding as they come."""
    try:
        for line in text:
            if "\x00" in line:
                raise UnreadableFile(_("The file holds binary data, not CSV text."))
            yield line
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            _(
                "The file is not text in UTF-8. In Excel, choose “Save as” and "
                "“CSV UTF-8 (comma delimited)”."
            )
        ) from exc


def _columns_of(header, known=COLUMNS, required=REQUIRED_COLUMNS):
    """The header's known columns: (name -> letter, name -> index), or UnreadableFile naming
    the required columns it lacks."""
    header = list(header or [])
    if len(header) > MAX_COLUMNS:
        header = header[:MAX_COLUMNS]
    columns, positions = {}, {}
    for index, title in enumerate(header):
        key = _header_key(title)
        if key in known and key not in columns:
            columns[key] = column_letter(index)
            positions[key] = index
    missing = [c for c in required if c not in columns]
    if missing:
        raise UnreadableFile(
            _(
                "The first row must name the columns. Missing: %(columns)s. "
                "See the list of columns in the import instructions."
            )
            % {"columns": ", ".join(missing)},
            line=1,
        )
    return columns, positions


def _data_rows(rows, columns, positions):
    """The non-empty rows of ``rows`` ((line, cells) pairs) as (line, {column: value}), one at a
    time, with the guards on rows and cells."""
    empty_run = 0
    count = 0
    limit = max_rows()
    cell_limit = max_cell_chars()
    for line, row in rows:
        values = {}
        for key, index in positions.items():
            value = row[index] if index < len(row) else None
            if isinstance(value, str) and len(value) > cell_limit:
                raise UnreadableFile(
                    _(
                        "The cell on line %(line)d, column %(column)s holds more than "
                        "%(count)d characters. Check that column."
                    )
                    % {"line": line, "column": f"{key} ({columns[key]})", "count": cell_limit},
                    line=line,
                )
            if not _is_empty(value):
                values[key] = value.strip() if isinstance(value, str) else value
        if not values:
            empty_run += 1
            if empty_run >= MAX_EMPTY_RUN:
                raise UnreadableFile(
                    _(
                        "From line %(line)d on the sheet holds more than %(count)d empty rows. "
                        "Delete the empty rows (or copy only the table into a new sheet) "
                        "and upload it again."
                    )
                    % {"line": line - empty_run + 1, "count": MAX_EMPTY_RUN},
                    line=line - empty_run + 1,
                )
            continue
        empty_run = 0
        if count >= limit:
            raise UnreadableFile(
                _("The file has more than %(count)d rows. Split it into smaller files.")
                % {"count": limit},
                line=line,
            )
        count += 1
        yield line, values
    if not count:
        raise UnreadableFile(_("The file has no rows of data under the header."), line=2)


@contextmanager
def _open_csv(stream, known, required):
    start = stream.read(2)
    stream.seek(0)
    is_utf16 = start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    encoding = "utf-16" if is_utf16 else "utf-8-sig"
    # newline="": the csv module finds the ends of rows itself (a quoted cell may hold one)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        lines = _text_lines(text)
        first_line = next(lines, "")
        # Vietnamese Excel writes ";" when the decimal separator is a comma
        delimiter = max(",;\t", key=first_line.split("\n", 1)[0].count)
        reader = csv.reader(
            itertools.chain([first_line] if first_line else [], lines),
            delimiter=delimiter,
            strict=True,
        )

        def broken(exc):
            return UnreadableFile(
                _("The CSV file is broken near line %(line)d: %(reason)s")
                % {"line": reader.line_num, "reason": exc},
                line=reader.line_num,
            )

        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise broken(exc) from exc
        if header is None:
            raise UnreadableFile(_("The file is empty."))
        columns, positions = _columns_of(header, known, required)

        def records():
            try:
                yield from enumerate(reader, start=2)
            except csv.Error as exc:
                raise broken(exc) from exc

        yield Sheet(columns=columns, rows=_data_rows(records(), columns, positions))
    finally:
        text.detach()  # the caller's file stays open


def _cell(value):
    if isinstance(value, datetime):
        return value.date() if not value.time() else value
    return value


def _check_unpacked_sizes(stream):
    """Refuse a workbook whose parts unpack to more than the limits, before openpyxl opens
    it: a 1 MB file of repeated text can unpack to gigabytes. The sizes the zip declares are
    enough to check, because zipfile never returns more bytes than a member declares (it
    stops there and fails on the checksum, which reads as a damaged file)."""
    try:
        members = zipfile.ZipFile(stream).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile(_("The Excel file cannot be opened: it is damaged.")) from exc
    finally:
        stream.seek(0)
    total, limit = 0, max_unpacked_bytes()
    shared_limit = max_shared_strings_bytes()
    for member in members:
        total += member.file_size
        too_big = total > limit
        is_shared_strings = member.filename.lower().endswith("sharedstrings.xml")
        if is_shared_strings and member.file_size > shared_limit:
            too_big, limit = True, shared_limit
        if too_big:
            raise UnreadableFile(
                _(
                    "The Excel file unpacks to more than %(size)s. Split it into smaller "
                    "files, or save it as CSV."
                )
                % {"size": filesizeformat(limit)}
            )


@contextmanager
def _open_xlsx(stream, known, required):
    from openpyxl import load_workbook

    _check_unpacked_sizes(stream)
    try:
        # read_only: the sheet is parsed as its rows are asked for, not loaded whole
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise UnreadableFile(_("The Excel file cannot be opened: it is damaged.")) from exc
    except Exception as exc:  # openpyxl raises assorted errors on files it cannot parse
        raise UnreadableFile(_("The Excel file cannot be opened: it is damaged.")) from exc
    damaged = _("The Excel file cannot be read: it is damaged.")
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise UnreadableFile(_("The Excel file has no sheet."))
        # The stored dimension may claim a million rows; read what is really there.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        try:
            header = next(rows, None)
        except Exception as exc:  # a damaged part of the workbook
            raise UnreadableFile(damaged) from exc
        if header is None:
            raise UnreadableFile(_("The file is empty."))
        columns, positions = _columns_of(header, known, required)

        def records():
            try:
                for number, row in enumerate(rows, start=2):
                    yield number, [_cell(v) for v in row]
            except Exception as exc:  # a damaged part of the workbook, found while streaming
                raise UnreadableFile(damaged) from exc

        yield Sheet(columns=columns, rows=_data_rows(records(), columns, positions))
    finally:
        workbook.close()


def as_text(value):
    """A cell as text, the way a person would have typed it (an XLSX number 15 -> "15")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()
