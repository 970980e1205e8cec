"""The carrier's status call as a real carrier's system would send it, signed or not."""

import itertools
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from postal_pickup import carrier

SECRET = "test-carrier-webhook-secret"
URL = "/webhooks/buu-dien/"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
_ids = itertools.count(1)


def event_body(sscc, status, *, occurred_at=None, event_id=None, note="", **extra):
    occurred_at = occurred_at or datetime.now(HANOI) + timedelta(seconds=next(_ids))
    data = {
        "id": event_id or f"VNP-{next(_ids)}",
        "sscc": sscc,
        "status": status,
        "occurred_at": occurred_at.isoformat(),
        "note": note,
        **extra,
    }
    return json.dumps(data, ensure_ascii=False).encode()


def post(client, body, *, secret=SECRET, timestamp=None, headers=None):
    """POST ``body`` signed with ``secret`` (none: unsigned)."""
    signed = carrier.signed_headers(body, secret, timestamp) if secret else {}
    return client.post(
        URL,
        body,
        content_type="application/json",
        headers={**signed, **(headers or {})},
    )
