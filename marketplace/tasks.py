"""Thin Celery tasks over marketplace.services."""

from celery import shared_task

from . import photos, services


@shared_task(acks_late=True)
def warn_expiring_ocop_certificates():
    """Daily: warn producers 60 days before an OCOP certificate ends (once per certificate)."""
    return services.warn_expiring_ocop_certificates()


@shared_task(acks_late=True)
def make_renditions(image_ids):
    """Resize new product photos in the background, so the first page view stays fast."""
    photos.make_renditions(image_ids)
