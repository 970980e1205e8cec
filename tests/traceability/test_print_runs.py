"""Label print runs end to end: the farmer asks for sheets, Celery draws them, every code on
every page leads to its own provenance page."""

from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command

from traceability import printing
from traceability.models import Label, LabelPrintRun, Scan

from .conftest import GTIN
from .test_labels import decode_pdf


@pytest.fixture
def farmer(client, producer_user):
    client.force_login(producer_user)
    return client


def test_a_print_run_is_built_by_celery_and_every_code_opens_its_page(
    farmer, batch, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://chophien.vn"
    with django_capture_on_commit_callbacks(execute=True):
        response = farmer.post(
            f"/ban-hang/lo-hang/{batch.pk}/in-tem/", {"count": 40, "layout": "a4-30x30"}
        )
    run = LabelPrintRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ban-hang/in-tem/{run.pk}/"
    assert (run.status, run.progress) == ("done", 40)
    page = farmer.get(response["Location"]).content.decode()
    assert f"/ban-hang/in-tem/{run.pk}/tem.pdf" in page and 'http-equiv="refresh"' not in page
    pdf = farmer.get(f"/ban-hang/in-tem/{run.pk}/tem.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    decoded = [url for page in decode_pdf(b"".join(pdf.streaming_content)) for url in page]
    expected = {
        f"https://chophien.vn/01/{GTIN}/10/L260315-1/21/{serial}"
        for serial in Label.objects.values_list("serial", flat=True)
    }
    assert len(decoded) == 40 and set(decoded) == expected
    for url in decoded[:40]:
        response = farmer.get(urlsplit(url).path, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code == 200
        assert 'role="alert"' not in response.content.decode()
    assert Scan.objects.filter(outcome="genuine").count() == 40
    assert Scan.objects.values("label").distinct().count() == 40


def test_progress_page_refreshes_while_the_run_is_building(farmer, batch):
    run = printing.issue_labels(batch, 10, "a4-40x30", build=False)
    page = farmer.get(f"/ban-hang/in-tem/{run.pk}/").content.decode()
    assert 'http-equiv="refresh"' in page and "<progress" in page
    assert farmer.get(f"/ban-hang/in-tem/{run.pk}/tem.pdf").status_code == 404


def test_building_twice_changes_nothing(batch):
    run = printing.issue_labels(batch, 3, "a4-50x50", build=False)
    first = printing.build_print_run(run.pk)
    again = printing.build_print_run(run.pk)
    assert first.pdf.name == again.pdf.name and again.status == "done"


def test_stale_runs_are_found_for_the_sweep(batch):
    from datetime import timedelta

    from django.utils import timezone

    run = printing.issue_labels(batch, 3, "a4-50x50", build=False)
    assert printing.stale_print_runs() == []
    assert printing.stale_print_runs(now=timezone.now() + timedelta(minutes=3)) == [run.pk]


@pytest.mark.parametrize(
    ("data", "field_error"),
    [({"count": 10_001, "layout": "a4-30x30"}, "10"), ({"count": 5, "layout": "a4-99"}, "")],
)
def test_print_run_limits(farmer, batch, data, field_error):
    response = farmer.post(f"/ban-hang/lo-hang/{batch.pk}/in-tem/", data)
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert not LabelPrintRun.objects.exists()


def test_others_cannot_see_or_print_a_producers_labels(client, make_user, batch, run):
    client.force_login(make_user("producer"))
    assert client.get(f"/ban-hang/lo-hang/{batch.pk}/").status_code == 403
    assert client.post(f"/ban-hang/lo-hang/{batch.pk}/in-tem/", {"count": 1}).status_code == 403
    assert client.get(f"/ban-hang/in-tem/{run.pk}/tem.pdf").status_code == 403
    client.logout()
    assert client.get(f"/ban-hang/in-tem/{run.pk}/").status_code == 302  # to the login page


def test_farmer_voids_one_label_and_a_whole_run(farmer, batch, run, label):
    response = farmer.post(
        f"/ban-hang/lo-hang/{batch.pk}/huy-tem/", {"serial": label.serial.lower(), "reason": "Rách"}
    )
    assert response.status_code == 302
    label.refresh_from_db()
    assert label.is_voided and label.void_reason == "Rách"
    farmer.post(f"/ban-hang/in-tem/{run.pk}/huy/", {"reason": "Mất tập tem"})
    assert run.labels.filter(voided_at__isnull=True).count() == 0
    missing = farmer.post(
        f"/ban-hang/lo-hang/{batch.pk}/huy-tem/", {"serial": "NOSUCHSERIAL", "reason": "x"}
    )
    assert missing.status_code == 400


def test_issue_labels_command_writes_the_pdf(batch, tmp_path):
    out = tmp_path / "tem.pdf"
    call_command("issue_labels", GTIN[1:], batch.lot, count=20, layout="a4-40x30", out=str(out))
    decoded = [url for page in decode_pdf(out.read_bytes()) for url in page]
    assert sorted(decoded) == sorted(
        f"http://127.0.0.1:8000{label.path}" for label in Label.objects.select_related("batch")
    )
    with pytest.raises(CommandError):
        call_command("issue_labels", GTIN, "NOPE", count=1, out=str(out))
    with pytest.raises(CommandError):
        call_command("issue_labels", GTIN, batch.lot, count=10_001, out=str(out))


def test_the_pdf_name_cannot_be_guessed(batch):
    first = printing.build_print_run(printing.issue_labels(batch, 1, "a4-50x50", build=False).pk)
    second = printing.build_print_run(printing.issue_labels(batch, 1, "a4-50x50", build=False).pk)
    names = [run.pdf.name.rsplit("/", 1)[-1] for run in (first, second)]
    assert all(len(name) == 36 and batch.lot not in name for name in names)
    assert names[0] != names[1]


def test_a_failed_run_can_be_tried_again(farmer, batch, django_capture_on_commit_callbacks):
    from unittest import mock

    run = printing.issue_labels(batch, 4, "a4-50x50", build=False)
    failing = mock.patch.object(printing, "render_labels", side_effect=OSError("disk full"))
    with failing, pytest.raises(OSError):
        printing.build_print_run(run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "disk full" in run.error
    page = farmer.get(f"/ban-hang/in-tem/{run.pk}/").content.decode()
    assert f"/ban-hang/in-tem/{run.pk}/lam-lai/" in page and 'role="alert"' in page
    with django_capture_on_commit_callbacks(execute=True):
        farmer.post(f"/ban-hang/in-tem/{run.pk}/lam-lai/")
    run.refresh_from_db()
    assert run.status == "done" and run.progress == 4


def test_a_full_run_of_10000_labels_gets_distinct_serials(batch):
    run = printing.issue_labels(batch, 10_000, "a4-30x30", build=False)
    serials = list(run.labels.values_list("serial", flat=True))
    assert len(serials) == len(set(serials)) == 10_000
    assert list(run.labels.order_by("position").values_list("position", flat=True)[:3]) == [0, 1, 2]


def test_the_sweep_builds_runs_a_killed_worker_left_behind(batch):
    from datetime import timedelta

    from django.utils import timezone

    from traceability.tasks import requeue_stale_print_runs

    run = printing.issue_labels(batch, 2, "a4-50x50", build=False)
    LabelPrintRun.objects.filter(pk=run.pk).update(
        status=LabelPrintRun.Status.BUILDING, started_at=timezone.now() - timedelta(hours=1)
    )
    assert requeue_stale_print_runs() == 1  # Celery runs eagerly in tests
    run.refresh_from_db()
    assert run.status == "done" and run.pdf
