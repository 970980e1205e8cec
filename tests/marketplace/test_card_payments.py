"""Card payments end to end against localstripe (tests/payments_support.py): the card page,
Stripe's webhook, refunds. The money is confirmed once, however many times Stripe reports it
and whether or not the buyer's browser also came back."""

import json
import time
import uuid
from datetime import timedelta

import pytest
import requests
from django.urls import reverse

from marketplace.checkout import cancel_order, expire_unpaid_orders
from marketplace.models import Order, OrderEvent, Payment, PaymentMethod, WebhookEvent
from marketplace.payments import card, stripe_api
from marketplace.payments.registry import adapter_for, available_adapters
from marketplace.signals import order_confirmed

pytestmark = pytest.mark.django_db

VISA = "4242424242424242"
DECLINED = "4000000000000341"
THREE_D_SECURE = "4000002500003155"
WEBHOOK = "/webhooks/stripe/"


@pytest.fixture
def tea(producer, make_product):
    # no photo: transactional tests flush the photos' root collection with everything else
    return make_product(
        producer, photos=0, name="Chè Shan Tuyết", price=450_000, quantity_available=10
    )


@pytest.fixture
def order(localstripe, place, tea):
    return place([(tea, 2)], method="card")


@pytest.fixture
def confirmations():
    sent = []
    order_confirmed.connect(
        lambda sender, order, **kwargs: sent.append(order.pk),
        dispatch_uid="card_confirmations",
        weak=False,
    )
    yield sent
    order_confirmed.disconnect(dispatch_uid="card_confirmations")


def card_page(order):
    return reverse("marketplace:card_payment", args=[order.tracking_token])


def confirmed_events(order):
    return OrderEvent.objects.filter(order=order, seller_order=None, to_status="confirmed")


def paid_elsewhere(localstripe, order):
    """The card page made the PaymentIntent and the card was charged, but the buyer's
    browser never came back to the site."""
    payment = card.prepare(card.payment_of(order))
    stripe_api.pay_with_token(payment.provider_id, localstripe.card_token(VISA))
    return payment


def event(payment, kind="payment_intent.succeeded", event_id=None):
    """A Stripe event as Stripe (and localstripe) send it, for the payment's PaymentIntent."""
    intent = stripe_api.retrieve_payment_intent(payment.provider_id)
    body = {"id": event_id or f"evt_{uuid.uuid4().hex[:14]}", "object": "event", "type": kind}
    body["data"] = {"object": intent}
    return json.dumps(body).encode()


def post_event(client, body, secret, timestamp=None):
    return client.post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_api.sign(body, secret, timestamp),
    )


# --- Offering and placing -------------------------------------------------------------------


def test_card_is_offered_only_with_a_secret_key(settings):
    settings.STRIPE_SECRET_KEY = ""
    assert PaymentMethod.CARD not in [adapter.method for adapter in available_adapters()]
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    assert PaymentMethod.CARD in [adapter.method for adapter in available_adapters()]


def test_placing_makes_a_pending_payment_without_calling_stripe(
    localstripe, place, tea, monkeypatch
):
    def no_network(*args, **kwargs):
        raise AssertionError("no Stripe call while the order is placed")

    monkeypatch.setattr(stripe_api, "_request", no_network)
    order = place([(tea, 2)], method="card")
    payment = order.payments.get()
    assert (payment.method, payment.status, payment.amount) == ("card", "pending", order.total)
    assert payment.provider_id is None
    assert order.status == Order.Status.AWAITING_PAYMENT and order.payment_deadline
    assert adapter_for("card").next_url(order) == f"/don-hang/{order.tracking_token}/the/"


# --- The card page --------------------------------------------------------------------------


def test_the_card_page_makes_one_payment_intent_for_the_order(client, localstripe, order):
    first = client.get(card_page(order))
    second = client.get(card_page(order))
    assert first.status_code == second.status_code == 200
    payment = order.payments.get()
    intents = localstripe.get("/v1/payment_intents")["data"]
    assert [intent["id"] for intent in intents] == [payment.provider_id]
    assert (intents[0]["amount"], intents[0]["currency"]) == (order.total, "vnd")
    assert intents[0]["metadata"] == {"order_number": order.number}
    page = first.content.decode()
    assert 'id="card-form"' in page and 'data-publishable-key="pk_test_chophien"' in page
    assert f'src="{localstripe.base}/js.stripe.com/v3/"' in page


def test_the_card_page_lets_stripe_js_in_and_only_there(client, localstripe, order):
    policy = client.get(card_page(order))["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if "script-src" in part)
    assert localstripe.base in script_src
    assert localstripe.base not in client.get("/tai-khoan/dang-nhap/")["Content-Security-Policy"]


def test_a_test_card_pays_and_the_buyer_lands_on_the_tracking_page(
    client, localstripe, order, confirmations, django_capture_on_commit_callbacks
):
    client.get(card_page(order))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(card_page(order), {"token": localstripe.card_token(VISA)})
    assert response.status_code == 302 and response.url == order.get_absolute_url()
    order.refresh_from_db()
    payment = order.payments.get()
    assert order.status == Order.Status.CONFIRMED
    assert payment.status == Payment.Status.SUCCEEDED and payment.paid_at
    assert set(order.seller_orders.values_list("status", flat=True)) == {"to_pack"}
    assert confirmations == [order.pk] and confirmed_events(order).count() == 1


def test_a_form_sent_twice_charges_once(client, localstripe, order):
    client.get(card_page(order))
    client.post(card_page(order), {"token": localstripe.card_token(VISA)})
    again = client.post(card_page(order), {"token": localstripe.card_token(VISA)})
    assert again.status_code == 302 and again.url == order.get_absolute_url()
    charges = localstripe.get("/v1/charges")["data"]
    assert len(charges) == 1 and confirmed_events(order).count() == 1


def test_a_declined_card_can_be_followed_by_another(client, localstripe, order):
    client.get(card_page(order))
    declined = client.post(card_page(order), {"token": localstripe.card_token(DECLINED)})
    assert declined.status_code == 200 and 'id="card-declined"' in declined.content.decode()
    payment = order.payments.get()
    first_intent = payment.provider_id
    assert payment.status == Payment.Status.FAILED
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT

    paid = client.post(card_page(order), {"token": localstripe.card_token(VISA)})
    assert paid.status_code == 302 and paid.url == order.get_absolute_url()
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.provider_id != first_intent  # a new PaymentIntent for the new try
    assert payment.status == Payment.Status.SUCCEEDED and order.status == Order.Status.CONFIRMED


def test_3d_secure_is_asked_for_then_checked_when_the_buyer_comes_back(client, localstripe, order):
    client.get(card_page(order))
    sent = client.post(card_page(order), {"token": localstripe.card_token(THREE_D_SECURE)})
    assert sent.status_code == 302 and sent.url == card_page(order)
    step = client.get(card_page(order))
    assert 'data-stage="authenticate"' in step.content.decode()
    payment = order.payments.get()
    # what localstripe's Stripe.js does when the buyer completes the bank's step
    requests.post(
        f"{localstripe.base}/v1/payment_intents/{payment.provider_id}/_authenticate",
        params={"success": "true"},
        json={"key": "pk_test_chophien", "client_secret": payment.client_secret},
        timeout=5,
    ).raise_for_status()
    back = client.get(card_page(order))
    assert back.status_code == 302 and back.url == order.get_absolute_url()
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED


def test_a_closed_order_is_not_charged(client, localstripe, order):
    client.get(card_page(order))
    expire_unpaid_orders(now=order.payment_deadline + timedelta(seconds=1))
    response = client.post(card_page(order), {"token": localstripe.card_token(VISA)})
    assert response.status_code == 302 and response.url == order.get_absolute_url()
    assert localstripe.get("/v1/charges")["data"] == []


def test_only_a_card_orders_own_link_opens_the_card_page(client, localstripe, order, place, tea):
    cod = place([(tea, 1)], method="cod")
    assert client.get(card_page(cod)).status_code == 404
    assert client.get("/don-hang/not-a-real-token/the/").status_code == 404
    assert client.post(card_page(order), {"token": "4242424242424242"}).status_code == 400


def test_stripe_not_answering_is_said_plainly(client, localstripe, order, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    response = client.get(card_page(order))
    assert response.status_code == 503
    assert 'data-stage="unavailable"' in response.content.decode()
    assert order.payments.get().provider_id is None


# --- The webhook ----------------------------------------------------------------------------


def test_a_webhook_replayed_ten_times_confirms_once(
    client, localstripe, order, confirmations, django_capture_on_commit_callbacks
):
    payment = paid_elsewhere(localstripe, order)
    body = event(payment)
    with django_capture_on_commit_callbacks(execute=True):
        answers = [post_event(client, body, localstripe.webhook_secret) for _ in range(10)]
    assert [answer.status_code for answer in answers] == [200] * 10
    assert WebhookEvent.objects.filter(provider="stripe").count() == 1
    assert WebhookEvent.objects.get().processed_at is not None
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED and payment.status == "succeeded"
    assert confirmations == [order.pk] and confirmed_events(order).count() == 1

    # … and the buyer's browser coming back afterwards changes nothing
    back = client.get(card_page(order))
    assert back.status_code == 302 and back.url == order.get_absolute_url()
    assert confirmations == [order.pk] and confirmed_events(order).count() == 1


@pytest.mark.parametrize(
    "signature",
    [
        None,  # unsigned
        "t={now},v1=" + "0" * 64,  # badly signed
        "other-secret",  # signed with another secret
        "stale",  # signed ten minutes ago
        "future",  # signed ten minutes from now
    ],
)
def test_a_webhook_not_signed_by_stripe_now_changes_nothing(
    client, localstripe, order, signature, django_capture_on_commit_callbacks
):
    payment = paid_elsewhere(localstripe, order)
    body = event(payment)
    now = int(time.time())
    headers = {}
    if signature == "other-secret":
        headers["HTTP_STRIPE_SIGNATURE"] = stripe_api.sign(body, "whsec_not_ours")
    elif signature == "stale":
        headers["HTTP_STRIPE_SIGNATURE"] = stripe_api.sign(
            body, localstripe.webhook_secret, now - 600
        )
    elif signature == "future":
        headers["HTTP_STRIPE_SIGNATURE"] = stripe_api.sign(
            body, localstripe.webhook_secret, now + 600
        )
    elif signature:
        headers["HTTP_STRIPE_SIGNATURE"] = signature.format(now=now)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(WEBHOOK, data=body, content_type="application/json", **headers)
    assert response.status_code == 400
    assert queued == []
    stored = WebhookEvent.objects.get()
    assert stored.signature_valid is False and stored.processed_at is None
    assert stored.body == body.decode()
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT and payment.status == "pending"
    assert confirmed_events(order).count() == 0


def test_the_webhook_takes_posts_only(client, localstripe):
    assert client.get(WEBHOOK).status_code == 405
    assert WebhookEvent.objects.count() == 0


def test_a_failed_payment_event_marks_the_payment_failed(
    client, localstripe, order, django_capture_on_commit_callbacks
):
    payment = card.prepare(card.payment_of(order))
    with django_capture_on_commit_callbacks(execute=True):
        post_event(
            client, event(payment, "payment_intent.payment_failed"), localstripe.webhook_secret
        )
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert order.status == Order.Status.AWAITING_PAYMENT


def test_money_for_an_unknown_payment_intent_waits_for_a_person(
    client, localstripe, order, django_capture_on_commit_callbacks
):
    payment = paid_elsewhere(localstripe, order)
    body = event(payment)
    Payment.objects.filter(pk=payment.pk).update(provider_id="pi_someoneelse")
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(client, body, localstripe.webhook_secret).status_code == 200
    stored = WebhookEvent.objects.get()
    assert stored.processed_at is None and "LookupError" in stored.error
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT


def test_money_after_the_order_expired_goes_back_to_the_card(
    client, localstripe, order, django_capture_on_commit_callbacks
):
    payment = paid_elsewhere(localstripe, order)
    expire_unpaid_orders(now=order.payment_deadline + timedelta(seconds=1))
    body = event(payment)
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, body, localstripe.webhook_secret)
        post_event(client, event(payment), localstripe.webhook_secret)  # Stripe sends it again
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert payment.status == Payment.Status.REFUNDED and payment.refunded_amount == order.total
    refunds = localstripe.get(f"/v1/refunds?payment_intent={payment.provider_id}")["data"]
    assert [refund["amount"] for refund in refunds] == [order.total]


# --- Refunds --------------------------------------------------------------------------------


def test_cancelling_a_paid_card_order_refunds_the_card_once(
    client, localstripe, order, moderator, django_capture_on_commit_callbacks
):
    client.get(card_page(order))
    client.post(card_page(order), {"token": localstripe.card_token(VISA)})
    payment = order.payments.get()
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order, actor=moderator, reason="Hết hàng thật")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.refunded_amount == order.total
    # the refund task run again (a retry after a lost answer) refunds nothing more
    assert adapter_for("card").refund(payment) is True
    refunds = localstripe.get(f"/v1/refunds?payment_intent={payment.provider_id}")["data"]
    assert [refund["amount"] for refund in refunds] == [order.total]
    assert refunds[0]["metadata"] == {
        stripe_api.REFUND_KEY_METADATA: stripe_api.refund_idempotency_key(payment.idempotency_key)
    }


@pytest.mark.django_db(transaction=True)
def test_a_buyer_who_never_comes_back_is_confirmed_by_localstripes_own_webhook(
    live_server, localstripe, place, tea, confirmations
):
    """The "charged but no order" failure: the card was charged, the browser closed. The
    event localstripe signs and posts by itself confirms the order, once."""
    localstripe.point_webhook_at(f"{live_server.url}{WEBHOOK}")
    order = place([(tea, 2)], method="card")
    paid_elsewhere(localstripe, order)
    deadline = time.monotonic() + 10
    while not confirmations:  # sent by the server's thread once its transaction commits
        assert time.monotonic() < deadline, "the webhook did not confirm the order"
        time.sleep(0.2)
    assert Order.objects.get(pk=order.pk).status == Order.Status.CONFIRMED
    stored = WebhookEvent.objects.get()
    assert stored.signature_valid and stored.processed_at and stored.event_id.startswith("evt_")
    assert confirmations == [order.pk] and confirmed_events(order).count() == 1
