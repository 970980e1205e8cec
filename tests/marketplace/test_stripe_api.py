"""The Stripe client: webhook signatures checked the way Stripe signs, and PaymentIntents
created, paid and refunded against localstripe (tests/payments_support.py)."""

import hashlib
import hmac
import uuid

import pytest

from marketplace.payments import stripe_api
from marketplace.payments.stripe_api import CardDeclined, SignatureError, verify_signature

SECRET = "whsec_test_secret"
BODY = b'{"id": "evt_1", "type": "payment_intent.succeeded"}'
NOW = 1_790_000_000


def v1(payload, timestamp, secret=SECRET):
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, "sha256").hexdigest()


class TestSignature:
    def test_a_signature_made_with_the_secret_is_accepted(self):
        header = f"t={NOW},v1={v1(BODY, NOW)}"
        assert verify_signature(BODY, header, SECRET, now=NOW) == NOW

    def test_any_of_several_v1_signatures_may_match(self):
        """While a secret is being rolled Stripe signs with the old and the new one."""
        header = f"t={NOW},v1={v1(BODY, NOW, 'whsec_old')},v0=ignored,v1={v1(BODY, NOW)}"
        assert verify_signature(BODY, header, SECRET, now=NOW) == NOW

    def test_the_sign_helper_writes_what_verify_accepts(self):
        assert verify_signature(BODY, stripe_api.sign(BODY, SECRET, NOW), SECRET, now=NOW)

    @pytest.mark.parametrize(
        "header",
        [
            f"t={NOW},v1={v1(BODY, NOW, 'whsec_other')}",  # another secret
            f"t={NOW + 1},v1={v1(BODY, NOW)}",  # timestamp changed after signing
            f"t={NOW},v1={v1(BODY, NOW)[:-1]}0",  # one digit off
            f"t={NOW},v0={v1(BODY, NOW)}",  # only a scheme Stripe does not use
        ],
    )
    def test_a_wrong_signature_is_refused(self, header):
        with pytest.raises(SignatureError):
            verify_signature(BODY, header, SECRET, now=NOW)

    def test_a_changed_body_is_refused(self):
        header = f"t={NOW},v1={v1(BODY, NOW)}"
        with pytest.raises(SignatureError):
            verify_signature(BODY.replace(b"evt_1", b"evt_2"), header, SECRET, now=NOW)

    @pytest.mark.parametrize("header", ["", None, f"t={NOW}", f"v1={v1(BODY, NOW)}", "t=x,v1=ab"])
    def test_an_unsigned_request_is_refused(self, header):
        with pytest.raises(SignatureError):
            verify_signature(BODY, header, SECRET, now=NOW)

    def test_a_stale_signature_is_refused(self):
        header = f"t={NOW},v1={v1(BODY, NOW)}"
        assert verify_signature(BODY, header, SECRET, now=NOW + 300)
        with pytest.raises(SignatureError):
            verify_signature(BODY, header, SECRET, now=NOW + 301)

    def test_a_signature_from_the_future_is_refused(self):
        header = f"t={NOW},v1={v1(BODY, NOW)}"
        assert verify_signature(BODY, header, SECRET, now=NOW - 300)
        with pytest.raises(SignatureError):
            verify_signature(BODY, header, SECRET, now=NOW - 301)

    def test_without_a_configured_secret_nothing_is_accepted(self):
        header = f"t={NOW},v1={v1(BODY, NOW, '')}"
        with pytest.raises(SignatureError):
            verify_signature(BODY, header, "", now=NOW)

    def test_the_comparison_takes_constant_time(self, monkeypatch):
        compared = []
        real = hmac.compare_digest
        monkeypatch.setattr(hmac, "compare_digest", lambda a, b: compared.append(b) or real(a, b))
        verify_signature(BODY, f"t={NOW},v1={v1(BODY, NOW)}", SECRET, now=NOW)
        assert compared == [v1(BODY, NOW)]


def test_the_refund_key_is_derived_from_the_payment_and_differs_from_it():
    key = uuid.uuid4()
    assert stripe_api.refund_idempotency_key(key) == stripe_api.refund_idempotency_key(str(key))
    assert stripe_api.refund_idempotency_key(key) != str(key)
    assert stripe_api.refund_idempotency_key(key) != stripe_api.refund_idempotency_key(uuid.uuid4())


class TestAgainstLocalstripe:
    def create(self, amount=450_000):
        return stripe_api.create_payment_intent(
            amount=amount, order_number="CP-24Q7-K3M9", idempotency_key=uuid.uuid4()
        )

    def test_a_payment_intent_is_in_whole_dong(self, localstripe):
        intent = self.create()
        assert intent["id"].startswith("pi_")
        assert (intent["amount"], intent["currency"]) == (450_000, "vnd")
        assert intent["metadata"] == {"order_number": "CP-24Q7-K3M9"}
        assert intent["client_secret"].startswith(intent["id"] + "_secret_")
        assert stripe_api.retrieve_payment_intent(intent["id"])["status"] == (
            "requires_payment_method"
        )

    def test_the_idempotency_key_and_the_secret_key_are_sent(self, localstripe, monkeypatch):
        sent = []
        session = stripe_api._session()
        original = session.request
        monkeypatch.setattr(
            session, "request", lambda *a, **kw: sent.append(kw["headers"]) or original(*a, **kw)
        )
        key = uuid.uuid4()
        stripe_api.create_payment_intent(amount=1000, order_number="CP-1", idempotency_key=key)
        assert sent == [{"Authorization": "Bearer sk_test_chophien", "Idempotency-Key": str(key)}]

    def test_a_test_card_pays_the_intent(self, localstripe):
        intent = self.create()
        paid = stripe_api.pay_with_token(intent["id"], localstripe.card_token("4242424242424242"))
        assert paid["status"] == "succeeded"
        assert stripe_api.retrieve_payment_intent(intent["id"])["status"] == "succeeded"

    def test_a_declined_card_raises_card_declined(self, localstripe):
        intent = self.create()
        with pytest.raises(CardDeclined) as declined:
            stripe_api.pay_with_token(intent["id"], localstripe.card_token("4000000000000341"))
        assert (declined.value.status, declined.value.code) == (402, "card_declined")
        assert stripe_api.retrieve_payment_intent(intent["id"])["status"] != "succeeded"

    def test_a_3d_secure_card_asks_for_authentication(self, localstripe):
        intent = self.create()
        paid = stripe_api.pay_with_token(intent["id"], localstripe.card_token("4000002500003155"))
        assert paid["status"] == "requires_action"

    def test_a_refund_retried_refunds_once(self, localstripe):
        intent = self.create()
        stripe_api.pay_with_token(intent["id"], localstripe.card_token())
        key = stripe_api.refund_idempotency_key(uuid.uuid4())
        first = stripe_api.refund(intent["id"], amount=450_000, idempotency_key=key)
        again = stripe_api.refund(intent["id"], amount=450_000, idempotency_key=key)
        assert first["id"] == again["id"]
        assert first["amount"] == 450_000
        refunds = localstripe.get(f"/v1/refunds?payment_intent={intent['id']}")["data"]
        assert [refund["id"] for refund in refunds] == [first["id"]]

    def test_a_wrong_secret_key_is_an_error_not_a_payment(self, localstripe, settings):
        settings.STRIPE_SECRET_KEY = "not-a-key"
        with pytest.raises(stripe_api.StripeError) as error:
            self.create()
        assert error.value.status == 401

    def test_no_server_is_unavailable(self, localstripe, settings):
        settings.STRIPE_API_BASE = "http://127.0.0.1:9"
        with pytest.raises(stripe_api.StripeUnavailable):
            self.create()

    @pytest.mark.parametrize("bad", ["pi_../../v1/refunds", "ch_123", "", "pi_"])
    def test_ids_that_are_not_stripe_ids_never_reach_a_url(self, localstripe, bad):
        with pytest.raises(stripe_api.StripeError):
            stripe_api.retrieve_payment_intent(bad)


def test_the_card_page_policy_names_the_stripe_js_and_api_origins(settings):
    settings.STRIPE_API_BASE = "https://api.stripe.com"
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"
    policy = stripe_api.csp_update()
    assert policy["script-src"] == ["https://js.stripe.com"]
    assert policy["connect-src"] == ["'self'", "https://js.stripe.com", "https://api.stripe.com"]
    assert "https://js.stripe.com" in policy["frame-src"]


def test_hashlib_sha256_is_what_signs():
    """Guards the scheme's hash: Stripe's v1 is HMAC-SHA256, nothing weaker."""
    header = stripe_api.sign(BODY, SECRET, NOW)
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={NOW},v1={expected}"
