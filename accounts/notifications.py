"""One interface for every message to a person (SMS, e-mail).

Callers use ``notify(user, subject, body)``. The message is stored, then delivered by a Celery
task through the backend named by the NOTIFICATION_BACKEND setting. The default backend writes
to the log, so a real SMS gateway is one class away.
"""

import logging
from abc import ABC, abstractmethod

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Notification, User
from .roles import Role

logger = logging.getLogger("chophien.notifications")


class BaseBackend(ABC):
    @abstractmethod
    def send(self, notification):
        """Deliver one stored notification; raise to have the delivery retried."""


class LogBackend(BaseBackend):
    def send(self, notification):
        logger.info(
            "notification to %s via %s: %s | %s",
            notification.recipient.phone,
            notification.channel,
            notification.subject,
            notification.body,
        )


class EmailBackend(LogBackend):
    """Send by e-mail to people who gave an address; log the rest (where SMS would go)."""

    def send(self, notification):
        if notification.channel == Notification.Channel.EMAIL and notification.recipient.email:
            send_mail(
                notification.subject,
                notification.body,
                settings.DEFAULT_FROM_EMAIL,
                [notification.recipient.email],
            )
        else:
            super().send(notification)


def get_backend():
    return import_string(settings.NOTIFICATION_BACKEND)()


def notify(user, subject, body):
    """Store a message for ``user`` and deliver it once the current transaction commits."""
    from .tasks import deliver_notification

    channel = Notification.Channel.EMAIL if user.email else Notification.Channel.SMS
    notification = Notification.objects.create(
        recipient=user, channel=channel, subject=str(subject)[:200], body=str(body)
    )
    transaction.on_commit(lambda: deliver_notification.delay(notification.pk))
    return notification


def notify_role(role, subject, body):
    """Send the same message to every active member of a role (e.g. all moderators)."""
    members = User.objects.filter(groups__name=Role(role).value, is_active=True).distinct()
    return [notify(user, subject, body) for user in members]


def undelivered(older_than):
    """Notifications still unsent ``older_than`` after they were made: their delivery task
    was lost (a worker died, a broker dropped the message) or keeps failing."""
    cutoff = timezone.now() - older_than
    return Notification.objects.filter(sent_at__isnull=True, created_at__lt=cutoff)


def deliver(notification_id):
    """Deliver a stored notification once: a second call for a sent one does nothing."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, sent_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        get_backend().send(notification)
        notification.sent_at = timezone.now()
        notification.error = ""
        notification.save(update_fields=["sent_at", "error"])
    return True
