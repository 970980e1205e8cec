"""The buyer's cart: in the session for anonymous buyers, in the database once logged in
(merged at login), and the one summary (lines grouped by producer, parcel weight, shipping
fee, totals) that the cart page, the checkout review and ``place_order`` all compute alike."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from .models import CartLine, Product
from .order_models import MAX_CART_LINES, MAX_LINE_QUANTITY
from .shipping import fee_table, parcel_weight

SESSION_KEY = "cart"


class CartError(ValidationError):
    """Bad cart input (a quantity out of range, a product not on sale), said plainly."""


def clean_quantity(value):
    """A whole number of units between 1 and MAX_LINE_QUANTITY, or CartError."""
    try:
        quantity = int(str(value).strip())
    except (TypeError, ValueError):
        raise CartError(_("Enter the quantity as a whole number."), code="quantity") from None
    if quantity < 1:
        raise CartError(_("The quantity must be at least 1."), code="quantity")
    if quantity > MAX_LINE_QUANTITY:
        raise CartError(
            _("At most %(max)s units per product in one order.") % {"max": MAX_LINE_QUANTITY},
            code="quantity",
        )
    return quantity


def buyable(product_id):
    """The public product ``product_id`` or CartError (unknown, hidden or withdrawn)."""
    try:
        product_id = int(product_id)
    except (TypeError, ValueError):
        product_id = None
    product = Product.objects.public().select_related("producer").filter(pk=product_id).first()
    if product is None:
        raise CartError(_("This product is not on sale."), code="not_on_sale")
    return product


class Cart:
    """The cart of one request: ``quantities()`` -> {product id: quantity}."""

    def __init__(self, request):
        self.request = request
        self.user = request.user if request.user.is_authenticated else None

    def quantities(self):
        if self.user:
            return dict(CartLine.objects.filter(user=self.user).values_list("product", "quantity"))
        stored = self.request.session.get(SESSION_KEY) or {}
        return {int(pk): quantity for pk, quantity in stored.items()}

    def count(self):
        return sum(self.quantities().values())

    def add(self, product, quantity):
        """Add ``quantity`` units of ``product`` (a public product), within its stock."""
        self.set(product, self.quantities().get(product.pk, 0) + quantity)

    def set(self, product, quantity):
        """Set the line of ``product`` to ``quantity`` units; 0 removes it."""
        if quantity > MAX_LINE_QUANTITY:
            raise CartError(
                _("At most %(max)s units per product in one order.") % {"max": MAX_LINE_QUANTITY},
                code="quantity",
            )
        if quantity > product.quantity_available:
            raise CartError(
                _("Only %(left)s left of %(product)s.")
                % {"left": product.quantity_available, "product": product.name},
                code="stock",
            )
        quantities = self.quantities()
        if quantity and product.pk not in quantities and len(quantities) >= MAX_CART_LINES:
            raise CartError(
                _("A cart holds at most %(max)s products.") % {"max": MAX_CART_LINES}, code="full"
            )
        if self.user:
            if quantity:
                CartLine.objects.update_or_create(
                    user=self.user, product=product, defaults={"quantity": quantity}
                )
            else:
                CartLine.objects.filter(user=self.user, product=product).delete()
            return
        stored = dict(self.request.session.get(SESSION_KEY) or {})
        if quantity:
            stored[str(product.pk)] = quantity
        else:
            stored.pop(str(product.pk), None)
        self.request.session[SESSION_KEY] = stored

    def remove(self, product_id):
        if self.user:
            CartLine.objects.filter(user=self.user, product_id=product_id).delete()
            return
        stored = dict(self.request.session.get(SESSION_KEY) or {})
        stored.pop(str(product_id), None)
        self.request.session[SESSION_KEY] = stored

    def clear(self):
        if self.user:
            CartLine.objects.filter(user=self.user).delete()
        self.request.session.pop(SESSION_KEY, None)


def merge_session_cart(sender, request, user, **kwargs):
    """At login the anonymous cart joins the account's cart (``user_logged_in`` receiver):
    quantities add up, capped at the per-line maximum; the session copy is then dropped."""
    stored = request.session.pop(SESSION_KEY, None) if hasattr(request, "session") else None
    if not stored:
        return
    wanted = {int(pk): quantity for pk, quantity in stored.items()}
    public = set(Product.objects.public().filter(pk__in=wanted).values_list("pk", flat=True))
    with transaction.atomic():
        for product_id in sorted(public):
            line, created = CartLine.objects.get_or_create(
                user=user, product_id=product_id, defaults={"quantity": wanted[product_id]}
            )
            if not created:
                CartLine.objects.filter(pk=line.pk).update(
                    quantity=min(F("quantity") + wanted[product_id], MAX_LINE_QUANTITY)
                )


# --- The summary ------------------------------------------------------------------------------


@dataclass
class Line:
    product: Product
    quantity: int
    problem: str = ""

    @property
    def unit_price(self):
        return self.product.price

    @property
    def total(self):
        return self.product.price * self.quantity

    @property
    def weight_grams(self):
        return (self.product.shipping_weight_grams or 0) * self.quantity


@dataclass
class Group:
    """One producer's part: one parcel, one shipping fee."""

    producer: object
    lines: list = field(default_factory=list)
    weight_grams: int = 0
    shipping_fee: int = 0

    @property
    def goods_total(self):
        return sum(line.total for line in self.lines if not line.problem)

    @property
    def total(self):
        return self.goods_total + self.shipping_fee


@dataclass
class Summary:
    groups: list
    problems: list
    # False until the buyer's province is known: fees are then the other-province ones
    # (the highest), shown as "up to".
    destination_known: bool

    @property
    def goods_total(self):
        return sum(group.goods_total for group in self.groups)

    @property
    def shipping_total(self):
        return sum(group.shipping_fee for group in self.groups)

    @property
    def total(self):
        return self.goods_total + self.shipping_total

    @property
    def lines(self):
        return [line for group in self.groups for line in group.lines]

    def __bool__(self):
        return bool(self.groups)


def summarize(quantities, products, destination_province=None, table=None):
    """Group ``quantities`` ({product id: quantity}) of the public ``products`` ({id: Product},
    producers loaded) by producer, with each parcel's weight and fee. A product no longer on
    sale, or short of stock, is a problem, said in words; its line stays out of the totals."""
    table = table or fee_table()
    groups, problems = {}, []
    for product_id, quantity in sorted(quantities.items()):
        product = products.get(product_id)
        if product is None:
            problems.append(_("A product in your cart is no longer on sale and was left out."))
            continue
        line = Line(product, quantity)
        if quantity > product.quantity_available:
            line.problem = (
                _("Only %(left)s left of %(product)s.")
                % {"left": product.quantity_available, "product": product.name}
                if product.quantity_available
                else _("%(product)s is sold out.") % {"product": product.name}
            )
            problems.append(line.problem)
        group = groups.setdefault(product.producer_id, Group(product.producer))
        group.lines.append(line)
    for group in groups.values():
        counted = [line for line in group.lines if not line.problem]
        group.weight_grams = parcel_weight(
            (line.product.shipping_weight_grams or 0, line.quantity) for line in counted
        )
        same = destination_province is not None and (
            group.producer.province_code == destination_province
        )
        group.shipping_fee = table.fee(group.weight_grams, same) if counted else 0
    ordered = sorted(groups.values(), key=lambda group: (group.producer.name, group.producer.pk))
    return Summary(ordered, problems, destination_province is not None)


def load_products(product_ids, queryset=None):
    """{id: Product} of the public products among ``product_ids``, producers joined."""
    queryset = queryset if queryset is not None else Product.objects.public()
    return {p.pk: p for p in queryset.select_related("producer").filter(pk__in=product_ids)}


def cart_summary(request, destination_province=None):
    quantities = Cart(request).quantities()
    return summarize(quantities, load_products(quantities), destination_province)
