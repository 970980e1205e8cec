"""traceability's answers to the page hooks of growing_areas and marketplace (connected in
``TraceabilityConfig.ready``): batches on area and product pages, batch links on the desk.
Each runs a fixed number of queries, whatever the number of batches."""

from urllib.parse import urlencode

from django.db.models import Count, Window
from django.urls import reverse
from django.utils.translation import gettext as _

from marketplace.models import Product

from .digital_link import build_path
from .gs1 import GS1Error
from .models import Batch

AREA_BATCHES_SHOWN = 12
PRODUCT_BATCHES_SHOWN = 10


def _lot_url(batch):
    """The lot's provenance page, /01/<gtin14>/10/<lot>, or "" while the product has no
    valid GTIN."""
    try:
        return build_path(batch.product.gtin, lot=batch.lot)
    except GS1Error:
        return ""


def _newest_first(batches, shown):
    """The newest ``shown`` batches and how many more there are, in one query."""
    rows = list(
        batches.annotate(total=Window(Count("pk"))).order_by("-harvest_date", "-pk")[:shown]
    )
    return rows, (rows[0].total - len(rows)) if rows else 0


def area_batches(sender, area, request, **kwargs):
    """The growing area's page lists the batches harvested there, of products buyers see."""
    batches, more = _newest_first(
        Batch.objects.filter(
            Product.objects.public_condition(prefix="product__"), growing_area=area
        ).select_related("product"),
        AREA_BATCHES_SHOWN,
    )
    if not batches:
        return None
    for batch in batches:
        batch.url = _lot_url(batch)
    return {
        "title": _("Harvest batches from this area"),
        "template": "traceability/includes/area_batches.html",
        "context": {"batches": batches, "more": more},
    }


def product_batches(sender, product, request, **kwargs):
    """The product page lists the product's recent batches, each linked to its provenance
    page, with the growing area's badge when it is no longer in good standing."""
    batches = Batch.objects.filter(product=product).select_related("growing_area")
    batches, more = _newest_first(batches, PRODUCT_BATCHES_SHOWN)
    if not batches:
        return None
    for batch in batches:
        batch.product = product  # already loaded: the lot links need only its GTIN
        batch.url = _lot_url(batch)
    return {
        "title": _("Where it comes from"),
        "template": "traceability/includes/product_batches.html",
        "context": {"batches": batches, "more": more},
    }


def desk_batches(sender, producer, request, **kwargs):
    """The seller desk links to the batch pages, for the producer the desk acts for."""
    query = f"?{urlencode({'producer': producer.slug})}" if producer is not None else ""
    return {
        "title": _("Harvest batches and QR labels"),
        "template": "traceability/includes/desk_batches.html",
        "context": {
            "batch_list_url": reverse("traceability:batch_list") + query,
            "batch_new_url": reverse("traceability:batch_new") + query,
        },
    }
