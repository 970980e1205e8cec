from celery import shared_task

from . import services


@shared_task
def create_missing_jobs():
    """Periodic sweep (every 5 minutes): confirmed seller orders left without a pickup job."""
    return services.create_missing_jobs()


@shared_task
def draw_up_todays_lists():
    """Beat, each morning at POSTAL_LIST_HOUR: every office's list for today, and who is told
    (idempotent: run again, it adds only what is missing and tells nobody twice)."""
    from . import pickup_lists

    return len(pickup_lists.draw_up_all())


@shared_task(acks_late=True)
def build_list_pdfs(list_id):
    """Draw a pickup list's A4 PDF and slips sheet (idempotent: a printed list is left alone)."""
    from . import pickup_lists

    pickup_lists.build_pdfs(list_id)


@shared_task
def requeue_stale_list_pdfs():
    """Beat: send again the lists a killed worker left queued or half-drawn."""
    from . import pickup_lists

    stale = pickup_lists.take_stale_lists()
    for list_id in stale:
        build_list_pdfs.delay(list_id)
    return len(stale)
