"""Placing, confirming, cancelling and expiring orders: the only code that changes orders,
their stock and their payments.

Locks are always taken in one order: the order row, then its payment, then products by
primary key. Placing takes only the products (the order does not exist yet), so two
checkouts, a checkout and a cancellation, or two cancellations can never wait on each other
in a circle. Every status change writes an ``OrderEvent``; the ``order_confirmed`` signal goes
out only after the confirming transaction has committed.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.notifications import notify
from accounts.phone import normalize_phone
from places import divisions

from .cart import clean_quantity, summarize
from .models import Product
from .order_models import (
    MAX_CART_LINES,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    SellerOrder,
    new_order_number,
    new_tracking_token,
)
from .payments.registry import adapter_for, offered_adapter
from .prices import format_vnd
from .signals import order_cancelled, order_confirmed


class CheckoutChanged(ValidationError):
    """What the buyer reviewed no longer holds (price, stock, fee): nothing was saved; the
    messages say what changed, and the buyer reviews again."""


@dataclass
class Buyer:
    """Who places the order and where it goes."""

    name: str
    phone: str
    province_code: str
    commune_code: str
    village: str = ""
    street: str = ""
    note: str = ""
    user: object = None


def _clean_items(items):
    """{product id: quantity} from (product id, quantity) pairs, or a ValidationError."""
    wanted = {}
    for product_id, quantity in items:
        try:
            product_id = int(product_id)
        except (TypeError, ValueError):
            raise ValidationError(_("This product is not on sale."), code="not_on_sale") from None
        wanted[product_id] = wanted.get(product_id, 0) + clean_quantity(quantity)
    if not wanted:
        raise ValidationError(_("Your cart is empty."), code="empty")
    if len(wanted) > MAX_CART_LINES:
        raise ValidationError(
            _("A cart holds at most %(max)s products.") % {"max": MAX_CART_LINES}, code="full"
        )
    for quantity in wanted.values():
        clean_quantity(quantity)
    return wanted


def _check_buyer(buyer):
    """The buyer's name, phone (stored +84…) and a commune inside its province, or raise."""
    if not buyer.name.strip():
        raise ValidationError(_("Write the buyer's name."), code="name")
    buyer.phone = normalize_phone(buyer.phone)
    commune = divisions.commune(buyer.commune_code)
    if divisions.province(buyer.province_code) is None:
        raise ValidationError(_("Choose a province."), code="province")
    if commune is None or commune.province_code != buyer.province_code:
        raise ValidationError(_("This commune is not in the chosen province."), code="commune")


def _changes(summary, seen_prices, expected_total):
    """Plain sentences for what differs from what the buyer reviewed."""
    messages = list(summary.problems)
    for line in summary.lines:
        seen = seen_prices.get(line.product.pk)
        if seen is not None and seen != line.unit_price:
            messages.append(
                _("The price of %(product)s changed from %(old)s to %(new)s.")
                % {
                    "product": line.product.name,
                    "old": format_vnd(seen),
                    "new": format_vnd(line.unit_price),
                }
            )
    if not messages and summary.total != expected_total:
        messages.append(
            _("The total is now %(total)s (shipping or prices changed).")
            % {"total": format_vnd(summary.total)}
        )
    return messages


def place_order(*, checkout_token, items, buyer, method, expected_total, seen_prices=None):
    """Place the order the buyer reviewed, or raise.

    ``items``: (product id, quantity) pairs; ``expected_total``: the total the buyer saw;
    ``seen_prices``: {product id: unit price seen}. A ``checkout_token`` already used returns
    its order (a double click, a reload, a retry after a lost answer) and changes nothing."""
    existing = Order.objects.filter(checkout_token=checkout_token).first()
    if existing is not None:
        return existing
    adapter = offered_adapter(method)
    wanted = _clean_items(items)
    _check_buyer(buyer)
    try:
        with transaction.atomic():
            locked = Product.objects.select_for_update(of=("self",)).order_by("pk")
            products = {p.pk: p for p in locked.filter(pk__in=wanted)}
            again = Order.objects.filter(checkout_token=checkout_token).first()
            if again is not None:  # the twin request committed while we waited for the locks
                return again
            public = set(
                Product.objects.public().filter(pk__in=wanted).values_list("pk", flat=True)
            )
            on_sale = {pk: p for pk, p in products.items() if pk in public}
            _attach_producers(on_sale.values())
            summary = summarize(wanted, on_sale, buyer.province_code)
            changes = _changes(summary, seen_prices or {}, expected_total)
            if changes:
                raise CheckoutChanged(changes, code="changed")
            order = _create(checkout_token, summary, buyer, adapter)
    except IntegrityError:
        existing = Order.objects.filter(checkout_token=checkout_token).first()
        if existing is None:
            raise
        return existing
    return order


def _attach_producers(products):
    from .models import Producer

    producers = Producer.objects.in_bulk({p.producer_id for p in products})
    for product in products:
        product.producer = producers[product.producer_id]


def _create(checkout_token, summary, buyer, adapter):
    now = timezone.now()
    order = Order.objects.create(
        number=_unused_number(),
        tracking_token=new_tracking_token(),
        checkout_token=checkout_token,
        buyer=buyer.user,
        buyer_name=buyer.name,
        buyer_phone=buyer.phone,
        province_code=buyer.province_code,
        commune_code=buyer.commune_code,
        village=buyer.village,
        street=buyer.street,
        note=buyer.note,
        payment_method=adapter.method,
        status=Order.Status.AWAITING_PAYMENT,
        goods_total=summary.goods_total,
        shipping_total=summary.shipping_total,
        total=summary.total,
        payment_deadline=now + adapter.payment_window() if adapter.prepaid else None,
    )
    for group in summary.groups:
        seller_order = SellerOrder.objects.create(
            order=order,
            producer=group.producer,
            status=SellerOrder.Status.AWAITING_PAYMENT,
            goods_total=group.goods_total,
            shipping_fee=group.shipping_fee,
            weight_grams=group.weight_grams,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                seller_order=seller_order,
                product=line.product,
                product_name=line.product.name,
                unit=line.product.unit,
                unit_price=line.unit_price,
                quantity=line.quantity,
                unit_weight_grams=line.product.shipping_weight_grams or 0,
                producer_name=group.producer.name,
            )
            for line in group.lines
        )
        for line in group.lines:
            Product.objects.filter(pk=line.product.pk).update(
                quantity_available=F("quantity_available") - line.quantity
            )
    _record(order, None, buyer.user, "", order.status, _("Order placed."))
    adapter.start(order)
    if not adapter.prepaid:
        _confirm(order, buyer.user, _("Cash on delivery: confirmed at placing."))
    return order


def _unused_number():
    while True:
        number = new_order_number()
        if not Order.objects.filter(number=number).exists():
            return number


def _record(order, seller_order, actor, from_status, to_status, note=""):
    OrderEvent.objects.create(
        order=order,
        seller_order=seller_order,
        actor=actor if actor is not None and actor.is_authenticated else None,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def _move(order, target, actor, note):
    old = order.status
    order.move_to(target)
    order.save(update_fields=["status", "confirmed_at", "closed_at"])
    _record(order, None, actor, old, order.status, note)


def _move_seller_order(seller_order, target, actor, note):
    old = seller_order.status
    seller_order.move_to(target)
    seller_order.save(update_fields=["status", "updated_at"])
    _record(seller_order.order, seller_order, actor, old, seller_order.status, note)


def _confirm(order, actor, note):
    """Inside a transaction holding the order: confirm it and hand it to the farmers."""
    _move(order, Order.Status.CONFIRMED, actor, note)
    seller_orders = list(order.seller_orders.select_related("producer").order_by("pk"))
    for seller_order in seller_orders:
        seller_order.order = order
        _move_seller_order(seller_order, SellerOrder.Status.TO_PACK, actor, "")
        _tell_farmers(seller_order)
    transaction.on_commit(
        lambda: order_confirmed.send(sender=Order, order=order, seller_orders=seller_orders)
    )


def seller_desk_url():
    """The absolute address of the seller desk's orders page, for messages sent by SMS."""
    return settings.SITE_URL + reverse("marketplace:seller_orders")


def _tell_farmers(seller_order):
    """The farmer hears of a new parcel in the site's language (farmers read Vietnamese, the
    buyer may be browsing in English), with the desk page where it is marked packed."""
    lines = ", ".join(
        f"{line.product_name} × {line.quantity}" for line in seller_order.lines.order_by("pk")
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("New order %(number)s") % {"number": seller_order.order.number}
        body = _(
            "Please pack: %(lines)s. The post office will come to collect it. "
            "See the buyer's address and mark it packed on your seller desk: %(url)s"
        ) % {"lines": lines, "url": seller_desk_url()}
        for member in seller_order.producer.members.filter(is_active=True):
            notify(member, subject, body)


def _tell_farmers_cancelled(order, seller_orders):
    """A parcel the farmer was told to pack is cancelled: they must not pack or send it."""
    told = {SellerOrder.Status.TO_PACK, SellerOrder.Status.PACKED}
    for seller_order in seller_orders:
        if seller_order.status not in told:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Order %(number)s cancelled") % {"number": order.number}
            body = _(
                "Order %(number)s was cancelled: do not pack or send it. Your seller desk: %(url)s"
            ) % {"number": order.number, "url": seller_desk_url()}
            for member in seller_order.producer.members.filter(is_active=True):
                notify(member, subject, body)


def confirm_payment(payment, *, actor=None, note=""):
    """The money of ``payment`` arrived: confirm its order. False when it was already
    recorded (a replayed webhook, the browser and the webhook both reporting); raises
    InvalidTransition when the order is no longer waiting (cancelled or expired)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=payment.order_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == Payment.Status.SUCCEEDED:
            return False
        # refuses a closed order before anything is written
        _confirm(
            order,
            actor,
            note
            or _("Paid: %(amount)s by %(method)s.")
            % {"amount": format_vnd(payment.amount), "method": payment.get_method_display()},
        )
        payment.status = Payment.Status.SUCCEEDED
        payment.paid_at = timezone.now()
        payment.save(update_fields=["status", "paid_at"])
    return True


def record_late_payment(payment, *, note=""):
    """Money for an order that had already closed (expired or cancelled while the bank or
    card network answered): the payment is recorded as received, the order says so, and the
    money goes back through its method after commit. The order stays closed."""
    from .tasks import refund_payment

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=payment.order_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status in {Payment.Status.SUCCEEDED, Payment.Status.REFUNDED}:
            return False
        payment.status = Payment.Status.SUCCEEDED
        payment.paid_at = timezone.now()
        payment.save(update_fields=["status", "paid_at"])
        _record(
            order,
            None,
            None,
            order.status,
            order.status,
            note
            or _("%(amount)s arrived after the order closed; it is being sent back.")
            % {"amount": format_vnd(payment.amount)},
        )
        transaction.on_commit(lambda: refund_payment.delay(payment.pk))
    return True


def _close(order, target, actor, reason):
    """Inside a transaction holding ``order``: cancel or expire it and put its stock back."""
    seller_orders = list(order.seller_orders.order_by("pk"))
    _move(order, target, actor, reason)
    for seller_order in seller_orders:
        seller_order.order = order
        _move_seller_order(seller_order, SellerOrder.Status.CANCELLED, actor, reason)
    lines = OrderLine.objects.filter(seller_order__order=order, product__isnull=False)
    returned = {}
    for product_id, quantity in lines.values_list("product_id", "quantity"):
        returned[product_id] = returned.get(product_id, 0) + quantity
    locked = Product.objects.select_for_update(of=("self",)).order_by("pk")
    for product in locked.filter(pk__in=returned):
        Product.objects.filter(pk=product.pk).update(
            quantity_available=F("quantity_available") + returned[product.pk]
        )


def cancel_order(order, *, actor, reason):
    """Cancel ``order`` (a moderator, or the buyer while unpaid): stock back, parcels
    cancelled (and, through ``order_cancelled``, their pickups called off in the same
    transaction), and money already taken sent back after commit. Raises InvalidTransition
    when a parcel has left with the post office or the order is closed."""
    from .tasks import refund_payment

    if not reason.strip():
        raise ValidationError(_("Say why the order is cancelled."), code="reason")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        before = list(order.seller_orders.select_related("producer").order_by("pk"))
        _close(order, Order.Status.CANCELLED, actor, reason)
        order_cancelled.send(
            sender=Order, order=order, seller_orders=before, actor=actor, reason=reason
        )
        _tell_farmers_cancelled(order, before)
        paid = list(
            Payment.objects.select_for_update()
            .filter(order=order, status=Payment.Status.SUCCEEDED)
            .values_list("pk", flat=True)
        )
        for payment_id in paid:
            transaction.on_commit(lambda pk=payment_id: refund_payment.delay(pk))
    return order


def expire_unpaid_orders(now=None):
    """Close every order still unpaid after its deadline and put its stock back; returns
    how many. Safe to run twice at once: each order is re-read under its lock."""
    now = now or timezone.now()
    due = Order.objects.filter(
        status=Order.Status.AWAITING_PAYMENT, payment_deadline__lt=now
    ).values_list("pk", flat=True)
    expired = 0
    for order_id in list(due):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if order.status != Order.Status.AWAITING_PAYMENT or order.payment_deadline >= now:
                continue
            _close(order, Order.Status.EXPIRED, None, _("Not paid before the deadline."))
            expired += 1
    return expired


def refund(payment_id):
    """Send a cancelled order's money back through its method, once."""
    payment = Payment.objects.select_related("order").get(pk=payment_id)
    if payment.status != Payment.Status.SUCCEEDED:
        return False
    done = adapter_for(payment.method).refund(payment)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=payment.order_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status != Payment.Status.SUCCEEDED:
            return False
        if done:
            payment.status = Payment.Status.REFUNDED
            payment.refunded_amount = payment.amount
            payment.save(update_fields=["status", "refunded_amount"])
        note = (
            _("Refunded %(amount)s.")
            if done
            else _("A moderator must send %(amount)s back by hand.")
        ) % {"amount": format_vnd(payment.amount)}
        _record(order, None, None, order.status, order.status, note)
    return done


def set_seller_order_status(seller_order, target, *, actor, note=""):
    """A farmer's or postal step on one parcel; the order completes when every parcel is
    delivered or returned."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=seller_order.order_id)
        seller_order = SellerOrder.objects.select_for_update().get(pk=seller_order.pk)
        seller_order.order = order
        _move_seller_order(seller_order, target, actor, note)
        ended = {SellerOrder.Status.DELIVERED, SellerOrder.Status.RETURNED}
        statuses = set(order.seller_orders.values_list("status", flat=True))
        if order.status == Order.Status.CONFIRMED and statuses <= ended:
            _move(order, Order.Status.COMPLETED, actor, _("Every parcel has arrived or returned."))
    return seller_order
