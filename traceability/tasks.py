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
def drain_scans():
    """Beat, every minute: count the scans logged since the last drain (scans.drain_scans)."""
    return scans.drain_scans()
