from celery import shared_task

from . import notifications


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def deliver_notification(self, notification_id):
    try:
        return notifications.deliver(notification_id)
    except Exception as exc:  # a gateway error: try again later
        from .models import Notification

        Notification.objects.filter(pk=notification_id).update(error=str(exc)[:2000])
        raise self.retry(exc=exc) from exc
