"""Celery tasks: thin wrappers around services, safe to run twice."""

from celery import shared_task

from . import printing, scans


@shared_task(acks_late=True)
def build_print_run(run_id):
    """Draw a label print run's PDF (idempotent: a finished run is left alone)."""
    printing.build_print_run(run_id)


@shared_task
def requeue_stale_print_runs():
    """Beat: send again the runs a killed worker left queued or half-built."""
    stale = printing.take_stale_print_runs()
    for run_id in stale:
        build_print_run.delay(run_id)
    return len(stale)


@shared_task
def count_label_scans(label_id):
    """Recompute one label's scan counters from the scan log; flag it if it looks copied."""
    scans.count_label_scans(label_id)


@shared_task
def count_recent_scans():
    """Beat, every minute: recount the labels whose newest scans were missed (a lost task)."""
    stale = scans.labels_with_uncounted_scans()
    for label_id in stale:
        count_label_scans.delay(label_id)
    return len(stale)
