"""Incoming bank transfers (VietQR): the bank-notification webhook is authenticated here, each
incoming transfer is matched to one unpaid order by its reference and exact amount, and every
transfer that does not match with certainty waits for a moderator, who resolves it here too.

The notification is SePay-shaped JSON (``id``, ``gateway``, ``transactionDate``,
``accountNumber``, ``code``, ``content``, ``transferType``, ``transferAmount``, ``accumulated``,
``referenceCode``). It is accepted when it carries either an HMAC-SHA256 signature of
``"<timestamp>.<raw body>"`` keyed with BANK_WEBHOOK_SECRET (headers ``X-SePay-Timestamp``,
Unix seconds within five minutes of ours, and ``X-SePay-Signature``, hex) or SePay's
``Authorization: Apikey <BANK_WEBHOOK_API_KEY>``. docs/payments.md has the details.
"""

import hashlib
import hmac
import json
import re
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unidecode import unidecode

from accounts.notifications import notify_role
from accounts.roles import Role

from .access import is_moderator
from .checkout import confirm_payment
from .models import InvalidTransition
from .order_models import (
    _NUMBER_ALPHABET,
    Order,
    Payment,
    PaymentMethod,
    TransferIssue,
    WebhookEvent,
)
from .prices import format_vnd
from .webhooks import handler

SIGNATURE_HEADER = "X-SePay-Signature"
TIMESTAMP_HEADER = "X-SePay-Timestamp"
# A signed notification older (or newer) than this is refused: a captured one cannot be
# replayed later, and a slow bank still gets in.
TOLERANCE_SECONDS = 5 * 60
# A bank notification is a few hundred bytes; anything far bigger is not one.
MAX_BODY_BYTES = 64 * 1024

# A reference is the order number without dashes: CP and 8 Crockford base-32 characters.
_REFERENCE_PREFIX = "CP"
_REFERENCE_DIGITS = 8
# Crockford base 32 reads O as 0 and I, L as 1: letters the numbers never contain, so a buyer
# who typed them meant the digit and no other order can be meant.
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})


class Resolution(models.TextChoices):
    """What a moderator did about an unmatched transfer."""

    CONFIRM = "confirm", gettext_lazy("Confirmed the order's payment")
    DISMISS = "dismiss", gettext_lazy("Closed without confirming (money sent back, or not ours)")


# --- Authenticating the webhook ---------------------------------------------------------------


def signature(body: bytes, timestamp: int | str, secret: str) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` keyed with ``secret``."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, secret: str, timestamp: int | None = None) -> dict:
    """The headers that make ``body`` a signed notification (for the command and tests)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(body, timestamp, secret),
    }


def is_authentic(headers, body: bytes, now: float | None = None) -> bool:
    """Whether a notification comes from our bank-notification service: a fresh valid
    signature (BANK_WEBHOOK_SECRET) or the API key (BANK_WEBHOOK_API_KEY). Every comparison
    takes the same time whatever the guess; an unset key accepts nothing."""
    secret = settings.BANK_WEBHOOK_SECRET
    api_key = settings.BANK_WEBHOOK_API_KEY
    if secret and _signature_holds(headers, body, secret, now):
        return True
    if api_key:
        scheme, _space, given = (headers.get("Authorization") or "").partition(" ")
        if scheme.lower() == "apikey" and hmac.compare_digest(
            given.strip().encode(), api_key.encode()
        ):
            return True
    return False


def _signature_holds(headers, body, secret, now):
    stamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    given = (headers.get(SIGNATURE_HEADER) or "").strip().lower()
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12 and given):
        return False
    now = time.time() if now is None else now
    if abs(now - int(stamp)) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(given.encode(), signature(body, stamp, secret).encode())


def parse_notification(body: bytes | str) -> dict | None:
    """The notification as a dict when it has the fields we act on, with the amount as an
    integer; None for anything else (not JSON, no id, no direction, no whole amount)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    transaction_id = data.get("id")
    if isinstance(transaction_id, bool) or not isinstance(transaction_id, int | str):
        return None
    transaction_id = str(transaction_id).strip()
    amount = data.get("transferAmount")
    if isinstance(amount, float) and amount.is_integer():
        amount = int(amount)
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        return None
    if not transaction_id or len(transaction_id) > 100:
        return None
    if data.get("transferType") not in ("in", "out"):
        return None
    for text in ("content", "code"):
        if data.get(text) is not None and not isinstance(data[text], str):
            return None
    return {**data, "id": transaction_id, "transferAmount": amount}


# --- Matching a transfer to its order ---------------------------------------------------------


def find_references(text: str) -> set[str]:
    """Every order reference written in a transfer's content, however the bank or the buyer
    wrote it: any case, with diacritics, spaces, dots or dashes added (``cp-24q7 k3m9``), or
    Crockford's misread letters (O for 0, I or L for 1)."""
    letters = re.sub(r"[^0-9A-Z]", "", unidecode(text or "").upper())
    found = set()
    start = letters.find(_REFERENCE_PREFIX)
    while start != -1:
        digits = letters[start + 2 : start + 2 + _REFERENCE_DIGITS].translate(_MISREAD)
        if len(digits) == _REFERENCE_DIGITS and all(c in _NUMBER_ALPHABET for c in digits):
            found.add(_REFERENCE_PREFIX + digits)
        start = letters.find(_REFERENCE_PREFIX, start + 1)
    return found


@handler(WebhookEvent.Provider.BANK)
def process_bank_notification(event):
    """Act on one verified bank notification. Money in with exactly one known reference, the
    exact amount and an order still waiting confirms that order; anything else becomes a
    TransferIssue for moderators. Money out is none of our business."""
    data = parse_notification(event.body)
    if data is None:
        raise ValueError("the stored body is not a bank notification")
    if data["transferType"] != "in":
        return
    text = f"{data.get('code') or ''} {data.get('content') or ''}"
    references = find_references(text)
    if not references:
        _queue(event, data, TransferIssue.Reason.NO_REFERENCE)
        return
    payments = list(Payment.objects.filter(method=PaymentMethod.VIETQR, reference__in=references))
    if len(payments) != 1:
        _queue(event, data, TransferIssue.Reason.UNKNOWN_REFERENCE)
        return
    with transaction.atomic():
        # the same lock order as checkout: the order, then its payment
        order = Order.objects.select_for_update().get(pk=payments[0].order_id)
        payment = Payment.objects.select_for_update().get(pk=payments[0].pk)
        reason = _mismatch(order, payment, data["transferAmount"])
        if reason is None:
            confirm_payment(
                payment,
                note=_("Bank transfer %(id)s received: %(amount)s.")
                % {"id": data["id"], "amount": format_vnd(data["transferAmount"])},
            )
            return
    _queue(event, data, reason, payment)


def _mismatch(order, payment, amount):
    """Why this transfer cannot confirm this payment, or None when it can."""
    if payment.status == Payment.Status.SUCCEEDED:
        return TransferIssue.Reason.ALREADY_PAID
    if order.status != Order.Status.AWAITING_PAYMENT or payment.status != Payment.Status.PENDING:
        return TransferIssue.Reason.LATE
    if amount != payment.amount:
        return TransferIssue.Reason.WRONG_AMOUNT
    return None


def _queue(event, data, reason, payment=None):
    """Put a transfer in the moderators' queue (once per notification) and tell them."""
    issue, created = TransferIssue.objects.get_or_create(
        webhook=event,
        defaults={
            "reason": reason,
            "payment": payment,
            "amount": data["transferAmount"],
            "content": (data.get("content") or data.get("code") or "")[:300],
            "transaction_id": data["id"],
        },
    )
    if created:
        order = f" ({payment.order.number})" if payment is not None else ""
        body = _(
            "%(amount)s came in with the content “%(content)s”%(order)s; bank transaction %(id)s."
        ) % {
            "amount": format_vnd(issue.amount),
            "content": issue.content,
            "order": order,
            "id": issue.transaction_id,
        }
        subject = _("A bank transfer needs checking: %(reason)s") % {
            "reason": issue.get_reason_display()
        }
        notify_role(Role.MODERATOR, subject, body)
    return issue


# --- Moderators -------------------------------------------------------------------------------


def resolve_transfer_issue(issue, *, actor, action, note, payment=None):
    """A moderator's decision on an unmatched transfer, recorded with who, when and why.

    ``confirm`` confirms the payment the transfer belongs to (the issue's, or ``payment`` when
    the moderator found the order from a missing or mistyped reference) through
    ``checkout.confirm_payment``, so the order and its farmers move on as if the bank had
    matched it. ``dismiss`` closes the issue (the money was sent back by hand, or it was not
    for an order). A resolved issue stays resolved."""
    if not is_moderator(actor):
        raise PermissionDenied
    try:
        action = Resolution(action)
    except ValueError:
        raise ValidationError(_("Choose what to do with this transfer."), code="action") from None
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Say what you did and why."), code="note")
    with transaction.atomic():
        issue = TransferIssue.objects.select_for_update().get(pk=issue.pk)
        if issue.resolved_at is not None:
            raise ValidationError(_("This transfer was resolved already."), code="resolved")
        if action == Resolution.CONFIRM:
            issue.payment = _confirm_by_hand(issue, payment or issue.payment, actor, note)
        issue.resolved_at = timezone.now()
        issue.resolved_by = actor
        issue.resolution = f"{action.label}: {note}"
        issue.save(update_fields=["payment", "resolved_at", "resolved_by", "resolution"])
    return issue


def _confirm_by_hand(issue, payment, actor, note):
    if payment is None:
        raise ValidationError(_("Choose the order this transfer pays for."), code="payment")
    if payment.method != PaymentMethod.VIETQR:
        raise ValidationError(_("This order is not paid by bank transfer."), code="payment")
    try:
        confirmed = confirm_payment(
            payment,
            actor=actor,
            note=_("Bank transfer %(id)s of %(amount)s confirmed by hand: %(note)s")
            % {"id": issue.transaction_id, "amount": format_vnd(issue.amount), "note": note},
        )
    except InvalidTransition:
        raise ValidationError(
            _("This order is no longer waiting for its money: send the transfer back."),
            code="closed",
        ) from None
    if not confirmed:
        raise ValidationError(
            _("This order is paid already: send the second transfer back."), code="paid"
        )
    return payment
