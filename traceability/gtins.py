"""GTINs: a product's own number checked, or one allocated under the platform's company prefix
(GS1 check digit, never reused), and the product a GTIN-14 in a label URL names."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from marketplace.models import Product
from marketplace.validators import gtin_forms

from . import gs1
from .models import AllocatedGtin


def ensure_gtin(product):
    """The product's GTIN-14: its own if valid, else one allocated under the company prefix.

    An allocated number is recorded in AllocatedGtin for good, so it is never reused.
    """
    try:
        return gs1.validate_gtin(product.gtin)
    except gs1.GS1Error:
        if product.gtin:
            raise ValidationError(
                _("The product's GTIN %(gtin)s is not valid: correct it first.")
                % {"gtin": product.gtin}
            ) from None
    for _attempt in range(5):
        try:
            with transaction.atomic():
                locked = Product.objects.select_for_update().get(pk=product.pk)
                if locked.gtin:
                    product.gtin = locked.gtin
                    return gs1.validate_gtin(locked.gtin)
                prefix = gs1.company_prefix()
                last = AllocatedGtin.objects.aggregate(n=Max("item_reference"))["n"]
                number = 1 if last is None else last + 1
                gtin = gs1.allocate_gtin(number, prefix)
                AllocatedGtin.objects.create(gtin=gtin, item_reference=number, product=locked)
                Product.objects.filter(pk=product.pk).update(gtin=gtin)
                product.gtin = gtin
                return gtin
        except IntegrityError:
            continue  # another process took the same number: take the next
    raise ValidationError(_("Could not allocate a GTIN; try again."))


def find_product(gtin14):
    """The product whose stored GTIN (8 to 14 digits) is ``gtin14``, or None."""
    return (
        Product.objects.select_related("producer", "producer__photo", "growing_area")
        .filter(gtin__in=gtin_forms(gtin14))
        .first()
    )
