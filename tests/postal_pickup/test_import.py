"""Importing post offices from CSV or XLSX: all or nothing, each problem on its line and
column, known codes updated, a commune never served by two offices; moderators only."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from postal_pickup.importing import import_offices
from postal_pickup.models import PostOffice, ServedCommune

pytestmark = pytest.mark.django_db

HEADER = "code,name,phone,province,commune,village,street,served_communes,staff_phones"
VAN_CHAN = "LC-VANCHAN,Bưu điện Văn Chấn,0216 3870 000,15,04672,Thôn 1,Tổ dân phố 1,04672;04375,"
MU_CANG_CHAI = "LC-MCC,Bưu điện Mù Cang Chải,,15,04456,,,04456,"


def csv_bytes(*rows, header=HEADER):
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def errors_of(report):
    """{(line, column): message}"""
    return {(error.line, error.column): error.message for error in report.errors}


def vi(message, **values):
    with translation.override("vi"):
        return _(message) % values if values else _(message)


def test_a_good_csv_creates_the_offices_with_their_communes_and_staff(make_user):
    staff = make_user(Role.POSTAL_STAFF, phone="0912000016")
    report = import_offices(csv_bytes(VAN_CHAN + "0912 000 016", MU_CANG_CHAI), "buu-dien.csv")
    assert report.ok and (report.created, report.updated) == (2, 0)
    office = PostOffice.objects.get(code="LC-VANCHAN")
    assert (office.name, office.phone, office.province_code, office.commune_code) == (
        "Bưu điện Văn Chấn",
        "+842163870000",
        "15",
        "04672",
    )
    assert (office.village, office.street) == ("Thôn 1", "Tổ dân phố 1")
    assert set(office.served_communes.values_list("commune_code", flat=True)) == {
        "04672",
        "04375",
    }
    assert list(office.staff.all()) == [staff]
    assert PostOffice.objects.get(code="LC-MCC").served_communes.get().commune_code == "04456"


def test_a_good_xlsx_is_read_even_when_excel_dropped_the_leading_zeros():
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["LC-MCC", "Bưu điện Mù Cang Chải", None, 15, 4456, None, None, 4456, None])
    sheet.append(["LC-VANCHAN", "Bưu điện Văn Chấn", None, "15", "04672", None, None, "04672;4375"])
    data = io.BytesIO()
    workbook.save(data)
    report = import_offices(data.getvalue(), "buu-dien.xlsx")
    assert report.ok, report.errors
    assert PostOffice.objects.get(code="LC-MCC").commune_code == "04456"
    assert set(ServedCommune.objects.values_list("commune_code", flat=True)) == {
        "04456",
        "04672",
        "04375",
    }


def test_a_known_code_is_updated_and_its_communes_replaced(make_office):
    office = make_office("LC-VANCHAN", communes=["04672", "04456"], name="Bưu cục cũ")
    report = import_offices(csv_bytes(VAN_CHAN), "buu-dien.csv")
    assert report.ok and (report.created, report.updated) == (0, 1)
    office.refresh_from_db()
    assert office.name == "Bưu điện Văn Chấn"
    assert set(office.served_communes.values_list("commune_code", flat=True)) == {
        "04672",
        "04375",
    }


def test_a_commune_moves_between_two_offices_of_the_same_file(make_office):
    make_office("LC-VANCHAN", communes=["04672", "04456"])
    make_office("LC-MCC", communes=["04375"])
    report = import_offices(csv_bytes(VAN_CHAN, MU_CANG_CHAI), "buu-dien.csv")
    assert report.ok, report.errors
    assert ServedCommune.objects.get(commune_code="04456").office.code == "LC-MCC"
    assert ServedCommune.objects.get(commune_code="04375").office.code == "LC-VANCHAN"


def test_a_commune_served_by_an_office_not_in_the_file_is_a_line_error(make_office):
    make_office("LC-KHAC", communes=["04375"], name="Bưu điện Mậu A")
    report = import_offices(csv_bytes(MU_CANG_CHAI, VAN_CHAN), "buu-dien.csv")
    assert list(errors_of(report)) == [(3, "served_communes")]
    message = errors_of(report)[(3, "served_communes")]
    assert "04375" in message and "Bưu điện Mậu A" in message and "LC-KHAC" in message
    assert not PostOffice.objects.filter(code__in=["LC-MCC", "LC-VANCHAN"]).exists()


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (",Bưu điện X,,15,04672,,,04672,", "code", vi("This column is required.")),
        ("LC-X,,,15,04672,,,04672,", "name", vi("This column is required.")),
        (
            "LC-X,Bưu điện X,12345,15,04672,,,04672,",
            "phone",
            vi("“%(value)s” is not a Vietnamese phone number.", value="12345"),
        ),
        (
            "LC-X,Bưu điện X,,99,04672,,,04672,",
            "province",
            vi("“%(value)s” is not a province code.", value="99"),
        ),
        (
            "LC-X,Bưu điện X,,15,99999,,,04672,",
            "commune",
            vi("“%(value)s” is not a commune code.", value="99999"),
        ),
        (
            "LC-X,Bưu điện X,,01,04672,,,04672,",
            "commune",
            vi("This commune is not in the chosen province."),
        ),
        (
            "LC-X,Bưu điện X,,15,04672,,,,",
            "served_communes",
            vi("List the communes the office serves."),
        ),
        (
            "LC-X,Bưu điện X,,15,04672,,,04672;Văn Chấn,",
            "served_communes",
            vi(
                "Not 2025 commune codes: %(codes)s. Separate the codes with “;”.",
                codes="Văn Chấn",
            ),
        ),
        (
            "LC-X,Bưu điện X,,15,04672,,,04672,0912 abc",
            "staff_phones",
            vi("“%(value)s” is not a mobile number.", value="0912 abc"),
        ),
        (
            "LC-X,Bưu điện X,,15,04672,,,04672,0912 000 099",
            "staff_phones",
            vi("No postal staff account has the number %(phones)s.", phones="+84912000099"),
        ),
    ],
)
def test_each_bad_cell_is_reported_on_its_line_and_column(row, column, message):
    report = import_offices(csv_bytes(MU_CANG_CHAI, row), "buu-dien.csv")
    assert errors_of(report) == {(3, column): message}
    assert not PostOffice.objects.exists()


def test_staff_must_be_postal_staff(make_user):
    make_user(Role.PRODUCER, phone="0912000017")
    report = import_offices(csv_bytes(VAN_CHAN + "0912000017"), "buu-dien.csv")
    assert list(errors_of(report)) == [(2, "staff_phones")]


def test_a_code_twice_and_a_commune_twice_in_the_file_are_errors():
    report = import_offices(
        csv_bytes(VAN_CHAN, VAN_CHAN.replace("04672;04375", "04456"), MU_CANG_CHAI), "x.csv"
    )
    assert errors_of(report) == {
        (3, "code"): vi("The code %(code)s is also on line %(line)d.", code="LC-VANCHAN", line=2),
        (4, "served_communes"): vi(
            "The commune %(commune)s is also served by the office on line %(line)d.",
            commune="04456",
            line=3,
        ),
    }


def test_a_file_without_a_required_column_says_which():
    report = import_offices(csv_bytes("LC-X,X", header="code,name"), "x.csv")
    assert len(report.errors) == 1
    assert "province, commune, served_communes" in report.errors[0].message


def test_one_bad_line_saves_nothing_at_all(make_office):
    office = make_office("LC-VANCHAN", communes=["04672"], name="Bưu cục cũ")
    report = import_offices(
        csv_bytes(VAN_CHAN, "LC-X,Bưu điện X,,15,99999,,,00004,"), "buu-dien.csv"
    )
    assert not report.ok
    office.refresh_from_db()
    assert office.name == "Bưu cục cũ"
    assert list(ServedCommune.objects.values_list("commune_code", flat=True)) == ["04672"]
    assert PostOffice.objects.count() == 1


def test_a_dry_run_counts_and_saves_nothing(make_office):
    make_office("LC-VANCHAN", communes=["04672"])
    report = import_offices(csv_bytes(VAN_CHAN, MU_CANG_CHAI), "x.csv", dry_run=True)
    assert report.ok and (report.created, report.updated) == (1, 1)
    assert PostOffice.objects.count() == 1


# --- the admin page --------------------------------------------------------------------------


def upload(content, name="buu-dien.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_a_moderator_imports_a_file_in_the_admin(client, moderator):
    client.force_login(moderator)
    response = client.post(
        reverse("postal_office_import"), {"file": upload(csv_bytes(VAN_CHAN, MU_CANG_CHAI))}
    )
    assert response.status_code == 200
    assert 'data-ok="yes"' in response.content.decode()
    assert PostOffice.objects.count() == 2


def test_the_office_import_keeps_no_file_so_a_storage_that_is_down_does_not_stop_it(
    client, moderator, settings
):
    """The post office file is read in the request and never stored: with the bucket down
    the import still goes through."""
    from tests.config.test_private_files import bucket_down

    settings.STORAGES = bucket_down()
    client.force_login(moderator)
    response = client.post(
        reverse("postal_office_import"), {"file": upload(csv_bytes(VAN_CHAN, MU_CANG_CHAI))}
    )
    assert response.status_code == 200
    assert 'data-ok="yes"' in response.content.decode()
    assert PostOffice.objects.count() == 2


def test_the_admin_lists_every_bad_line(client, moderator):
    client.force_login(moderator)
    response = client.post(
        reverse("postal_office_import"),
        {"file": upload(csv_bytes("LC-X,Bưu điện X,,99,04672,,,04672,", MU_CANG_CHAI))},
    )
    html = response.content.decode()
    assert 'data-ok="no"' in html and 'data-line="2" data-column="province"' in html
    assert not PostOffice.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_non_moderators_cannot_import(client, method):
    from django.contrib.auth.models import Permission

    user = User.objects.create_user("0912999777", "x", full_name="Nhân viên")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    send = getattr(client, method)
    response = send(reverse("postal_office_import"), {"file": upload(csv_bytes(VAN_CHAN))})
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert not PostOffice.objects.exists()
