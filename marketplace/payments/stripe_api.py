"""The few calls of the Stripe API that card payments need, over plain HTTP with `requests`.

No Stripe SDK: the API is form-encoded POSTs and JSON answers, and the same code talks to
Stripe or to a Stripe-compatible server (localstripe in development and tests) depending only
on ``settings.STRIPE_API_BASE``. Amounts are whole đồng: VND is a zero-decimal currency, so
``amount=450000`` is 450.000 ₫.

Every creating call carries an ``Idempotency-Key``, so a retried request (a timeout, a task run
twice) gets Stripe's first answer instead of a second charge or refund. localstripe ignores
that header, so the refund also looks for a refund it already made before making one.
"""

import hashlib
import hmac
import threading
import time
import uuid
from urllib.parse import urlsplit

import requests
from django.conf import settings

# (connect, read) seconds: a buyer waits on the card page while these calls run.
TIMEOUT = (5, 20)
CURRENCY = "vnd"
# The metadata key a refund carries its idempotency key in, to be found again.
REFUND_KEY_METADATA = "chophien_refund_key"
# Namespace of the refund idempotency keys derived from a payment's own key.
_REFUND_NAMESPACE = uuid.UUID("6f1f7a52-9a4c-4c55-8a0e-2b0e4c7d1a90")

# One connection pool per thread (gunicorn runs threads; a Session is not thread-safe).
_local = threading.local()


class StripeError(Exception):
    """A call to Stripe failed; ``status`` is the HTTP status (None: no answer at all),
    ``code`` Stripe's error code when it gave one."""

    def __init__(self, message, *, status=None, code=""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code or ""


class StripeUnavailable(StripeError):
    """No usable answer (network error, timeout, 5xx, 429): trying again later may work."""


class CardDeclined(StripeError):
    """The card was refused (HTTP 402): the buyer should try another card."""


class SignatureError(ValueError):
    """A webhook's Stripe-Signature header does not prove it came from Stripe, now."""


def is_configured() -> bool:
    """Card payments are offered only when the site has a secret key to create them with."""
    return bool(settings.STRIPE_SECRET_KEY)


def _session() -> requests.Session:
    """This thread's requests session (Wagtail's API loads requests at start-up anyway)."""
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def _request(method, path, *, data=None, params=None, idempotency_key=None) -> dict:
    headers = {"Authorization": f"Bearer {settings.STRIPE_SECRET_KEY}"}
    if idempotency_key:
        headers["Idempotency-Key"] = str(idempotency_key)
    import requests

    try:
        response = _session().request(
            method,
            f"{settings.STRIPE_API_BASE}{path}",
            data=data,
            params=params,
            headers=headers,
            timeout=TIMEOUT,
        )
    except requests.RequestException as error:
        raise StripeUnavailable(f"Stripe did not answer: {error}") from error
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.ok and isinstance(body, dict):
        return body
    error = body.get("error", {}) if isinstance(body, dict) else {}
    message = error.get("message") or f"HTTP {response.status_code}"
    kind = StripeError
    if response.status_code == 402:
        kind = CardDeclined
    elif response.status_code >= 500 or response.status_code == 429 or response.ok:
        kind = StripeUnavailable
    raise kind(message, status=response.status_code, code=error.get("code", ""))


def create_payment_intent(*, amount: int, order_number: str, idempotency_key) -> dict:
    """A PaymentIntent for ``amount`` đồng, labelled with the order number; the same
    ``idempotency_key`` (the Payment's) returns the same PaymentIntent at Stripe."""
    if not isinstance(amount, int) or amount <= 0:
        raise ValueError("amount must be a positive whole number of đồng")
    return _request(
        "POST",
        "/v1/payment_intents",
        data={
            "amount": amount,
            "currency": CURRENCY,
            "metadata[order_number]": order_number,
            "payment_method_types[]": "card",
        },
        idempotency_key=idempotency_key,
    )


def retrieve_payment_intent(intent_id: str) -> dict:
    return _request("GET", f"/v1/payment_intents/{_checked_id(intent_id, 'pi_')}")


def pay_with_token(intent_id: str, token_id: str) -> dict:
    """Charges the card a Stripe.js token stands for to the PaymentIntent, and returns the
    PaymentIntent as it is then (``succeeded``, or ``requires_action`` for 3-D Secure).

    The browser sends only the token (Stripe.js talks to Stripe directly: the card number never
    reaches this site); the token's card becomes the PaymentIntent's payment method, then the
    PaymentIntent is confirmed. Raises CardDeclined when the card is refused."""
    intent_id = _checked_id(intent_id, "pi_")
    token = _request("GET", f"/v1/tokens/{_checked_id(token_id, 'tok_')}")
    card_id = (token.get("card") or {}).get("id", "")
    if not card_id:
        raise StripeError("the token carries no card", code="invalid_token")
    _request("POST", f"/v1/payment_intents/{intent_id}", data={"payment_method": card_id})
    return _request("POST", f"/v1/payment_intents/{intent_id}/confirm")


def refund_idempotency_key(payment_idempotency_key) -> str:
    """The refund's own idempotency key, derived from the payment's: every run of a retried
    refund task sends the same one, so Stripe refunds once."""
    return str(uuid.uuid5(_REFUND_NAMESPACE, str(payment_idempotency_key)))


def refund(intent_id: str, *, amount: int, idempotency_key: str) -> dict:
    """Refunds ``amount`` đồng of a succeeded PaymentIntent, once: a refund already made with
    this key is returned instead of making another."""
    intent_id = _checked_id(intent_id, "pi_")
    existing = _request("GET", "/v1/refunds", params={"payment_intent": intent_id, "limit": 100})
    for made in existing.get("data", []):
        if (made.get("metadata") or {}).get(REFUND_KEY_METADATA) == idempotency_key:
            return made
    return _request(
        "POST",
        "/v1/refunds",
        data={
            "payment_intent": intent_id,
            "amount": amount,
            f"metadata[{REFUND_KEY_METADATA}]": idempotency_key,
        },
        idempotency_key=idempotency_key,
    )


def _checked_id(value: str, prefix: str) -> str:
    """Ids go into URL paths: only Stripe-shaped ones (prefix, letters, digits, _)."""
    rest = value[len(prefix) :] if isinstance(value, str) and value.startswith(prefix) else ""
    if not rest or not rest.replace("_", "").isalnum() or not rest.isascii():
        raise StripeError(f"not a {prefix}… id", code="invalid_id")
    return value


def verify_signature(payload: bytes, header: str, secret: str, tolerance=300, now=None) -> int:
    """Checks a webhook's ``Stripe-Signature`` header (``t=<unix>,v1=<hex>[,v1=<hex>…]``)
    against the raw request body, the way Stripe signs: HMAC-SHA256 keyed with the endpoint
    secret over ``"<t>.<body>"``, compared in constant time with every ``v1`` (there are
    several while a secret is being rolled). The timestamp must be within ``tolerance``
    seconds of now, in either direction, so a captured request cannot be replayed later.
    Returns the timestamp; raises SignatureError."""
    if not secret:
        raise SignatureError("no webhook secret is configured")
    timestamp, signatures = None, []
    for item in (header or "").split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError("the timestamp is not a number") from None
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("the request is not signed")
    expected = hmac.new(
        secret.encode(), str(timestamp).encode() + b"." + payload, hashlib.sha256
    ).hexdigest()
    if not any(hmac.compare_digest(expected, signature) for signature in signatures):
        raise SignatureError("no signature matches")
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError("the signature is too old or from the future")
    return timestamp


def sign(payload: bytes, secret: str, timestamp=None) -> str:
    """A Stripe-Signature header for ``payload``, as Stripe (and localstripe) write it; the
    tests sign the events they send with it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def csp_update() -> dict:
    """What the card page adds to the content security policy: Stripe.js's origin for the
    script and its 3-D Secure frames, and the API's, which Stripe.js calls from the browser."""
    origins = list(
        dict.fromkeys(
            f"{part.scheme}://{part.netloc}"
            for part in map(urlsplit, [settings.STRIPE_JS_URL, settings.STRIPE_API_BASE])
        )
    )
    return {
        "script-src": origins[:1],
        "connect-src": ["'self'", *origins],
        "frame-src": [origins[0], "https://hooks.stripe.com"],
    }
