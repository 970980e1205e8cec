"""The buyer's side of an order: the tracking page reached through the secret link, its
timeline, what a buyer may cancel, and the buyer's own list of orders.

The tracking link is the key: whoever holds it sees the order, with no account. It is shown
to the buyer only, so the page says nothing of other people (who packed, the farmer's phone)
and masks the buyer's own phone in case the link is passed on.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from .checkout import cancel_order
from .order_models import Order, OrderLine, SellerOrder
from .payments.registry import adapter_for
from .signals import order_timeline_steps

# A buyer cancels alone only while no farmer has started on the order: unpaid, or confirmed
# with every parcel still waiting to be packed. Later, a moderator decides (in the admin).
BUYER_CANCELS_PARCELS = {SellerOrder.Status.AWAITING_PAYMENT, SellerOrder.Status.TO_PACK}
BUYER_CANCELS_ORDERS = {Order.Status.AWAITING_PAYMENT, Order.Status.CONFIRMED}

# The query string of the tracking page right after placing: "Đặt hàng thành công".
JUST_PLACED = "moi"
# The checkout tokens of the orders this browser placed (the session remembers the last few):
# a double click lands on the same order, and only the browser that placed an order is
# offered to make an account for it.
PLACED_KEY = "checkout_placed"
PLACED_KEPT = 5


def confirmation_url(order):
    """Where the buyer lands after placing a cash-on-delivery order: the tracking page with
    the "order placed" banner."""
    return f"{order.get_absolute_url()}?{JUST_PLACED}=1"


def order_for_token(token):
    """The order whose tracking link carries ``token``, with its parcels, their producers
    and lines; None when no order has it."""
    return (
        Order.objects.filter(tracking_token=token)
        .prefetch_related(
            Prefetch(
                "seller_orders",
                queryset=SellerOrder.objects.select_related("producer")
                .order_by("pk")
                .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk"))),
            )
        )
        .first()
    )


def cancel_refusal(order, user, parcel_statuses):
    """Why ``user`` may not cancel ``order`` from its tracking page, or "" when they may.

    An order placed from an account is cancelled only by that account (a link passed on
    shows the order, it does not cancel it); an order placed without one by whoever holds
    its link."""
    if order.status not in BUYER_CANCELS_ORDERS:
        return _("This order is closed.")
    if not set(parcel_statuses) <= BUYER_CANCELS_PARCELS:
        return _(
            "A parcel is already packed or on its way, so the order can no longer be "
            "cancelled here. Call the hotline."
        )
    if order.buyer_id and not (user.is_authenticated and user.pk == order.buyer_id):
        return _("Log in with the account that placed this order to cancel it.")
    return ""


def cancel_by_buyer(order, user, reason):
    """Cancel ``order`` for its buyer (stock back, a card payment refunded), or raise
    ValidationError saying why not. The rule is checked again under the order's lock, so a
    farmer marking a parcel packed at the same moment wins cleanly."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why you cancel the order."), code="reason")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        statuses = list(order.seller_orders.values_list("status", flat=True))
        refusal = cancel_refusal(order, user, statuses)
        if refusal:
            raise ValidationError(refusal, code="not_cancellable")
        return cancel_order(
            order,
            actor=user if user.is_authenticated else None,
            reason=_("Cancelled by the buyer: %(reason)s") % {"reason": reason},
        )


def pay_url(order):
    """Where a prepaid order still waiting for its money is paid, or "" (also when the
    method is no longer installed)."""
    if order.status != Order.Status.AWAITING_PAYMENT:
        return ""
    try:
        adapter = adapter_for(order.payment_method)
    except ValidationError:
        return ""
    if not adapter.prepaid:
        return ""
    url = adapter.next_url(order)
    return "" if url == order.get_absolute_url() else url


@dataclass
class Step:
    """One line of the buyer's timeline: when and what, never who."""

    when: datetime
    what: str
    note: str = ""


def _order_step(event):
    if not event.from_status:
        return _("Order received")
    if event.from_status == event.to_status:  # a note on the order, e.g. a refund
        return _("Payment")
    return {
        Order.Status.AWAITING_PAYMENT: _("Waiting for payment"),
        Order.Status.CONFIRMED: _("Order confirmed"),
        Order.Status.COMPLETED: _("Order completed"),
        Order.Status.CANCELLED: _("Order cancelled"),
        Order.Status.EXPIRED: _("Not paid in time: order closed"),
    }.get(event.to_status, event.to_status)


def _parcel_step(event, producer_name):
    text = {
        SellerOrder.Status.TO_PACK: _("%(producer)s is preparing your parcel"),
        SellerOrder.Status.PACKED: _("%(producer)s has packed your parcel"),
        SellerOrder.Status.SHIPPED: _("Your parcel from %(producer)s is with the post office"),
        SellerOrder.Status.DELIVERED: _("Your parcel from %(producer)s was delivered"),
        SellerOrder.Status.RETURNED: _("Your parcel from %(producer)s was sent back"),
    }.get(event.to_status)
    return text % {"producer": producer_name} if text else ""


def timeline(order):
    """The order's events as the buyer reads them, oldest first: what happened and when.
    Parcel notes (written by farmers or postal staff) stay out; a parcel's cancellation is
    said once, by the order's."""
    producers = {parcel.pk: parcel.producer.name for parcel in order.seller_orders.all()}
    steps = []
    for event in order.events.order_by("created_at", "pk"):
        if event.seller_order_id is None:
            note = event.note if event.from_status else ""
            steps.append(Step(event.created_at, _order_step(event), note))
            continue
        what = _parcel_step(event, producers.get(event.seller_order_id, ""))
        if what:
            steps.append(Step(event.created_at, what))
    for _receiver, added in order_timeline_steps.send(sender=Order, order=order):
        steps.extend(added or [])
    steps.sort(key=lambda step: step.when)
    return steps


def masked_phone(display):
    """0912 345 678 -> 0912 ••• 678: enough for the buyer to recognise, little for others."""
    digits = display.split(" ")
    if len(digits) < 3:
        return display[:4] + " •••"
    return " ".join([digits[0], *("•••" for _part in digits[1:-1]), digits[-1]])


# --- An account, offered after placing --------------------------------------------------------


def placed_here(request, order):
    """True when this browser placed ``order`` (its checkout token is in the session)."""
    return str(order.checkout_token) in request.session.get(PLACED_KEY, [])


def account_offer(request, order):
    """What the tracking page offers a guest buyer: "create" (no account has this phone yet),
    "login" (one has), or None (the order has an account, or this browser did not place it)."""
    if order.buyer_id or request.user.is_authenticated or not placed_here(request, order):
        return None
    from accounts.models import User

    return "login" if User.objects.filter(phone=order.buyer_phone).exists() else "create"


def create_buyer_account(order, password):
    """A buyer account on the order's name and phone, owning ``order``; the order is re-read
    under its lock so two submits make one account."""
    from accounts.models import User

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.buyer_id or User.objects.filter(phone=order.buyer_phone).exists():
            raise ValidationError(
                _("An account with this phone number exists already: log in instead."),
                code="exists",
            )
        user = User.objects.create_user(order.buyer_phone, password, full_name=order.buyer_name)
        order.buyer = user
        order.save(update_fields=["buyer"])
    return user


def claim_orders_placed_here(sender, request, user, **kwargs):
    """At login (``user_logged_in`` receiver): the guest orders this browser just placed with
    the account's own phone number join the account's orders."""
    tokens = request.session.get(PLACED_KEY, []) if hasattr(request, "session") else []
    if tokens:
        Order.objects.filter(
            checkout_token__in=tokens, buyer__isnull=True, buyer_phone=user.phone
        ).update(buyer=user)
