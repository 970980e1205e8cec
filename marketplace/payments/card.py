"""Card payments through the Stripe API (docs/payments.md, "Card (Stripe API)").

Placing the order makes a pending Payment and nothing else (no network inside the placing
transaction). The card page then creates the PaymentIntent, once, and charges the card the
browser tokenised; the money is recorded by ``checkout.confirm_payment`` from whichever
reports first, the page or the signed ``payment_intent.succeeded`` webhook, exactly once.
"""

import json
import logging
import uuid

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .. import checkout
from ..order_models import InvalidTransition, Order, Payment, PaymentMethod
from ..webhooks import handler
from . import stripe_api
from .base import PaymentAdapter
from .registry import register

log = logging.getLogger(__name__)

# PaymentIntent statuses (Stripe's words) the card page acts on.
SUCCEEDED = "succeeded"
REQUIRES_ACTION = "requires_action"
PROCESSING = "processing"


@register
class Card(PaymentAdapter):
    method = PaymentMethod.CARD
    prepaid = True

    def is_available(self):
        """Offered only while the site has a Stripe secret key."""
        return stripe_api.is_configured()

    def start(self, order):
        """A pending payment for the whole order; its PaymentIntent is made by the card page."""
        Payment.objects.create(order=order, method=self.method, amount=order.total)

    def next_url(self, order):
        return reverse("marketplace:card_payment", args=[order.tracking_token])

    def refund(self, payment):
        """The whole payment back to the card. The refund's idempotency key is derived from
        the payment, and an earlier refund made with it is found first: a retried task
        refunds once. Raises StripeError while Stripe cannot be reached."""
        stripe_api.refund(
            payment.provider_id,
            amount=payment.amount,
            idempotency_key=stripe_api.refund_idempotency_key(payment.idempotency_key),
        )
        return True


class OrderClosed(Exception):
    """The order no longer waits for its money (paid, cancelled, expired, or past its
    deadline): no card is charged for it."""


def payment_of(order):
    """The order's card payment."""
    return Payment.objects.filter(order=order, method=PaymentMethod.CARD).latest("created_at")


def can_pay(order):
    """A card is charged only for an order still waiting for its money, before its deadline."""
    return order.status == Order.Status.AWAITING_PAYMENT and (
        order.payment_deadline is None or order.payment_deadline > timezone.now()
    )


def prepare(payment):
    """The payment with its PaymentIntent, created the first time it is asked for.

    The Payment row is locked while the PaymentIntent is created, so two pages opened at once
    make one; the request carries the Payment's idempotency key, so a retry after a lost
    answer gets the same PaymentIntent back from Stripe."""
    if payment.provider_id:
        return payment
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("order").get(pk=payment.pk)
        if not payment.provider_id:
            _attach_new_intent(payment)
    return payment


def _attach_new_intent(payment):
    intent = stripe_api.create_payment_intent(
        amount=payment.amount,
        order_number=payment.order.number,
        idempotency_key=payment.idempotency_key,
    )
    payment.provider_id = intent["id"]
    payment.client_secret = intent["client_secret"]
    payment.status = Payment.Status.PENDING
    payment.save(update_fields=["provider_id", "client_secret", "status", "idempotency_key"])


def _renew(payment, spent_intent_id):
    """A new PaymentIntent (with a new idempotency key) once the last one can no longer be
    paid: its charge was declined or it was cancelled."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("order").get(pk=payment.pk)
        if payment.provider_id == spent_intent_id:
            payment.idempotency_key = uuid.uuid4()
            _attach_new_intent(payment)
    return payment


def _spent(intent):
    return intent["status"] == "canceled" or (
        intent["status"] == "requires_payment_method" and bool(intent.get("last_payment_error"))
    )


def check(payment):
    """Asks Stripe how the payment's PaymentIntent stands and records the money if it has
    arrived; returns the PaymentIntent's status (what the card page shows next)."""
    payment = prepare(payment)
    intent = stripe_api.retrieve_payment_intent(payment.provider_id)
    return settle(payment, intent)


def pay(payment, token_id):
    """Charges the card behind the Stripe.js token ``token_id`` for ``payment``; returns the
    PaymentIntent's status. Never charges a paid PaymentIntent again (a form sent twice);
    raises OrderClosed, CardDeclined (the payment then shows as failed) or StripeError."""
    if not can_pay(payment.order):
        raise OrderClosed(payment.order.number)
    payment = prepare(payment)
    intent = stripe_api.retrieve_payment_intent(payment.provider_id)
    if intent["status"] in {SUCCEEDED, REQUIRES_ACTION, PROCESSING}:
        return settle(payment, intent)
    if _spent(intent):
        payment = _renew(payment, intent["id"])
    try:
        intent = stripe_api.pay_with_token(payment.provider_id, token_id)
    except stripe_api.CardDeclined:
        mark_failed(payment.provider_id)
        raise
    return settle(payment, intent)


def settle(payment, intent):
    """Records a succeeded PaymentIntent as the payment's money (once, whoever asks) and
    returns its status. Money that arrives for an order already cancelled or expired is sent
    straight back."""
    status = intent.get("status", "")
    if status != SUCCEEDED:
        return status
    if intent.get("amount") != payment.amount or intent.get("currency") != stripe_api.CURRENCY:
        raise stripe_api.StripeError(
            f"PaymentIntent {intent.get('id')} is for {intent.get('amount')} "
            f"{intent.get('currency')}, the payment for {payment.amount} VND"
        )
    try:
        checkout.confirm_payment(payment)
    except InvalidTransition:
        _refund_late(payment)
    return status


def _refund_late(payment):
    """The card was charged after the order closed (expired while the bank answered, or
    cancelled): recorded on the order, and the money goes back to the card at once."""
    log.warning("card payment %s arrived after its order closed: refunding", payment.pk)
    checkout.record_late_payment(payment)


def mark_failed(intent_id):
    """A declined charge: the pending payment shows as failed until another card pays it."""
    Payment.objects.filter(
        provider_id=intent_id, method=PaymentMethod.CARD, status=Payment.Status.PENDING
    ).update(status=Payment.Status.FAILED)


@handler("stripe")
def handle_stripe_event(event):
    """A verified Stripe event from the inbox: ``payment_intent.succeeded`` records the money
    (the buyer's browser may never have come back), ``payment_intent.payment_failed`` marks
    the payment failed; other events are kept and ignored."""
    data = json.loads(event.body)
    kind = data.get("type")
    intent = (data.get("data") or {}).get("object") or {}
    if kind == "payment_intent.payment_failed":
        mark_failed(intent.get("id"))
    elif kind == "payment_intent.succeeded":
        payment = (
            Payment.objects.select_related("order")
            .filter(provider_id=intent.get("id"), method=PaymentMethod.CARD)
            .first()
        )
        if payment is None:  # left in the inbox with this error for a person to look at
            raise LookupError(f"no card payment has PaymentIntent {intent.get('id')!r}")
        settle(payment, intent)
