"""Carts, orders and payments: the models and their own invariants.

An order is what one buyer placed; it splits into one seller order per producer (what one
farmer packs and the post office collects), whose lines snapshot what was sold. Status sets and
their allowed transitions live here and nowhere else; every change goes through
``Order.move_to`` / ``SellerOrder.move_to``, which refuse an illegal step, and is recorded as an
``OrderEvent`` (who, when, why) by the services in ``checkout.py``. Amounts are integers in VND.
"""

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField

from accounts.audit import StatusChange
from accounts.phone import display_phone
from places.models import Address

from .models import InvalidTransition, Producer, Product

# One line may ask for at most this many units; a cart holds at most this many lines.
MAX_LINE_QUANTITY = 999
MAX_CART_LINES = 50

# Order numbers such as CP-24Q7-K3M9: 8 characters in Crockford base 32, without I, L, O and U
# (nothing to misread when read out on the phone).
_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_order_number():
    digits = "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8))
    return f"CP-{digits[:4]}-{digits[4:]}"


def new_tracking_token():
    """The secret in the buyer's tracking link: 192 random bits."""
    return secrets.token_urlsafe(24)


class ShippingBandBlock(blocks.StructBlock):
    up_to_grams = blocks.IntegerBlock(label=_("parcel up to (g)"), min_value=1)
    same_province = blocks.IntegerBlock(label=_("fee within the province (VND)"), min_value=0)
    other_province = blocks.IntegerBlock(label=_("fee to another province (VND)"), min_value=0)

    class Meta:
        label = _("weight band")


@register_setting(icon="cog")
class ShippingSettings(BaseSiteSetting):
    """The post office's fee table: by parcel weight band and destination. Empty bands mean
    the defaults in ``marketplace.shipping.DEFAULT_BANDS``."""

    bands = StreamField(
        [("band", ShippingBandBlock())],
        blank=True,
        verbose_name=_("weight bands"),
        help_text=_("From the lightest band up. Leave empty to use the built-in table."),
    )
    extra_per_kg_same_province = models.PositiveIntegerField(
        _("each further kg within the province (VND)"), default=5_000
    )
    extra_per_kg_other_province = models.PositiveIntegerField(
        _("each further kg to another province (VND)"), default=10_000
    )

    panels = [
        FieldPanel("bands"),
        MultiFieldPanel(
            [FieldPanel("extra_per_kg_same_province"), FieldPanel("extra_per_kg_other_province")],
            heading=_("Above the heaviest band"),
        ),
    ]

    class Meta:
        verbose_name = _("shipping fees")


class CartLine(models.Model):
    """A logged-in buyer's cart line (anonymous carts live in the session)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart_lines"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_LINE_QUANTITY)]
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="one_cart_line_per_product")
        ]

    def __str__(self):
        return f"{self.product} × {self.quantity}"


class PaymentMethod(models.TextChoices):
    COD = "cod", _("Cash on delivery")
    VIETQR = "vietqr", _("Bank transfer (VietQR)")
    CARD = "card", _("Card")


class Order(Address):
    """What one buyer placed at checkout; the address is the delivery address."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        CONFIRMED = "confirmed", _("Confirmed")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired unpaid")

    TRANSITIONS = {
        Status.AWAITING_PAYMENT: {Status.CONFIRMED, Status.CANCELLED, Status.EXPIRED},
        Status.CONFIRMED: {Status.COMPLETED, Status.CANCELLED},
        Status.COMPLETED: set(),
        Status.CANCELLED: set(),
        Status.EXPIRED: set(),
    }
    # States whose stock is back on the shelf.
    CLOSED_UNSOLD = {Status.CANCELLED, Status.EXPIRED}

    number = models.CharField(_("order number"), max_length=16, unique=True)
    tracking_token = models.CharField(max_length=40, unique=True, editable=False)
    checkout_token = models.UUIDField(unique=True, editable=False)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("buyer account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    buyer_name = models.CharField(_("buyer's name"), max_length=120)
    buyer_phone = models.CharField(_("buyer's phone"), max_length=16)
    note = models.TextField(_("note"), max_length=500, blank=True)
    payment_method = models.CharField(
        _("payment method"), max_length=16, choices=PaymentMethod, default=PaymentMethod.COD
    )
    status = models.CharField(_("status"), max_length=24, choices=Status, db_index=True)
    goods_total = models.PositiveBigIntegerField(_("goods (VND)"))
    shipping_total = models.PositiveBigIntegerField(_("shipping (VND)"))
    total = models.PositiveBigIntegerField(_("total (VND)"))
    payment_deadline = models.DateTimeField(_("pay before"), null=True, blank=True)
    created_at = models.DateTimeField(_("placed at"), auto_now_add=True, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("cancelled or expired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["payment_deadline"],
                condition=Q(status="awaiting_payment"),
                name="order_unpaid_deadline",
            )
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("marketplace:order_tracking", args=[self.tracking_token])

    @property
    def buyer_phone_display(self):
        return display_phone(self.buyer_phone)

    @property
    def is_open(self):
        return self.status not in self.CLOSED_UNSOLD

    def move_to(self, target):
        """Set ``target`` status or raise InvalidTransition; not saved."""
        target = self.Status(target)
        if target not in self.TRANSITIONS[self.Status(self.status)]:
            raise InvalidTransition(
                _("Order %(number)s cannot go from “%(old)s” to “%(new)s”.")
                % {"number": self.number, "old": self.get_status_display(), "new": target.label},
                code="invalid_transition",
            )
        now = timezone.now()
        if target == self.Status.CONFIRMED:
            self.confirmed_at = now
        if target in self.CLOSED_UNSOLD:
            self.closed_at = now
        self.status = target


class SellerOrder(models.Model):
    """One producer's part of an order: what one farmer packs and the post office collects."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        TO_PACK = "to_pack", _("To pack")
        PACKED = "packed", _("Packed, waiting for the post office")
        SHIPPED = "shipped", _("With the post office")
        DELIVERED = "delivered", _("Delivered")
        RETURNED = "returned", _("Returned")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.AWAITING_PAYMENT: {Status.TO_PACK, Status.CANCELLED},
        Status.TO_PACK: {Status.PACKED, Status.SHIPPED, Status.CANCELLED},
        Status.PACKED: {Status.TO_PACK, Status.SHIPPED, Status.CANCELLED},
        Status.SHIPPED: {Status.DELIVERED, Status.RETURNED},
        Status.DELIVERED: set(),
        Status.RETURNED: set(),
        Status.CANCELLED: set(),
    }
    # The farmer's own buttons on the seller desk.
    FARMER_STEPS = {
        (Status.TO_PACK, Status.PACKED): _("Mark packed"),
        (Status.PACKED, Status.TO_PACK): _("Not packed yet"),
    }

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="seller_orders")
    producer = models.ForeignKey(
        Producer, verbose_name=_("producer"), on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(_("status"), max_length=24, choices=Status, db_index=True)
    goods_total = models.PositiveBigIntegerField(_("goods (VND)"))
    shipping_fee = models.PositiveBigIntegerField(_("shipping (VND)"))
    weight_grams = models.PositiveIntegerField(_("parcel weight (g)"))
    cod_amount = models.PositiveBigIntegerField(
        _("cash to collect (VND)"),
        default=0,
        help_text=_("What the post office collects from the buyer at delivery."),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("seller order")
        verbose_name_plural = _("seller orders")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "producer"], name="one_seller_order_per_producer"
            )
        ]

    def __str__(self):
        return f"{self.order.number} · {self.producer.name}"

    @property
    def total(self):
        return self.goods_total + self.shipping_fee

    def farmer_steps(self):
        state = self.Status(self.status)
        return [
            (target, label)
            for (source, target), label in self.FARMER_STEPS.items()
            if source == state
        ]

    def move_to(self, target):
        target = self.Status(target)
        if target not in self.TRANSITIONS[self.Status(self.status)]:
            raise InvalidTransition(
                _("This parcel cannot go from “%(old)s” to “%(new)s”.")
                % {"old": self.get_status_display(), "new": target.label},
                code="invalid_transition",
            )
        self.status = target


class OrderLine(models.Model):
    """A line as sold: name, unit, price, weight and producer are copied at placing."""

    seller_order = models.ForeignKey(SellerOrder, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(
        Product, null=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    product_name = models.CharField(_("product"), max_length=120)
    unit = models.CharField(_("unit"), max_length=40)
    unit_price = models.PositiveBigIntegerField(_("unit price (VND)"))
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_weight_grams = models.PositiveIntegerField(_("weight per unit (g)"))
    producer_name = models.CharField(_("producer"), max_length=150)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.product_name} × {self.quantity}"

    @property
    def line_total(self):
        return self.unit_price * self.quantity


class OrderEvent(StatusChange):
    """One change to an order or one of its seller orders: who, when, why."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="events")
    seller_order = models.ForeignKey(
        SellerOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.order.number}: {self.from_status or '·'} → {self.to_status}"


class Payment(models.Model):
    """One attempt to be paid for an order by a prepaid method (VietQR or card)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Failed")
        REFUNDED = "refunded", _("Refunded")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status, default=Status.PENDING, db_index=True
    )
    # The bank-transfer content the buyer types (VietQR), unique so a transfer matches one order.
    reference = models.CharField(_("transfer reference"), max_length=20, unique=True, null=True)
    # The provider's id (a Stripe PaymentIntent), and the key our request to create it carried.
    provider_id = models.CharField(_("provider id"), max_length=100, unique=True, null=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client_secret = models.CharField(max_length=200, blank=True, editable=False)
    refunded_amount = models.PositiveBigIntegerField(_("refunded (VND)"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.order.number} · {self.get_method_display()} · {self.amount}"


class WebhookEvent(models.Model):
    """The inbox: every incoming webhook, stored as received before anything acts on it."""

    class Provider(models.TextChoices):
        STRIPE = "stripe", _("Stripe (card)")
        BANK = "bank", _("Bank notification (VietQR)")
        CARRIER = "carrier", _("Carrier")

    provider = models.CharField(_("provider"), max_length=16, choices=Provider)
    event_id = models.CharField(_("event id"), max_length=100, blank=True)
    body = models.TextField(_("raw body"))
    signature_valid = models.BooleanField(_("signature valid"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhook inbox")
        ordering = ["-received_at"]
        constraints = [
            # Only a verified event claims its id: a forged one cannot block the real one.
            models.UniqueConstraint(
                fields=["provider", "event_id"],
                condition=Q(signature_valid=True),
                name="one_verified_webhook_per_event",
            )
        ]

    def __str__(self):
        return f"{self.get_provider_display()} {self.event_id}"


class TransferIssue(models.Model):
    """A bank transfer that could not be matched to one unpaid order with certainty: a
    moderator decides; nothing is guessed."""

    class Reason(models.TextChoices):
        NO_REFERENCE = "no_reference", _("No order reference in the transfer")
        UNKNOWN_REFERENCE = "unknown_reference", _("Reference matches no order")
        WRONG_AMOUNT = "wrong_amount", _("Amount differs from the order")
        ALREADY_PAID = "already_paid", _("Order already paid (second transfer)")
        LATE = "late", _("Order expired or cancelled before the money came")

    webhook = models.OneToOneField(
        WebhookEvent, on_delete=models.PROTECT, related_name="transfer_issue"
    )
    reason = models.CharField(_("reason"), max_length=24, choices=Reason)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="issues"
    )
    amount = models.PositiveBigIntegerField(_("amount received (VND)"))
    content = models.CharField(_("transfer content"), max_length=300, blank=True)
    transaction_id = models.CharField(_("bank transaction"), max_length=100)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        verbose_name = _("unmatched transfer")
        verbose_name_plural = _("unmatched transfers")
        ordering = ["resolved_at", "-created_at"]

    def __str__(self):
        return f"{self.get_reason_display()}: {self.amount}"
