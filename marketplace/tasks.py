"""Thin Celery tasks over marketplace's services, checkout and webhook inbox."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import checkout, photos, services, webhooks


@shared_task(acks_late=True)
def warn_expiring_ocop_certificates():
    """Daily: warn producers 60 days before an OCOP certificate ends (once per certificate)."""
    return services.warn_expiring_ocop_certificates()


@shared_task(acks_late=True)
def make_renditions(image_ids):
    """Resize a newly stored photo for every page (photos.RENDITIONS), so no page resizes."""
    photos.make_renditions(image_ids)


@shared_task(acks_late=True)
def expire_unpaid_orders():
    """Every few minutes: unpaid orders past their deadline expire and give their stock back."""
    return checkout.expire_unpaid_orders()


@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=12,
)
def refund_payment(payment_id):
    """After a cancellation commits: send the money back through its payment method. A
    provider that cannot be reached is tried again, backing off to hourly for about half a
    day (a refund is idempotent: the same key never refunds twice)."""
    return checkout.refund(payment_id)


@shared_task(acks_late=True)
def process_webhook(event_id):
    """Act on one stored webhook (exactly once, whichever worker and however often)."""
    return webhooks.process(event_id)


@shared_task(acks_late=True)
def retry_webhooks(older_than_seconds=60):
    """Every few minutes: re-queue verified webhooks not yet processed (a lost task, a
    handler that failed), leaving the newest to their first attempt."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        webhooks.unprocessed().filter(received_at__lt=cutoff).values_list("pk", flat=True)[:500]
    )
    for event_id in ids:
        process_webhook.delay(event_id)
    return len(ids)
