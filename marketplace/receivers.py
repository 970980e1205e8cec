"""marketplace's answers to other apps' page hooks and to page changes (connected in
``MarketplaceConfig.ready``)."""

from django.db.models import Count, Window
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.models import Page, Site

from accounts.access import scoped

from . import access, parcels
from .models import Order, Product, forget_catalog_url

AREA_PRODUCTS_SHOWN = 12
ACCOUNT_ORDERS_SHOWN = 5


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


def desk_orders(sender, producer, request, **kwargs):
    """The seller desk links to the parcels page, with how many parcels wait to be packed
    (one query)."""
    url = reverse("marketplace:seller_orders")
    if producer is not None:
        url += f"?nong-dan={producer.slug}"
    return {
        "title": _("Orders"),
        "template": "marketplace/includes/desk_orders.html",
        "context": {"url": url, "to_pack": parcels.to_pack_count(request.user, producer)},
    }


def account_orders(sender, user, request, **kwargs):
    """ "My orders" on the account page: the latest orders placed from this account, each
    linked to its tracking page; nothing when there are none."""
    orders = list(
        scoped(user, Order, access.BOUGHT)
        .annotate(total_count=Window(Count("pk")))
        .order_by("-created_at", "-pk")[:ACCOUNT_ORDERS_SHOWN]
    )
    if not orders:
        return None
    return {
        "title": _("My orders"),
        "template": "marketplace/includes/account_orders.html",
        "context": {"orders": orders, "more": orders[0].total_count > len(orders)},
    }
