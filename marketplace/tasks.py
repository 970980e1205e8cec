"""Thin Celery tasks over marketplace.services."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def warn_expiring_ocop_certificates():
    """Daily: warn producers 60 days before an OCOP certificate ends (once per certificate)."""
    return services.warn_expiring_ocop_certificates()
