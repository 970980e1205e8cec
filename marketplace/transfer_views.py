"""The bank-transfer (VietQR) pages: the buyer's QR page and the bank-notification webhook."""

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import transfers, webhooks
from .order_models import Order, Payment, PaymentMethod, WebhookEvent
from .payments import vietqr

# Seconds between two reloads of the QR page while it waits for the money.
REFRESH_SECONDS = 15


@never_cache
def bank_transfer(request, token):
    """What to transfer, as a QR code and as text (account, amount, reference), until the
    deadline. It reloads itself while the money has not come, and hands over to the order's
    tracking page once it has. Reached through the secret tracking link, like that page."""
    order = get_object_or_404(Order, tracking_token=token, payment_method=PaymentMethod.VIETQR)
    payment = order.payments.filter(method=PaymentMethod.VIETQR).order_by("-pk").first()
    if payment is None:
        raise Http404
    if payment.status == Payment.Status.SUCCEEDED or order.status in (
        Order.Status.CONFIRMED,
        Order.Status.COMPLETED,
    ):
        return redirect(order.get_absolute_url())
    waiting = (
        order.status == Order.Status.AWAITING_PAYMENT
        and order.payment_deadline is not None
        and timezone.now() < order.payment_deadline
    )
    context = {"order": order, "payment": payment, "waiting": waiting}
    if waiting:
        payload = vietqr.build_payload(payment.amount, payment.reference)
        context.update(
            qr_code=mark_safe(  # noqa: S308 - built from numbers and our own ASCII payload
                vietqr.qr_svg(payload, label=_("VietQR code for order %s") % order.number)
            ),
            bank=vietqr.bank_name(settings.VIETQR_BANK_BIN),
            account_number=settings.VIETQR_ACCOUNT_NUMBER,
            account_name=settings.VIETQR_ACCOUNT_NAME,
            refresh_seconds=REFRESH_SECONDS,
        )
    return render(request, "marketplace/bank_transfer.html", context)


@csrf_exempt
@require_POST
def bank_webhook(request):
    """A bank notification (SePay-style JSON). It is stored in the webhook inbox before
    anything else, then processed by a task; only an authenticated, well-formed one is acted
    on. 200 ``{"success": true}`` tells the service to stop retrying."""
    body = request.body
    if len(body) > transfers.MAX_BODY_BYTES:  # not a notification: not worth a row either
        return JsonResponse({"success": False, "message": "too large"}, status=413)
    authentic = transfers.is_authentic(request.headers, body)
    notification = transfers.parse_notification(body) if authentic else None
    claimed_id = notification["id"] if notification else _claimed_id(body)
    webhooks.receive(
        WebhookEvent.Provider.BANK,
        event_id=claimed_id,
        body=body,
        signature_valid=notification is not None,
    )
    if not authentic:
        return JsonResponse({"success": False, "message": "unauthorized"}, status=401)
    if notification is None:
        return JsonResponse({"success": False, "message": "not a bank notification"}, status=400)
    return JsonResponse({"success": True})


def _claimed_id(body):
    """The id a refused notification claims, kept on its inbox row for whoever looks."""
    data = transfers.parse_notification(body)
    return data["id"] if data else ""
