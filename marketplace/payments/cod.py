"""Cash on delivery, the default: the post office collects each seller order's total."""

from django.db.models import F

from ..order_models import PaymentMethod
from .base import PaymentAdapter
from .registry import register


@register
class CashOnDelivery(PaymentAdapter):
    method = PaymentMethod.COD
    prepaid = False

    def start(self, order):
        """Each parcel's cash to collect: its goods plus its shipping fee."""
        order.seller_orders.update(cod_amount=F("goods_total") + F("shipping_fee"))

    def next_url(self, order):
        """The tracking page with its "order placed" banner: nothing is left to pay now."""
        from ..tracking import confirmation_url

        return confirmation_url(order)

    def refund(self, payment):
        """Cash is taken only at delivery, so a cancelled COD order has nothing to return."""
        return False
