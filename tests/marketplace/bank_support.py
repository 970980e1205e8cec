"""Bank-transfer test helpers: a VietQR order waiting for its money, and the notification a
SePay-style service would post for a transfer, signed or not."""

import itertools
import json
import re

from django.urls import reverse
from PIL import Image, ImageDraw

from marketplace import transfers
from marketplace.order_models import Payment, PaymentMethod

SECRET = "test-bank-webhook-secret"
API_KEY = "test-bank-api-key-1234"
_ids = itertools.count(9_270_400)


def payment_of(order):
    return Payment.objects.get(order=order, method=PaymentMethod.VIETQR)


def notification(*, amount, content, transfer_type="in", transaction_id=None, **extra):
    """The raw JSON body of one bank notification, as SePay writes it."""
    data = {
        "id": next(_ids) if transaction_id is None else transaction_id,
        "gateway": "Vietcombank",
        "transactionDate": "2026-11-30 14:02:37",
        "accountNumber": "0011004321987",
        "code": None,
        "content": content,
        "transferType": transfer_type,
        "transferAmount": amount,
        "accumulated": 19_077_000,
        "subAccount": None,
        "referenceCode": "MBVCB.3278907687",
        "description": "",
        **extra,
    }
    return json.dumps(data, ensure_ascii=False).encode()


def post(client, body, *, headers=None, sign=True, timestamp=None):
    """POST ``body`` to the bank webhook, signed with the test secret unless told otherwise."""
    if headers is None:
        headers = transfers.signed_headers(body, SECRET, timestamp) if sign else {}
    return client.post(
        reverse("marketplace:bank_webhook"),
        data=body,
        content_type="application/json",
        headers=headers,
    )


def rasterize(svg: str, scale: int = 8) -> Image.Image:
    """Draw the SVG's runs the way a browser would, to read the code back."""
    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    picture = Image.new("L", (side * scale, side * scale), 255)
    draw = ImageDraw.Draw(picture)
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", svg):
        x, y, width = int(x), int(y), int(width)
        draw.rectangle([x * scale, y * scale, (x + width) * scale - 1, (y + 1) * scale - 1], fill=0)
    return picture
