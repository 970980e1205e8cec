"""Workbooks that unpack far beyond their size (zip bombs) and oversized cells are refused with
one clear message before they are read."""

import io
import struct
import zipfile

import pytest

from growing_areas.models import GrowingArea
from growing_areas.services import import_growing_areas

from .conftest import HEADER, csv_bytes, good_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def padded_workbook(rows, note_length):
    """A valid workbook whose rows carry a long, highly compressible "ghi chú" cell."""
    padded = []
    for row in rows:
        row = dict(row)
        row["ghi chú"] = "a" * note_length
        padded.append(row)
    return xlsx_bytes(padded, header=[*HEADER, "ghi chú"])


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused(settings):
    data = padded_workbook([good_row(code=f"A-{n}") for n in range(40)], note_length=20_000)
    unpacked = sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert len(data) < 50_000 < 800_000 < unpacked  # small on disk, big once unpacked
    settings.GROWING_AREA_IMPORT_MAX_UNPACKED_BYTES = 500_000
    report = import_growing_areas(data, "bom.xlsx")
    assert not report.ok
    assert [e.message for e in report.errors] == [
        "Tệp Excel khi giải nén lớn hơn 488,3\xa0KB. Hãy chia thành các tệp nhỏ hơn, "
        "hoặc lưu thành CSV."
    ]
    assert not GrowingArea.objects.exists()
    settings.GROWING_AREA_IMPORT_MAX_UNPACKED_BYTES = 2 * unpacked
    assert import_growing_areas(data, "bom.xlsx").ok  # the same file under a higher limit


def with_shared_strings(data, count):
    """The workbook with a shared-strings part of ``count`` strings, as Excel writes one."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member, source.read(member))
        strings = "".join(f"<si><t>Vùng chè số {n}</t></si>" for n in range(count))
        target.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main" count="{count}" uniqueCount="{count}">{strings}</sst>',
        )
    return buffer.getvalue()


def test_shared_strings_beyond_their_own_limit_are_refused(settings):
    data = with_shared_strings(xlsx_bytes([good_row()]), count=2000)
    sizes = {m.filename: m.file_size for m in zipfile.ZipFile(io.BytesIO(data)).infolist()}
    assert sizes["xl/sharedStrings.xml"] > 40_000
    settings.GROWING_AREA_IMPORT_MAX_SHARED_STRINGS_BYTES = 40_000
    report = import_growing_areas(data, "vung.xlsx")
    assert not report.ok and "giải nén lớn hơn 39,1\xa0KB" in report.errors[0].message
    settings.GROWING_AREA_IMPORT_MAX_SHARED_STRINGS_BYTES = 1_000_000
    assert import_growing_areas(data, "vung.xlsx").ok


def test_a_member_lying_about_its_size_reads_as_a_damaged_file():
    data = bytearray(padded_workbook([good_row()], note_length=200_000))
    sheet = b"xl/worksheets/sheet1.xml"
    # declare the sheet 100 bytes long, in the local header and in the central directory
    local = data.find(b"PK\x03\x04" + data[4:8])
    while local != -1:
        name_length = struct.unpack_from("<H", data, local + 26)[0]
        if data[local + 30 : local + 30 + name_length] == sheet:
            struct.pack_into("<I", data, local + 22, 100)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_length] == sheet:
            struct.pack_into("<I", data, central + 24, 100)
        central = data.find(b"PK\x01\x02", central + 4)
    report = import_growing_areas(bytes(data), "vung.xlsx")
    assert not report.ok and "bị hỏng" in report.errors[0].message


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_cell_longer_than_the_limit_is_refused_with_its_place(settings, kind):
    settings.GROWING_AREA_IMPORT_MAX_CELL_CHARS = 1000
    rows = [good_row(code="A-1"), good_row(code="A-2", village="x" * 1001)]
    data = csv_bytes(rows) if kind == "csv" else xlsx_bytes(rows)
    report = import_growing_areas(data, f"vung.{kind}")
    assert not report.ok
    assert report.errors[0].line == 3
    assert "dòng 3, cột village (H)" in report.errors[0].message
    assert "1000 ký tự" in report.errors[0].message
    assert not GrowingArea.objects.exists()
