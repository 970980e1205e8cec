"""Thin Celery tasks over growing_areas.services."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation

from . import services
from .models import ImportJob

# A job that has not moved for this long was left behind by a worker that died (a live one
# reports progress every few hundred rows, seconds apart).
STALE_AFTER = timedelta(minutes=5)


@shared_task(acks_late=True)
def run_import(job_id):
    """Run an admin upload once (services.run_import_job: a job already taken is left alone)."""
    with translation.override(settings.LANGUAGE_CODE):
        return services.run_import_job(job_id)


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
