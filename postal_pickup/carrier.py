"""The carrier's status webhook ``POST /webhooks/buu-dien/``: the carrier's system tells us
where a parcel is after pickup.

The body is JSON::

    {"id": "<event id>", "sscc": "<18 digits>", "status": "in_transit", "note": "...",
     "occurred_at": "2026-12-01T09:30:00+07:00"}

``status`` is one of in_transit, out_for_delivery, delivered, delivery_failed, returned. The
call carries ``X-Carrier-Timestamp`` (Unix seconds, within five minutes of ours) and
``X-Carrier-Signature``, the hex HMAC-SHA256 of ``"<timestamp>.<raw body>"`` keyed with
CARRIER_WEBHOOK_SECRET; an empty secret accepts nothing.

Every call is stored in the webhook inbox first (``marketplace.webhooks.receive``). A call
whose signature fails is stored unverified and answered 401. A signed call that is not a
status we can act on (not JSON, a missing field, an unknown status, a time without its
offset, an SSCC with a bad check digit, or one no job has) is stored unverified with the reason
as its error, never processed, and answered 400. A verified event is processed once by the
handler below (the same id sent again is the same row); an event older than the job's latest
change is kept on the job's history as ignored; an impossible step leaves its error on the
inbox row (the retry sweep tries it again, so a delivery scan that overtook the pickup
succeeds once the pickup is marked).
"""

import hmac
import json
import time
from datetime import datetime

from django.conf import settings

from marketplace import transfers
from marketplace.order_models import WebhookEvent
from marketplace.webhooks import handler

from . import services
from .models import PickupJob
from .sscc import is_valid_sscc

SIGNATURE_HEADER = "X-Carrier-Signature"
TIMESTAMP_HEADER = "X-Carrier-Timestamp"
TOLERANCE_SECONDS = 5 * 60
# A status event is a few hundred bytes; anything far bigger is not one.
MAX_BODY_BYTES = 16 * 1024
STATUSES = {str(status) for status in services.AFTER_PICKUP}


class Refused(Exception):
    """A signed call we cannot act on: ``code`` for the JSON answer, ``message`` for people."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def signed_headers(body: bytes, secret: str, timestamp: int | None = None) -> dict:
    """The headers that make ``body`` a signed carrier call (for tests and the README)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: transfers.signature(body, timestamp, secret),
    }


def is_authentic(headers, body: bytes, now: float | None = None) -> bool:
    """A fresh, valid signature with CARRIER_WEBHOOK_SECRET; nothing passes an empty one."""
    secret = settings.CARRIER_WEBHOOK_SECRET
    if not secret:
        return False
    stamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    given = (headers.get(SIGNATURE_HEADER) or "").strip().lower()
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12 and given):
        return False
    now = time.time() if now is None else now
    if abs(now - int(stamp)) > TOLERANCE_SECONDS:
        return False
    expected = transfers.signature(body, stamp, secret)
    return hmac.compare_digest(given.encode(), expected.encode())


def claimed_id(body) -> str:
    """The event id a call claims, whatever else is wrong with it."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ""
    value = data.get("id") if isinstance(data, dict) else ""
    return str(value)[:100] if isinstance(value, str | int) else ""


def parse(body) -> dict:
    """The event as {"id", "sscc", "status", "occurred_at" (aware datetime), "note"}, or
    Refused saying what is wrong with it."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Refused("bad_json", "the body is not JSON") from None
    if not isinstance(data, dict):
        raise Refused("bad_json", "the body is not a JSON object")
    event_id, sscc, status = data.get("id"), data.get("sscc"), data.get("status")
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 100:
        raise Refused("bad_id", "id: a string of 1 to 100 characters")
    if not isinstance(sscc, str) or len(sscc) != 18 or not (sscc.isascii() and sscc.isdigit()):
        raise Refused("bad_sscc", "sscc: 18 digits")
    if not is_valid_sscc(sscc):
        raise Refused("bad_check_digit", "sscc: the check digit is wrong")
    if status not in STATUSES:
        raise Refused("bad_status", f"status: one of {', '.join(sorted(STATUSES))}")
    try:
        occurred_at = datetime.fromisoformat(str(data.get("occurred_at")))
    except ValueError:
        raise Refused("bad_occurred_at", "occurred_at: ISO 8601 with its offset") from None
    if occurred_at.tzinfo is None:
        raise Refused("bad_occurred_at", "occurred_at: ISO 8601 with its offset")
    note = data.get("note") or ""
    if not isinstance(note, str):
        raise Refused("bad_note", "note: a string")
    return {
        "id": event_id.strip(),
        "sscc": sscc,
        "status": status,
        "occurred_at": occurred_at,
        "note": note.strip()[:300],
    }


def check(body) -> dict:
    """``parse``, and the parcel must be one of ours."""
    event = parse(body)
    if not PickupJob.objects.filter(sscc=event["sscc"]).exists():
        raise Refused("unknown_sscc", "sscc: no parcel of ours has it")
    return event


@handler(WebhookEvent.Provider.CARRIER)
def process_carrier_event(webhook_event):
    """Apply one stored, verified carrier event to its job."""
    event = parse(webhook_event.body)
    services.apply_carrier_event(
        event["sscc"],
        event["status"],
        event["occurred_at"],
        note=event["note"],
        event_id=event["id"],
    )
