"""What a worker that dies leaves behind is picked up within minutes: each sweep runs often
and calls work stale after a few minutes without a sign of life, not after twenty."""

from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Notification
from growing_areas.models import GrowingArea, ImportJob
from tests.growing_areas.conftest import csv_bytes, good_row


def test_every_sweep_runs_at_least_every_two_minutes():
    schedule = settings.CELERY_BEAT_SCHEDULE
    for name in (
        "traceability-requeue-stale-print-runs",
        "growing-areas-requeue-stale-imports",
        "accounts-resend-undelivered-notifications",
    ):
        assert schedule[name]["schedule"] <= timedelta(minutes=2), name


def test_an_import_whose_progress_stopped_six_minutes_ago_is_run_again(
    settings, tmp_path, moderator
):
    from growing_areas.tasks import requeue_stale_imports

    settings.MEDIA_ROOT = tmp_path
    jobs = []
    for minutes in (1, 6):
        job = ImportJob(original_name="vung.csv", created_by=moderator, state="validating")
        job.file.save("vung.csv", ContentFile(csv_bytes([good_row()])), save=False)
        job.save()
        ImportJob.objects.filter(pk=job.pk).update(
            updated_at=timezone.now() - timedelta(minutes=minutes)
        )
        jobs.append(job)
    moving, stopped = jobs
    assert requeue_stale_imports() == [str(stopped.pk)]
    stopped.refresh_from_db()
    moving.refresh_from_db()
    assert stopped.state == "succeeded" and GrowingArea.objects.filter(code="LC-VC-001").exists()
    assert moving.state == "validating"  # its worker is still at it


def test_a_notification_lost_four_minutes_ago_is_sent_again(make_user):
    from accounts.tasks import resend_undelivered_notifications

    lost = Notification.objects.create(
        recipient=make_user(), channel=Notification.Channel.SMS, subject="Đơn mới", body="Có đơn"
    )
    Notification.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=4))
    assert resend_undelivered_notifications() == 1
    lost.refresh_from_db()
    assert lost.sent_at is not None
