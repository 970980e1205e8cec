"""The interface every payment method implements."""

from abc import ABC, abstractmethod
from datetime import timedelta

from django.conf import settings


class PaymentAdapter(ABC):
    """One payment method.

    ``start`` runs inside the transaction that places the order (no network there);
    ``next_url`` is where the buyer goes after placing; ``refund`` runs in a task after a
    cancellation commits and returns True when the money went back by itself (False when a
    person must send it, who has then been told)."""

    method = None  # a PaymentMethod
    prepaid = False  # True: the order waits for the money before the farmer packs

    def is_available(self):
        return True

    def payment_window(self):
        """How long a prepaid order waits for its money before it expires."""
        return timedelta(minutes=settings.ORDER_PAYMENT_MINUTES)

    @abstractmethod
    def start(self, order):
        """Prepare ``order`` for this method (amounts to collect, a pending payment)."""

    def next_url(self, order):
        return order.get_absolute_url()

    @abstractmethod
    def refund(self, payment):
        """Send ``payment`` back; True when done, False when a person must do it."""
