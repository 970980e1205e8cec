"""The spreadsheet import: every rule, all or nothing, a report of every problem, re-import."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from growing_areas.models import GrowingArea, StatusChange
from growing_areas.services import import_growing_areas

from .conftest import HEADER, csv_bytes, good_row, xlsx_bytes

pytestmark = pytest.mark.django_db

POLYGON = {
    "type": "Polygon",
    "coordinates": [[[104.65, 21.63], [104.67, 21.63], [104.67, 21.64], [104.65, 21.63]]],
}


def run(rows, **kwargs):
    return import_growing_areas(csv_bytes(rows), "vung-trong.csv", **kwargs)


def errors_by_line(report):
    found = {}
    for error in report.errors:
        found.setdefault(error.line, []).append(error)
    return found


def test_a_good_file_creates_every_area_with_its_fields(moderator):
    rows = [
        good_row(boundary_geojson=json.dumps(POLYGON)),
        good_row(
            code="lc-mcc 002",
            commune="04456",
            province="",
            issued_on="2024-03-01",
            valid_until="",
            status="suspended",
            latitude="",
            longitude="",
            holder_name="Hộ ông Giàng A Páo",
        ),
    ]
    report = run(rows, user=moderator)
    assert report.ok, report.errors
    assert (report.total_rows, report.created, report.updated) == (2, 2, 0)
    tea = GrowingArea.objects.get(code="LC-VC-001")
    assert tea.area_ha == Decimal("12.50")  # decimal comma
    assert (tea.province_code, tea.commune_code) == ("15", "04672")
    assert tea.issued_on == date(2024, 7, 1)  # DD/MM/YYYY
    assert tea.valid_until == date(2029, 6, 30)  # YYYY-MM-DD
    assert tea.latitude == Decimal("21.635200")
    assert tea.holder_phone == "+84912345678"
    assert tea.holder_type == GrowingArea.HolderType.COOPERATIVE
    assert tea.boundary == POLYGON
    assert tea.status == GrowingArea.Status.ACTIVE  # the default
    other = GrowingArea.objects.get(code="LC-MCC002")  # normalised
    assert other.status == GrowingArea.Status.SUSPENDED
    assert other.holder_type == GrowingArea.HolderType.HOUSEHOLD
    assert other.commune.name == "Xã Mù Cang Chải"
    registered = StatusChange.objects.get(area=other)
    assert registered.to_status == "suspended" and registered.changed_by == moderator


def test_old_three_level_names_are_converted():
    rows = [good_row(commune="Xã Suối Giàng, Huyện Văn Chấn", province="Tỉnh Yên Bái")]
    report = run(rows)
    assert report.ok, report.errors
    area = GrowingArea.objects.get()
    assert (area.province_code, area.commune_code) == ("15", "04672")


def test_old_commune_names_with_the_new_province_are_converted():
    report = run([good_row(commune="Xã Suối Giàng, Huyện Văn Chấn", province="Lào Cai")])
    assert report.ok, report.errors
    assert GrowingArea.objects.get().commune_code == "04672"
    refused = run([good_row(commune="Xã Suối Giàng, Huyện Văn Chấn", province="Sơn La")])
    assert [e.column for e in refused.errors] == ["commune"]


def test_an_old_commune_divided_among_several_is_a_row_error_listing_them():
    rows = [good_row(commune="Xã Yên Định, Huyện Bắc Mê", province="Hà Giang")]
    report = run(rows)
    assert [(e.column, e.message) for e in report.errors] == [
        (
            "commune",
            "“Xã Yên Định, Huyện Bắc Mê, Tỉnh Hà Giang” đã được chia cho nhiều xã/phường của "
            "Tỉnh Tuyên Quang: Xã Minh Ngọc, Xã Ngọc Đường. Hãy ghi tên hoặc mã của xã/phường mới.",
        )
    ]
    assert not GrowingArea.objects.exists()
    assert run([good_row(commune="Xã Ngọc Đường", province="Tuyên Quang")]).ok


def test_names_without_diacritics_and_codes_are_accepted():
    rows = [
        good_row(code="A-1", commune="xa van chan", province="lao cai"),
        good_row(code="A-2", commune="4672", province="15"),
    ]
    report = run(rows)
    assert report.ok, report.errors
    assert set(GrowingArea.objects.values_list("commune_code", flat=True)) == {"04672"}


def test_an_ambiguous_commune_name_needs_the_province():
    report = run([good_row(commune="Phường Nghĩa Lộ", province="")])
    assert not report.ok
    assert report.errors[0].column == "province"
    assert "Lào Cai" in report.errors[0].message and "Quảng Ngãi" in report.errors[0].message
    assert run([good_row(commune="Phường Nghĩa Lộ", province="Lào Cai")]).ok


@pytest.mark.parametrize(
    ("overrides", "column", "words"),
    [
        ({"code": "LC_VC/001"}, "code", "không phải mã số vùng trồng hợp lệ"),
        ({"code": ""}, "code", "Nhập mã số vùng trồng"),
        ({"commune": "Xã Không Có Thật"}, "commune", "Không có xã"),
        ({"commune": "99999"}, "commune", "không phải là mã xã"),
        ({"commune": "04672", "province": "14"}, "commune", "không thuộc tỉnh đã chọn"),
        ({"province": "Tỉnh Atlantis", "commune": "04672"}, "province", "Không có tỉnh"),
        ({"province": "Sơn La"}, "commune", "không thuộc Tỉnh Sơn La mà thuộc Tỉnh Lào Cai"),
        ({"area_ha": "0"}, "area_ha", "lớn hơn 0"),
        ({"area_ha": "-3,5"}, "area_ha", "lớn hơn 0"),
        ({"area_ha": "mười"}, "area_ha", "không phải số héc-ta"),
        ({"area_ha": "1e30"}, "area_ha", "quá lớn"),
        ({"area_ha": "NaN"}, "area_ha", "không phải số héc-ta"),
        ({"latitude": "48.85"}, "latitude", "nằm ngoài Việt Nam"),
        ({"longitude": "2.35"}, "longitude", "nằm ngoài Việt Nam"),
        ({"longitude": ""}, "longitude", "cả vĩ độ và kinh độ"),
        (
            {"boundary_geojson": '{"type": "Point", "coordinates": [104.6, 21.6]}'},
            "boundary_geojson",
            "GeoJSON",
        ),
        ({"boundary_geojson": "[[1,2]"}, "boundary_geojson", "GeoJSON"),
        ({"issued_on": "2025-03-01", "valid_until": "01/02/2025"}, "valid_until", "trước ngày cấp"),
        ({"issued_on": "31/02/2024"}, "issued_on", "không phải là ngày"),
        ({"issued_on": "March 2024"}, "issued_on", "không phải là ngày"),
        ({"valid_until": "30/06/2204"}, "valid_until", "Năm 2204"),
        ({"issued_on": ""}, "issued_on", "bắt buộc"),
        ({"status": "closed"}, "status", "không phải trạng thái"),
        ({"holder_phone": "12345"}, "holder_phone", "không phải số điện thoại"),
        ({"households": "2,5"}, "households", "số nguyên"),
        ({"name": ""}, "name", "bắt buộc"),
    ],
)
def test_each_bad_value_is_reported_in_vietnamese_and_nothing_is_saved(overrides, column, words):
    report = run([good_row(code="GOOD-1"), good_row(**{"code": "GOOD-2", **overrides})])
    assert not report.ok
    assert [(e.line, e.column) for e in report.errors] == [(3, column)]
    assert words in report.errors[0].message
    assert report.errors[0].letter == "ABCDEFGHIJKLMNOPQR"[HEADER.index(column)]
    assert not GrowingArea.objects.exists()


def test_every_bad_row_is_reported_at_once_and_nothing_is_saved():
    rows = [
        good_row(code="OK-1"),
        good_row(code="BAD 1", area_ha="0", valid_until="01/01/2020"),
        good_row(code="OK-2"),
        good_row(code="OK-1"),  # duplicate of line 2
        good_row(code="BAD-3", commune="Xã Không Có Thật", latitude="99"),
    ]
    report = run(rows)
    assert not report.saved
    found = errors_by_line(report)
    assert set(found) == {3, 5, 6}
    assert {e.column for e in found[3]} == {"area_ha", "valid_until"}
    assert [e.column for e in found[5]] == ["code"]
    assert "dòng 2" in found[5][0].message
    assert {e.column for e in found[6]} == {"commune", "latitude"}
    assert "dòng 6, cột commune (G)" in str(found[6][0])
    assert not GrowingArea.objects.exists()
    assert not StatusChange.objects.exists()


def test_a_code_repeated_many_times_names_its_first_line_each_time():
    rows = [good_row(code="DUP-1"), good_row(code="OK-1"), good_row(code="DUP-1")]
    rows += [good_row(code="DUP-1"), good_row(code="OK-1")]
    report = run(rows)
    found = errors_by_line(report)
    assert set(found) == {4, 5, 6}
    assert all(errors[0].column == "code" for errors in found.values())
    assert "dòng 2" in found[4][0].message and "dòng 2" in found[5][0].message
    assert "dòng 3" in found[6][0].message
    assert not GrowingArea.objects.exists()


def test_the_codes_seen_are_kept_on_a_temporary_file_removed_after_the_check(tmp_path):
    import tempfile

    from growing_areas.importing.spill import SeenCodes

    tempfile.tempdir, before = str(tmp_path), tempfile.tempdir
    try:
        with SeenCodes() as seen:
            seen.add("A-1", 2)
            assert (seen.first_line("A-1"), seen.first_line("a-1")) == (2, None)
            assert len(list(tmp_path.rglob("codes.sqlite3"))) == 1
        assert list(tmp_path.iterdir()) == []
    finally:
        tempfile.tempdir = before


def test_importing_the_same_file_again_updates_instead_of_duplicating(moderator):
    rows = [good_row(code="A-1"), good_row(code="A-2", name="Vùng cũ")]
    first = run(rows, user=moderator)
    assert (first.created, first.updated) == (2, 0)
    again = run(rows, user=moderator)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows[1] = good_row(code="a-2", name="Vùng mới", status="thu hồi")
    changed = run(rows + [good_row(code="A-3")], user=moderator)
    assert (changed.created, changed.updated, changed.unchanged) == (1, 1, 1)
    assert GrowingArea.objects.count() == 3
    area = GrowingArea.objects.get(code="A-2")
    assert (area.name, area.status) == ("Vùng mới", "revoked")
    revoked = area.status_changes.first()
    assert (revoked.from_status, revoked.to_status, revoked.changed_by) == (
        "active",
        "revoked",
        moderator,
    )
    assert "vung-trong.csv" in revoked.reason


def test_an_empty_status_or_a_missing_column_leaves_existing_values_alone(make_area, moderator):
    area = make_area(code="A-1", village="Thôn Cũ", households=12)
    from growing_areas.services import change_status

    change_status(area, "suspended", reason="Kiểm tra", by=moderator)
    header = [c for c in HEADER if c not in {"village", "households"}]
    report = import_growing_areas(csv_bytes([good_row(code="A-1")], header=header), "a.csv")
    assert report.ok and report.updated == 1
    area.refresh_from_db()
    assert (area.status, area.village, area.households) == ("suspended", "Thôn Cũ", 12)


def test_dry_run_reports_but_saves_nothing():
    report = run([good_row(code="A-1"), good_row(code="A-2")], dry_run=True)
    assert report.ok and report.created == 2 and not report.saved
    assert not GrowingArea.objects.exists()


def test_xlsx_with_typed_cells_and_extra_columns_in_any_order():
    header = ["ghi chú", *reversed(HEADER)]
    row = good_row(area_ha=3.25, issued_on=date(2024, 7, 1), households=40, latitude=21.6352)
    row["ghi chú"] = "cột thêm, bỏ qua"
    report = import_growing_areas(xlsx_bytes([row], header=header), "vung.xlsx")
    assert report.ok, report.errors
    area = GrowingArea.objects.get()
    assert (area.area_ha, area.issued_on, area.households) == (
        Decimal("3.25"),
        date(2024, 7, 1),
        40,
    )


def test_semicolon_csv_from_vietnamese_excel():
    data = csv_bytes([good_row()], delimiter=";")
    assert import_growing_areas(data, "vung.csv").ok


def test_missing_required_columns_are_named():
    header = [c for c in HEADER if c not in {"crop", "issued_by"}]
    report = import_growing_areas(csv_bytes([good_row()], header=header), "a.csv")
    assert not report.ok
    assert "crop" in report.errors[0].message and "issued_by" in report.errors[0].message


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"PK\x03\x04 not really a zip", "vung.xlsx", "bị hỏng"),
        (b"code,name\n1,2\n", "vung.xlsx", "không phải sổ tính Excel"),
        (xlsx_bytes([good_row()]), "vung.csv", "là sổ tính Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel", "vung.xls", ".xls"),
        ("code,name\nmã,tên\n".encode("utf-16-le"), "vung.csv", "UTF-8"),
        (b"", "vung.csv", "trống"),
        (b"code,name\n", "vung.pdf", "CSV"),
    ],
)
def test_unreadable_or_mislabelled_files_get_a_clear_error(data, name, words):
    report = import_growing_areas(data, name)
    assert not report.ok
    assert words in report.errors[0].message
    assert not GrowingArea.objects.exists()


def test_a_csv_of_a_million_empty_rows_is_refused_quickly():
    data = csv_bytes([]) + b",,,,,,,,,,,,,,,,,\r\n" * 1_000_000
    report = import_growing_areas(data, "trong.csv")
    assert not report.ok
    assert "dòng trống" in report.errors[0].message


def test_an_xlsx_claiming_a_million_rows_is_refused_quickly():
    from io import BytesIO

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([good_row().get(c) for c in HEADER])
    for row in range(3, 20_003):  # styled but empty rows, as Excel leaves them
        sheet.cell(row=row, column=1).number_format = "@"
    sheet.cell(row=1_048_576, column=1, value=None)
    buffer = BytesIO()
    workbook.save(buffer)
    report = import_growing_areas(buffer.getvalue(), "trong.xlsx")
    assert not report.ok
    assert "dòng trống" in report.errors[0].message


def test_trailing_empty_rows_are_ignored():
    data = csv_bytes([good_row()]) + b",,,\r\n" * 20
    assert import_growing_areas(data, "a.csv").ok


def test_row_limit(settings):
    settings.GROWING_AREA_IMPORT_MAX_ROWS = 2
    report = run([good_row(code=f"A-{n}") for n in range(3)])
    assert not report.ok and "nhiều hơn 2 dòng" in report.errors[0].message


def test_progress_is_reported_while_rows_are_checked():
    seen = []
    run(
        [good_row(code=f"A-{n}") for n in range(600)],
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[0] == (0, 600) and seen[-1] == (600, 600)
    assert (250, 600) in seen


def test_thousands_of_rows_import_in_a_bounded_number_of_queries(django_assert_max_num_queries):
    rows = [good_row(code=f"A-{n:05d}") for n in range(2000)]
    with django_assert_max_num_queries(100):  # batches, not one query per row
        report = run(rows)
    assert report.created == 2000
    assert GrowingArea.objects.count() == 2000


def test_command_imports_and_reports(tmp_path, capsys):
    path = tmp_path / "vung.csv"
    path.write_bytes(csv_bytes([good_row(code="A-1")]))
    call_command("import_growing_areas", str(path), "--dry-run")
    assert not GrowingArea.objects.exists()
    assert "không lưu gì" in capsys.readouterr().out
    call_command("import_growing_areas", str(path))
    assert GrowingArea.objects.filter(code="A-1").exists()


def test_command_lists_every_error_and_fails(tmp_path, capsys):
    path = tmp_path / "vung.csv"
    path.write_bytes(csv_bytes([good_row(code="A-1", area_ha="0"), good_row(code="a-1")]))
    with pytest.raises(CommandError, match="không lưu gì"):
        call_command("import_growing_areas", str(path))
    errors = capsys.readouterr().err
    assert "dòng 2, cột area_ha (E)" in errors and "dòng 3, cột code (A)" in errors
    assert not GrowingArea.objects.exists()


def test_reimport_updates_every_kind_of_value():
    assert run([good_row(code="A-1")]).created == 1
    report = run(
        [
            good_row(
                code="A-1",
                area_ha="7.25",
                issued_on="2024-08-02",
                latitude="22.5",
                longitude="104.25",
                households="",
                boundary_geojson=json.dumps(POLYGON),
            )
        ]
    )
    assert report.updated == 1
    area = GrowingArea.objects.get()
    assert area.area_ha == Decimal("7.25")
    assert area.issued_on == date(2024, 8, 2)
    assert (area.latitude, area.longitude) == (Decimal("22.5"), Decimal("104.25"))
    assert area.households is None
    assert area.boundary == POLYGON
    assert run([good_row(code="A-1", boundary_geojson="")]).updated == 1
    area.refresh_from_db()
    assert area.boundary is None
