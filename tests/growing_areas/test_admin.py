"""The moderators' back office: the snippet views, the status action and the import upload."""

from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.urls import reverse
from django.utils import translation

from growing_areas.models import GrowingArea, ImportJob
from tests.config.test_private_files import bucket_down

from .conftest import csv_bytes, good_row

pytestmark = pytest.mark.django_db

LIST = "wagtailsnippets_growing_areas_growingarea:list"
EDIT = "wagtailsnippets_growing_areas_growingarea:edit"
STATUS = "wagtailsnippets_growing_areas_growingarea:change_status"


def test_moderators_group_holds_the_registry_permissions(moderator):
    for codename in ("change_growingarea", "add_certification", "add_importjob"):
        assert moderator.has_perm(f"growing_areas.{codename}")


def test_list_searches_filters_and_exports(client, moderator, make_area):
    make_area(code="LC-VC-001", name="Chè Suối Giàng", crop="Chè")
    make_area(code="LC-MCC-001", name="Lúa Mù Cang Chải", crop="Lúa", commune_code="04456")
    make_area(
        code="SL-MC-001", name="Mận Mộc Châu", crop="Mận", province_code="14", commune_code="03980"
    )
    client.force_login(moderator)
    url = reverse(LIST)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "LC-VC-001" in html and "Xã Văn Chấn" in html
    assert reverse(STATUS, args=[GrowingArea.objects.get(code="LC-VC-001").pk]) in html

    def codes(query):
        page = client.get(url, query)
        assert page.status_code == 200
        return {a.code for a in page.context["object_list"]}

    assert codes({"q": "mù cang"}) == {"LC-MCC-001"}
    assert codes({"q": "sl-mc"}) == {"SL-MC-001"}
    assert codes({"province_code": "14"}) == {"SL-MC-001"}
    assert codes({"commune_code": "04456"}) == {"LC-MCC-001"}
    assert codes({"crop": "Chè"}) == {"LC-VC-001"}

    export = client.get(url, {"export": "csv"})
    assert export.status_code == 200
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("code,name,crop")
    assert "SL-MC-001" in body
    xlsx = client.get(url, {"export": "xlsx"})
    assert xlsx.status_code == 200
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"


def test_expiring_soon_filter(client, moderator, make_area):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    make_area(code="SOON-1", valid_until=today + timedelta(days=20))
    make_area(code="LATER-1", valid_until=today + timedelta(days=200))
    make_area(code="PAST-1", valid_until=today - timedelta(days=2))
    client.force_login(moderator)
    soon = client.get(reverse(LIST), {"expiry": "soon"})
    assert {a.code for a in soon.context["object_list"]} == {"SOON-1"}
    expected = (today + timedelta(days=20)).strftime("%d/%m/%Y")
    assert f"{expected} (Sắp hết hạn)" in soon.content.decode()
    past = client.get(reverse(LIST), {"expiry": "expired"})
    assert {a.code for a in past.context["object_list"]} == {"PAST-1"}


def test_edit_form_saves_a_normalised_code_and_certifications(
    client, moderator, make_area, admin_form_data
):
    area = make_area(code="LC-VC-001")
    client.force_login(moderator)
    url = reverse(EDIT, args=[area.pk])
    form_page = client.get(url)
    assert form_page.status_code == 200
    assert 'value="10,00"' in form_page.content.decode()  # the area, written the Vietnamese way
    data = admin_form_data(
        code="lc-vc 002",
        name="Vùng chè mới",
        export_markets="EU",
        **{
            "certifications-TOTAL_FORMS": "1",
            "certifications-0-scheme": "vietgap",
            "certifications-0-number": "VG-1",
            "certifications-0-issuer": "",
            "certifications-0-issued_on": "",
            "certifications-0-valid_until": "2027-01-01",
            "certifications-0-id": "",
            "certifications-0-ORDER": "1",
            "certifications-0-DELETE": "",
        },
    )
    response = client.post(url, data)
    if response.status_code == 200:  # re-rendered with errors: show them
        pytest.fail(str(response.context["form"].errors))
    area.refresh_from_db()
    assert area.code == "LC-VC002"
    assert area.certifications.get().valid_until == date(2027, 1, 1)
    assert area.status == "active"  # the edit form cannot change the status

    data.update(
        {
            "code": "LC-VC002",
            "province_code": "14",
            "area_ha": "0",
            "boundary": '{"type": "Point", "coordinates": [104.6, 21.6]}',
            "latitude": "48,85",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"commune_code", "area_ha", "boundary", "latitude"} <= set(errors)
    assert "GeoJSON" in str(errors["boundary"])
    area.refresh_from_db()
    assert area.province_code == "15"  # nothing saved


def test_change_status_asks_for_a_reason(client, moderator, make_area):
    area = make_area()
    client.force_login(moderator)
    url = reverse(STATUS, args=[area.pk])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"status": "suspended", "reason": "   "})
    assert refused.status_code == 200
    assert "reason" in refused.context["form"].errors
    area.refresh_from_db()
    assert area.status == "active"
    done = client.post(url, {"status": "suspended", "reason": "Dư lượng vượt ngưỡng"})
    assert done.status_code == 302
    area.refresh_from_db()
    assert area.status == "suspended"
    change = area.status_changes.get()
    assert (change.changed_by, change.reason) == (moderator, "Dư lượng vượt ngưỡng")
    assert "Dư lượng vượt ngưỡng" in client.get(url).content.decode()  # the history


def test_a_producer_cannot_use_the_back_office(client, producer_user, make_area):
    area = make_area()
    client.force_login(producer_user)
    for url in (
        reverse(LIST),
        reverse(EDIT, args=[area.pk]),
        reverse(STATUS, args=[area.pk]),
        reverse("growing_area_imports:upload"),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert "LC-" not in response.content.decode()
    client.post(reverse(STATUS, args=[area.pk]), {"status": "revoked", "reason": "thử"})
    area.refresh_from_db()
    assert area.status == "active"


def test_staff_without_registry_permission_is_refused_the_status_view(client, make_user, make_area):
    from django.contrib.auth.models import Permission

    user = make_user()
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    area = make_area()
    for url in (reverse(STATUS, args=[area.pk]), reverse("growing_area_imports:upload")):
        response = client.get(url)
        # Wagtail turns the refusal into a message on the dashboard
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    client.post(reverse(STATUS, args=[area.pk]), {"status": "revoked", "reason": "thử"})
    area.refresh_from_db()
    assert area.status == "active"


def _upload(client, data, name="vung.csv", dry_run=False):
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(
        reverse("growing_area_imports:upload"),
        {"file": upload, **({"dry_run": "on"} if dry_run else {})},
    )


def test_upload_runs_the_import_in_celery_and_shows_progress(
    client, moderator, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(moderator)
    assert client.get(reverse("growing_area_imports:upload")).status_code == 200
    rows = [good_row(code=f"A-{n}") for n in range(300)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _upload(client, csv_bytes(rows))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("growing_area_imports:job", args=[job.pk])
    # before a worker picks it up: waiting, a progress bar at zero and its polling script
    page = client.get(response["Location"]).content.decode()
    assert "<progress" in page and 'value="0"' in page and "import_progress.js" in page
    status_url = reverse("growing_area_imports:status", args=[job.pk])
    assert client.get(status_url).json()["state"] == "pending"

    for callback in callbacks:  # the commit happens: the (eager) Celery task runs
        callback()
    status = client.get(status_url).json()
    assert status == {
        "state": "succeeded",
        "state_label": status["state_label"],
        "finished": True,
        "total_rows": 300,
        "processed_rows": 300,
        "percent": 100,
        "created": 300,
        "updated": 0,
        "error_count": 0,
    }
    assert GrowingArea.objects.count() == 300
    assert all(
        c.changed_by == moderator for c in GrowingArea.objects.get(code="A-1").status_changes.all()
    )
    page = client.get(response["Location"]).content.decode()
    assert 'value="100"' in page and "import_progress.js" not in page


def test_upload_with_errors_lists_them_and_saves_nothing(
    client, moderator, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(moderator)
    rows = [good_row(code="A-1"), good_row(code="A-2", area_ha="0"), good_row(code="A-1")]
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, csv_bytes(rows))
    job = ImportJob.objects.get()
    assert (job.state, job.error_count) == ("failed", 2)
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-errors"' in page and "area_ha" in page
    assert not GrowingArea.objects.exists()


def test_upload_refuses_other_file_types(client, moderator):
    client.force_login(moderator)
    response = _upload(client, b"%PDF-1.4", name="vung.pdf")
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert not ImportJob.objects.exists()


def test_a_job_left_behind_by_a_dead_worker_is_run_again(settings, tmp_path, moderator):
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from growing_areas.tasks import requeue_stale_imports

    settings.MEDIA_ROOT = tmp_path
    job = ImportJob(original_name="vung.csv", created_by=moderator, state="validating")
    job.file.save("vung.csv", ContentFile(csv_bytes([good_row()])), save=False)
    job.save()
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert requeue_stale_imports() == [str(job.pk)]
    job.refresh_from_db()
    assert job.state == "succeeded"
    assert GrowingArea.objects.filter(code="LC-VC-001").exists()
    assert requeue_stale_imports() == []


def test_a_job_already_taken_by_a_worker_is_not_run_twice(settings, tmp_path, moderator):
    from django.core.files.base import ContentFile

    from growing_areas.tasks import run_import

    settings.MEDIA_ROOT = tmp_path
    job = ImportJob(original_name="vung.csv", created_by=moderator, state="validating")
    job.file.save("vung.csv", ContentFile(csv_bytes([good_row()])), save=False)
    job.save()
    assert run_import(str(job.pk)) is None  # e.g. the same message delivered again
    assert not GrowingArea.objects.exists()


def test_an_exported_sheet_imports_back_unchanged(client, moderator, make_area):
    from growing_areas.services import import_growing_areas

    ring = [[104.65, 21.63], [104.67, 21.63], [104.67, 21.64], [104.65, 21.63]]
    make_area(
        code="LC-VC-001",
        boundary={"type": "Polygon", "coordinates": [ring]},
        latitude="21.6352",
        longitude="104.6591",
        valid_until=date(2029, 6, 30),
        holder_type="cooperative",  # what the import infers from "HTX …"
    )
    make_area(code="LC-VC-002", status="suspended", holder_type="cooperative")
    client.force_login(moderator)
    for kind in ("csv", "xlsx"):
        export = client.get(reverse(LIST), {"export": kind})
        data = b"".join(export.streaming_content)
        report = import_growing_areas(data, f"xuat.{kind}")
        assert report.ok, report.errors
        assert (report.created, report.updated, report.unchanged) == (0, 0, 2), kind


def test_an_unexpected_error_ends_the_job_as_failed(settings, tmp_path, moderator, monkeypatch):
    from django.core.files.base import ContentFile

    from growing_areas import services
    from growing_areas.tasks import run_import

    settings.MEDIA_ROOT = tmp_path
    job = ImportJob(original_name="vung.csv", created_by=moderator)
    job.file.save("vung.csv", ContentFile(csv_bytes([good_row()])), save=False)
    job.save()

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "import_growing_areas", broken)
    with pytest.raises(RuntimeError):
        run_import(str(job.pk))
    job.refresh_from_db()
    assert (job.state, job.error_count) == ("failed", 1)
    assert "không lưu gì" in job.errors[0]["message"]
    assert run_import(str(job.pk)) is None  # a finished job is left alone
    assert not GrowingArea.objects.exists()


def test_add_form_renders(client, moderator):
    client.force_login(moderator)
    response = client.get(reverse("wagtailsnippets_growing_areas_growingarea:add"))
    assert response.status_code == 200
    assert "Xã Văn Chấn" in response.content.decode()


def test_after_migrate_the_moderators_get_back_missing_permissions(moderator):
    from django.contrib.auth.models import Group
    from django.core.management.sql import emit_post_migrate_signal

    group = Group.objects.get(name="moderator")
    group.permissions.remove(*group.permissions.filter(content_type__app_label="growing_areas"))
    assert not group.permissions.filter(codename="change_growingarea").exists()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert group.permissions.filter(codename="change_growingarea").exists()
    assert group.permissions.filter(codename="add_importjob").exists()


def test_admin_list_runs_the_same_queries_whatever_the_number_of_areas(
    client, moderator, make_area
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(moderator)
    url = reverse(LIST)

    def count(areas):
        for _ in range(areas):
            make_area()
        client.get(url)  # the session and permission caches warm up alike for both counts
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert count(3) == count(27)


def test_an_uploaded_import_file_is_stored_under_a_random_name(
    client, moderator, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, csv_bytes([good_row()]), name="vung <script>.csv")
    job = ImportJob.objects.get()
    stored = job.file.name.rsplit("/", 1)[-1]
    assert job.original_name == "vung <script>.csv"
    assert stored.endswith(".csv") and "vung" not in stored and "script" not in stored
    assert (job.state, GrowingArea.objects.count()) == ("succeeded", 1)


def test_an_upload_the_storage_cannot_take_records_no_import(
    client, moderator, settings, django_capture_on_commit_callbacks
):
    """The bucket does not answer: no job waits for a file that is not there, and the
    moderator reads why."""
    settings.STORAGES = bucket_down()
    client.force_login(moderator)
    with translation.override("vi"), django_capture_on_commit_callbacks() as callbacks:
        response = _upload(client, csv_bytes([good_row(code="A-1")]))
    assert response.status_code == 200
    assert "Chưa lưu được tệp lúc này" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert callbacks == []


def test_an_import_that_cannot_be_recorded_leaves_no_file(client, moderator, settings, monkeypatch):
    """The file is written, then the database refuses the job: the upload goes with it."""

    def refused(job, *args, **kwargs):
        raise DatabaseError("could not extend file: No space left on device")

    monkeypatch.setattr(ImportJob, "save", refused)
    client.force_login(moderator)
    with pytest.raises(DatabaseError):
        _upload(client, csv_bytes([good_row(code="A-1")]))
    assert not ImportJob.objects.exists()
    assert not [path for path in Path(settings.PRIVATE_ROOT).rglob("*") if path.is_file()]


def test_an_import_upload_is_kept_in_the_private_storage(
    client, moderator, settings, django_capture_on_commit_callbacks
):
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=False):
        _upload(client, csv_bytes([good_row(code="A-1")]))
    job = ImportJob.objects.get()
    assert (settings.PRIVATE_ROOT / job.file.name).is_file()
    assert not (Path(str(settings.MEDIA_ROOT)) / job.file.name).exists()
