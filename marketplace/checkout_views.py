"""The checkout, one short screen at a time: contact, address, payment method, review. The
answers are kept in the session until the order is placed; ``checkout.place_order`` checks
everything again and is the only code that makes the order.

The review form carries a one-time checkout token, made when the review is first shown and
kept in the session. Placing with a token clears the cart and the checkout but remembers the
token, so a double click or a reload of the POST ends on the same order."""

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from places import divisions

from . import tracking
from .cart import Cart, cart_summary
from .checkout import Buyer, CheckoutChanged, place_order
from .checkout_forms import (
    DAMAGED_MESSAGE,
    ContactForm,
    DeliveryAddressForm,
    PaymentForm,
    PlaceOrderForm,
)
from .order_models import Order, PaymentMethod
from .payments.registry import adapter_for

SESSION_KEY = "checkout"
# The tokens of the orders this browser placed last, for a repeated "Đặt hàng".


@dataclass(frozen=True)
class Step:
    url_name: str
    template: str
    title: str
    answered: object = None  # stored answers -> whether the buyer has answered this step
    missing: str = ""  # what to say when they have not


STEPS = [
    Step(
        "marketplace:checkout",
        "marketplace/checkout_contact.html",
        gettext_lazy("Your name and phone"),
        lambda stored: bool(stored.get("phone")),
        gettext_lazy("First tell us your name and phone number."),
    ),
    Step(
        "marketplace:checkout_address",
        "marketplace/checkout_address.html",
        gettext_lazy("Delivery address"),
        lambda stored: bool(stored.get("commune_code")),
        gettext_lazy("First write where to deliver."),
    ),
    Step(
        "marketplace:checkout_payment",
        "marketplace/checkout_payment.html",
        gettext_lazy("Payment"),
        lambda stored: bool(stored.get("method")),
        gettext_lazy("First choose how to pay."),
    ),
    Step(
        "marketplace:checkout_review",
        "marketplace/checkout_review.html",
        gettext_lazy("Check and order"),
    ),
]


def _stored(request):
    return dict(request.session.get(SESSION_KEY) or {})


def _store(request, **answers):
    stored = _stored(request)
    stored.update(answers)
    request.session[SESSION_KEY] = stored
    return stored


def _refusal(request, step):
    """A redirect when the cart is empty or an earlier step is unanswered, else None."""
    if not Cart(request).quantities():
        messages.info(request, _("Your cart is empty."))
        return redirect("marketplace:cart")
    stored = _stored(request)
    for earlier in STEPS[:step]:
        if not earlier.answered(stored):
            messages.warning(request, earlier.missing)
            return redirect(earlier.url_name)
    return None


def _step_page(request, step, context, status=200):
    return render(
        request,
        STEPS[step].template,
        {
            "step": step + 1,
            "step_count": len(STEPS),
            "step_title": STEPS[step].title,
            "previous_url": reverse(STEPS[step - 1].url_name if step else "marketplace:cart"),
            **context,
        },
        status=status,
    )


def contact(request):
    if refusal := _refusal(request, 0):
        return refusal
    initial = ContactForm.initial_from(_stored(request), request.user)
    form = ContactForm(request.POST or None, initial=initial)
    if form.is_valid():
        _store(request, name=form.cleaned_data["name"], phone=form.cleaned_data["phone"])
        return redirect("marketplace:checkout_address")
    return _step_page(request, 0, {"form": form}, status=400 if form.is_bound else 200)


def address(request):
    if refusal := _refusal(request, 1):
        return refusal
    stored = _stored(request)
    initial = {name: stored.get(name, "") for name in ("province_code", "commune_code", "village")}
    form = DeliveryAddressForm(request.POST or None, initial=initial)
    if form.is_valid():
        _store(request, **form.address())
        return redirect("marketplace:checkout_payment")
    refused = form.is_bound and not form.is_refresh()
    return _step_page(request, 1, {"form": form}, status=400 if refused else 200)


def payment(request):
    if refusal := _refusal(request, 2):
        return refusal
    stored = _stored(request)
    initial = {"method": stored.get("method") or PaymentMethod.COD, "note": stored.get("note", "")}
    form = PaymentForm(request.POST or None, initial=initial)
    if form.is_valid():
        _store(request, method=form.cleaned_data["method"], note=form.cleaned_data["note"])
        return redirect("marketplace:checkout_review")
    return _step_page(request, 2, {"form": form}, status=400 if form.is_bound else 200)


def review(request):
    """GET: the order as it would be placed now. POST: place it."""
    if request.method == "POST" and (placed := _placed_order_url(request)):
        return redirect(placed)
    if refusal := _refusal(request, 3):
        return refusal
    stored = _stored(request)
    summary = cart_summary(request, stored["province_code"])
    if not summary:
        for problem in summary.problems:
            messages.warning(request, problem)
        return redirect("marketplace:cart")
    if request.method == "POST":
        return _place(request, stored, summary)
    return _review_page(request, stored, summary)


def _review_page(request, stored, summary, changes=(), errors=(), status=200):
    if not stored.get("token"):
        stored = _store(request, token=str(uuid.uuid4()))
    commune = divisions.commune(stored["commune_code"])
    province = divisions.province(stored["province_code"])
    return _step_page(
        request,
        3,
        {
            "summary": summary,
            "stored": stored,
            "address_text": ", ".join(
                part
                for part in (
                    stored.get("village", ""),
                    commune.name if commune else "",
                    province.full_name if province else "",
                )
                if part
            ),
            "method_label": PaymentMethod(stored["method"]).label,
            # lines sold out or short of stock are changed in the cart, not here
            "blocked": not summary.orderable,
            "changes": changes,
            "errors": errors,
        },
        status=status,
    )


def _place(request, stored, summary):
    form = PlaceOrderForm(request.POST)
    if not form.is_valid():
        errors = list(dict.fromkeys(e for field in form.errors.values() for e in field))
        return _review_page(request, stored, summary, errors=errors, status=400)
    token = str(form.cleaned_data["checkout_token"])
    if token != stored.get("token"):
        return _review_page(request, stored, summary, errors=[DAMAGED_MESSAGE], status=400)
    if summary.problems:
        return _review_page(request, stored, summary, changes=summary.problems, status=409)
    try:
        order = place_order(
            checkout_token=token,
            items=[(line.product.pk, line.quantity) for line in summary.lines],
            buyer=Buyer(
                name=stored["name"],
                phone=stored["phone"],
                province_code=stored["province_code"],
                commune_code=stored["commune_code"],
                village=stored.get("village", ""),
                note=stored.get("note", ""),
                user=request.user if request.user.is_authenticated else None,
            ),
            method=stored["method"],
            expected_total=form.cleaned_data["expected_total"],
            seen_prices=form.cleaned_data["seen_prices"],
        )
    except CheckoutChanged as changed:
        return _review_page(request, stored, summary, changes=changed.messages, status=409)
    except ValidationError as refused:
        return _review_page(request, stored, summary, errors=refused.messages, status=400)
    return _placed(request, order, token)


def _placed(request, order, token):
    """Empty the cart, forget the checkout, remember its token; off to the method's page."""
    Cart(request).clear()
    request.session.pop(SESSION_KEY, None)
    placed = [t for t in request.session.get(tracking.PLACED_KEY, []) if t != token]
    request.session[tracking.PLACED_KEY] = (placed + [token])[-tracking.PLACED_KEPT :]
    next_url = adapter_for(order.payment_method).next_url(order)
    if adapter_for(order.payment_method).prepaid:  # COD lands on the "order placed" banner
        messages.success(
            request,
            _("Your order %(number)s is placed: pay now to confirm it.") % {"number": order.number},
        )
    return redirect(next_url)


def _placed_order_url(request):
    """Where a repeated "Đặt hàng" of an order this browser placed goes: the same page as
    the first time. None when the posted token is not one of them."""
    try:
        token = str(uuid.UUID(request.POST.get("checkout_token", "")))
    except ValueError:
        return None
    if token not in request.session.get(tracking.PLACED_KEY, []):
        return None
    order = Order.objects.filter(checkout_token=token).first()
    return adapter_for(order.payment_method).next_url(order) if order else None
