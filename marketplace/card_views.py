"""The card page of an order and Stripe's webhook (docs/payments.md, "Card (Stripe API)")."""

import json
import re

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import webhooks
from .order_models import Order, PaymentMethod, WebhookEvent
from .payments import card, stripe_api

TOKEN_PATTERN = re.compile(r"tok_[A-Za-z0-9_]{1,200}")


def _card_order(token):
    """The card order whose secret tracking link this page sits under: the link is the
    buyer's key, as on the tracking page, so no account is needed."""
    order = Order.objects.filter(tracking_token=token, payment_method=PaymentMethod.CARD).first()
    if order is None:
        raise Http404
    return order


@require_http_methods(["GET", "POST"])
def card_payment(request, token):
    """GET: the card form (the PaymentIntent is made the first time), or the 3-D Secure
    step, or the tracking page once paid. POST: the Stripe.js token of the card to charge."""
    order = _card_order(token)
    if not card.can_pay(order):
        return redirect(order)
    payment = card.payment_of(order)
    error = ""
    try:
        if request.method == "POST":
            tokenised = request.POST.get("token", "")
            if not TOKEN_PATTERN.fullmatch(tokenised):
                return HttpResponseBadRequest(_("The card form was not sent whole."))
            status = card.pay(payment, tokenised)
        else:
            status = card.check(payment)
    except card.OrderClosed:
        return redirect(order)
    except stripe_api.CardDeclined:
        status, error = "", _("The card was not accepted. Try another card.")
    except stripe_api.StripeError:
        return _page(
            request,
            order,
            payment,
            "unavailable",
            _("Card payments are not answering just now. Try again in a minute."),
            status=503,
        )
    if status == card.SUCCEEDED:
        messages.success(request, _("Thank you: your payment has arrived."))
        return redirect(order)
    if request.method == "POST" and status == card.REQUIRES_ACTION:
        return redirect(request.path)  # the 3-D Secure step is a GET of this page
    payment.refresh_from_db()
    stage = {card.REQUIRES_ACTION: "authenticate", card.PROCESSING: "processing"}
    return _page(request, order, payment, stage.get(status, "card"), error)


def _page(request, order, payment, stage, error, status=200):
    response = render(
        request,
        "marketplace/card_payment.html",
        {
            "order": order,
            "payment": payment,
            "stage": stage,
            "error": error,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "stripe_js_url": settings.STRIPE_JS_URL,
            "check_url": reverse("marketplace:card_payment", args=[order.tracking_token]),
        },
        status=status,
    )
    response._csp_update = stripe_api.csp_update()  # Stripe.js, on this page only
    return response


@csrf_exempt  # Stripe cannot send a CSRF token; the signature proves the sender instead
@require_POST
def stripe_webhook(request):
    """Stripe's events: the raw body is stored in the inbox first, valid or not, and a
    verified event is processed by a task; an unsigned, badly signed or stale one is
    refused with 400 and changes nothing else."""
    payload = request.body
    try:
        stripe_api.verify_signature(
            payload, request.headers.get("Stripe-Signature", ""), settings.STRIPE_WEBHOOK_SECRET
        )
        valid = True
    except stripe_api.SignatureError:
        valid = False
    webhooks.receive(
        WebhookEvent.Provider.STRIPE,
        event_id=_event_id(payload),
        body=payload,
        signature_valid=valid,
    )
    if not valid:
        return HttpResponseBadRequest("invalid signature")
    return JsonResponse({"received": True})


def _event_id(payload):
    try:
        data = json.loads(payload)
    except ValueError:
        return ""
    return str(data.get("id", "")) if isinstance(data, dict) else ""
