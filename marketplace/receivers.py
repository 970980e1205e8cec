"""marketplace's answers to other apps' page hooks and to page changes (connected in
``MarketplaceConfig.ready``)."""

from django.db.models import Count, Window
from django.utils.translation import gettext as _
from wagtail.models import Page, Site

from .models import Product, forget_catalog_url

AREA_PRODUCTS_SHOWN = 12


def area_products(sender, area, request, **kwargs):
    """The growing area's page lists the public products that come from it: one query,
    the total counted by a window over the same rows, whatever their number."""
    products = list(
        Product.objects.public()
        .filter(growing_area=area)
        .annotate(total=Window(Count("pk")))
        .only("name", "slug", "price", "unit")
        .order_by("-published_at", "-pk")[:AREA_PRODUCTS_SHOWN]
    )
    if not products:
        return None
    for product in products:
        product.url = product.get_absolute_url()
    return {
        "title": _("Products from this area"),
        "template": "marketplace/includes/area_products.html",
        "context": {"products": products, "more": products[0].total - len(products)},
    }


def page_tree_changed(sender, **kwargs):
    """A page was unpublished or moved: the cached catalogue address (``catalog_url``) may
    be stale, so it is looked up again."""
    forget_catalog_url()


def page_tree_saved(sender, instance, **kwargs):
    """The same when a page (publishing saves it) or a site is saved or deleted."""
    if isinstance(instance, Page | Site):
        forget_catalog_url()
