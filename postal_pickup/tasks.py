from celery import shared_task

from . import services


@shared_task
def create_missing_jobs():
    """Periodic sweep (every 5 minutes): confirmed seller orders left without a pickup job."""
    return services.create_missing_jobs()
