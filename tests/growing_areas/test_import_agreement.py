"""The import and the admin form judge a value by the same rules, in the same words, and the
import saves all or nothing even when the database fails half-way through the save."""

import pytest
from django.db.models import QuerySet
from django.urls import reverse

from growing_areas.importing import write
from growing_areas.models import GrowingArea, GrowingAreaQuerySet, StatusChange
from growing_areas.services import import_growing_areas

from .conftest import csv_bytes, good_row

pytestmark = pytest.mark.django_db

EDIT = "wagtailsnippets_growing_areas_growingarea:edit"
CROSSING = (
    '{"type": "Polygon", "coordinates": [[[104.60, 21.60], [104.64, 21.60], [104.64, 21.64], '
    "[104.60, 21.64], [104.60, 21.60]], [[104.63, 21.61], [104.65, 21.61], [104.65, 21.62], "
    "[104.63, 21.62], [104.63, 21.61]]]}"
)


@pytest.mark.parametrize(
    ("admin_field", "admin_value", "column", "cell"),
    [
        ("holder_phone", "12345", "holder_phone", "12345"),
        ("valid_until", "2204-06-30", "valid_until", "2204-06-30"),
        ("issued_on", "1890-01-01", "issued_on", "1890-01-01"),
        ("area_ha", "0", "area_ha", "0"),
        ("code", "LC_VC/001", "code", "LC_VC/001"),
        ("boundary", CROSSING, "boundary_geojson", CROSSING),
        ("name", "x" * 201, "name", "x" * 201),
    ],
)
def test_a_value_the_admin_refuses_is_refused_by_the_import_in_the_same_words(
    client, moderator, make_area, admin_field, admin_value, column, cell, admin_form_data
):
    area = make_area(code="LC-VC-001")
    client.force_login(moderator)
    response = client.post(
        reverse(EDIT, args=[area.pk]), admin_form_data(**{admin_field: admin_value})
    )
    assert response.status_code == 200  # the form came back with its errors
    admin_message = response.context["form"].errors[admin_field][0]

    report = import_growing_areas(csv_bytes([good_row(**{column: cell})]), "vung.csv")
    assert [(e.column, e.message) for e in report.errors] == [(column, admin_message)]


def test_a_phone_is_stored_the_same_way_from_the_admin_and_from_the_import(
    client, moderator, make_area, admin_form_data
):
    area = make_area(code="LC-VC-001")
    client.force_login(moderator)
    response = client.post(
        reverse(EDIT, args=[area.pk]), admin_form_data(holder_phone="0912.345.678")
    )
    assert response.status_code == 302
    area.refresh_from_db()
    assert area.holder_phone == "+84912345678"

    report = import_growing_areas(
        csv_bytes([good_row(code="LC-VC-002", holder_phone="(+84) 912-345-678")]), "vung.csv"
    )
    assert report.ok, report.errors
    assert GrowingArea.objects.get(code="LC-VC-002").holder_phone == "+84912345678"


def failing_after_first_call(monkeypatch, owner, name):
    """Make ``owner.name`` write its first chunk, then fail as a dropped connection would."""
    original = getattr(owner, name)
    calls = []

    def write_then_fail(self, *args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("the database went away")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, write_then_fail)
    return calls


def test_a_failure_after_the_first_chunk_of_new_areas_saves_nothing(monkeypatch, moderator):
    monkeypatch.setattr(write, "CHUNK", 2)
    calls = failing_after_first_call(monkeypatch, GrowingAreaQuerySet, "bulk_create")
    rows = [good_row(code=f"A-{n}") for n in range(5)]
    with pytest.raises(RuntimeError):
        import_growing_areas(csv_bytes(rows), "vung.csv", user=moderator)
    assert len(calls) == 2  # the first chunk was written before the failure
    assert not GrowingArea.objects.exists()
    assert not StatusChange.objects.exists()


def test_a_failure_after_the_first_chunk_of_updates_changes_nothing(monkeypatch, moderator):
    rows = [good_row(code=f"A-{n}", name="Tên cũ") for n in range(5)]
    assert import_growing_areas(csv_bytes(rows), "vung.csv").created == 5
    monkeypatch.setattr(write, "CHUNK", 2)
    calls = failing_after_first_call(monkeypatch, QuerySet, "bulk_update")
    renamed = [good_row(code=f"A-{n}", name="Tên mới", status="thu hồi") for n in range(5)]
    with pytest.raises(RuntimeError):
        import_growing_areas(csv_bytes(renamed), "vung.csv", user=moderator)
    assert len(calls) == 2
    assert set(GrowingArea.objects.values_list("name", "status")) == {("Tên cũ", "active")}
    assert not StatusChange.objects.filter(to_status="revoked").exists()


def test_a_failure_while_writing_the_history_saves_no_area(monkeypatch):
    def fail(self, *args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(StatusChange.objects, "bulk_create", fail.__get__(StatusChange.objects))
    with pytest.raises(RuntimeError):
        import_growing_areas(csv_bytes([good_row(code="A-1")]), "vung.csv")
    assert not GrowingArea.objects.exists()


def test_a_re_import_writes_only_the_rows_that_changed(django_assert_max_num_queries):
    rows = [good_row(code=f"A-{n:03d}") for n in range(300)]
    assert import_growing_areas(csv_bytes(rows), "vung.csv").created == 300
    rows[7] = good_row(code="A-007", name="Vùng đổi tên")
    with django_assert_max_num_queries(10):
        report = import_growing_areas(csv_bytes(rows), "vung.csv")
    assert (report.updated, report.unchanged) == (1, 299)
    assert GrowingArea.objects.get(code="A-007").name == "Vùng đổi tên"
