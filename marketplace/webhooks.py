"""The webhook inbox: every incoming webhook is stored as received, then processed by a task.

A provider's view verifies the signature on the raw body and calls ``receive``; the stored
row is the proof of what arrived, whatever happens next. Only verified events are processed,
each exactly once (``processed_at`` under a row lock); a handler that raises leaves its error
on the row and the ``retry_webhooks`` sweep tries again, so a worker that died or a handler
that hit a passing fault loses nothing. A verified event id is stored once: a provider that
sends the same event ten times gets the same row ten times.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from .order_models import WebhookEvent

log = logging.getLogger(__name__)

_handlers = {}

# After this many failed attempts an event waits for a person (its error shows in the admin).
MAX_ATTEMPTS = 8


def handler(provider):
    """Register ``function(webhook_event)`` as the processor of ``provider``'s events."""

    def register(function):
        _handlers[WebhookEvent.Provider(provider)] = function
        return function

    return register


def receive(provider, *, event_id, body, signature_valid):
    """Store one incoming webhook and, when verified, queue its processing after commit.
    Returns (event, created); a verified event id seen before returns the stored row."""
    from .tasks import process_webhook

    provider = WebhookEvent.Provider(provider)
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    event_id = str(event_id or "")[:100]
    if signature_valid and event_id:
        stored = WebhookEvent.objects.filter(
            provider=provider, event_id=event_id, signature_valid=True
        ).first()
        if stored is not None:
            return stored, False
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                provider=provider, event_id=event_id, body=body, signature_valid=signature_valid
            )
    except IntegrityError:  # the same event arriving twice at the same moment
        stored = WebhookEvent.objects.get(
            provider=provider, event_id=event_id, signature_valid=True
        )
        return stored, False
    if signature_valid:
        transaction.on_commit(lambda: process_webhook.delay(event.pk))
    return event, True


def process(event_id):
    """Run the provider's handler on one stored, verified event, once. True when done."""
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.processed_at or not event.signature_valid:
            return False
        event.attempts += 1
        try:
            with transaction.atomic():
                _handlers[WebhookEvent.Provider(event.provider)](event)
        except Exception as error:  # recorded on the row; the sweep retries it
            log.exception("webhook %s failed", event.pk)
            event.error = f"{type(error).__name__}: {error}"[:2000]
            event.save(update_fields=["attempts", "error"])
            return False
        event.processed_at = timezone.now()
        event.error = ""
        event.save(update_fields=["attempts", "error", "processed_at"])
        return True


def unprocessed():
    """Verified events still waiting, oldest first, that have attempts left."""
    return WebhookEvent.objects.filter(
        signature_valid=True, processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS
    ).order_by("received_at")
