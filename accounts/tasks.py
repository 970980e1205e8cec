from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import notifications


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def deliver_notification(self, notification_id):
    try:
        return notifications.deliver(notification_id)
    except Exception as exc:  # a gateway error: try again later
        from .models import Notification

        Notification.objects.filter(pk=notification_id).update(error=str(exc)[:2000])
        raise self.retry(exc=exc) from exc


@shared_task
def resend_undelivered_notifications():
    """Periodic sweep: queue again what was left behind (delivery itself is idempotent)."""
    ids = list(
        notifications.undelivered(older_than=timedelta(minutes=3))
        .filter(created_at__gt=timezone.now() - timedelta(days=2))
        .values_list("pk", flat=True)[:1000]
    )
    for notification_id in ids:
        deliver_notification.delay(notification_id)
    return len(ids)
