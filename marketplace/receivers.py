"""marketplace's answers to other apps' page hooks (connected in ``MarketplaceConfig.ready``)."""

from django.db.models import Count, Window
from django.utils.translation import gettext as _

AREA_PRODUCTS_SHOWN = 12


def area_products(sender, area, request, **kwargs):
    """The growing area's page lists the public products that come from it: one query,
    the total counted by a window over the same rows, whatever their number."""
    from .views import catalogue_base, public_products

    products = list(
        public_products()
        .filter(growing_area=area)
        .annotate(total=Window(Count("pk")))
        .only("name", "slug", "price", "unit")
        .order_by("-published_at", "-pk")[:AREA_PRODUCTS_SHOWN]
    )
    if not products:
        return None
    base = catalogue_base(request)
    for product in products:
        product.url = f"{base}{product.slug}/"
    return {
        "title": _("Products from this area"),
        "template": "marketplace/includes/area_products.html",
        "context": {"products": products, "more": products[0].total - len(products)},
    }
