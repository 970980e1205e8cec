"""Thin Celery tasks over growing_areas.services."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from . import services
from .models import ImportJob

# A job that has not moved for this long was left behind by a worker that died (a live one
# reports progress every few hundred rows, seconds apart).
STALE_AFTER = timedelta(minutes=5)


@shared_task(acks_late=True)
def run_import(job_id):
    """Run an admin upload once. Only a waiting job is taken (under a row lock), so a message
    delivered twice does not run it twice; a job whose worker died is put back to waiting by
    requeue_stale_imports, and since an import is all or nothing (and updates the codes it
    already saved), running it again from the start is safe."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != ImportJob.State.PENDING:
            return None
        job.state = ImportJob.State.VALIDATING
        job.save(update_fields=["state", "updated_at"])

    def progress(done, total):
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=done, total_rows=total, updated_at=timezone.now()
        )
        if done == total:
            ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.SAVING)

    with translation.override(settings.LANGUAGE_CODE):
        try:
            with job.file.open("rb") as handle:
                data = handle.read()
            report = services.import_growing_areas(
                data, job.original_name, dry_run=job.dry_run, user=job.created_by, progress=progress
            )
        except Exception:
            # the import saved nothing (it is one transaction); say so instead of leaving
            # the progress bar waiting, then let the error reach the logs
            ImportJob.objects.filter(pk=job.pk).update(
                state=ImportJob.State.FAILED,
                finished_at=timezone.now(),
                error_count=1,
                errors=[
                    {
                        "line": 0,
                        "column": "",
                        "letter": "",
                        "message": gettext(
                            "The import stopped on an unexpected error and saved nothing. "
                            "Try again; if it happens again, tell the site's administrators."
                        ),
                    }
                ],
            )
            raise
    job.refresh_from_db()
    job.total_rows = report.total_rows
    job.processed_rows = report.total_rows
    job.created_count = report.created
    job.updated_count = report.updated
    job.error_count = len(report.errors)
    job.errors = report.error_dicts(limit=ImportJob.MAX_STORED_ERRORS)
    job.state = ImportJob.State.SUCCEEDED if report.ok else ImportJob.State.FAILED
    job.finished_at = timezone.now()
    job.save()
    return job.state


@shared_task
def requeue_stale_imports():
    """Start again the uploads a dead worker left behind (Celery does not redeliver on every
    broker)."""
    cutoff = timezone.now() - STALE_AFTER
    stale = ImportJob.objects.exclude(state__in=ImportJob.FINISHED).filter(updated_at__lt=cutoff)
    requeued = []
    for job_id in stale.values_list("pk", flat=True):
        ImportJob.objects.filter(pk=job_id).update(
            state=ImportJob.State.PENDING, updated_at=timezone.now()
        )
        run_import.delay(job_id)
        requeued.append(str(job_id))
    return requeued


@shared_task
def notify_expiring_growing_areas():
    """Daily: tell moderators which areas and certifications expire within 60 days."""
    with translation.override(settings.LANGUAGE_CODE):
        return len(services.notify_expiring())
