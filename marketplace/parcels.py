"""The seller desk's parcels (seller orders): which tab each is in, what of the buyer a farmer
is shown, and how many wait to be packed. Status changes go through ``checkout``."""

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from accounts.access import scoped

from .order_models import OrderLine, SellerOrder

Status = SellerOrder.Status

# tab slug (in the address, ?nhom=) -> (label, statuses, newest first?)
TO_PACK, WITH_POST_OFFICE, DONE = "can-goi", "buu-dien", "xong"
TABS = {
    # still at the farmer's house: the oldest first, packed in the order they came
    TO_PACK: (_("To pack"), (Status.TO_PACK, Status.PACKED), False),
    WITH_POST_OFFICE: (_("With the post office"), (Status.SHIPPED,), True),
    DONE: (_("Done"), (Status.DELIVERED, Status.RETURNED, Status.CANCELLED), True),
}

# While the farmer handles the parcel they need where it goes and whom to call; afterwards
# the post office has it, and the buyer's phone and street are no longer shown.
HANDLING = (Status.TO_PACK, Status.PACKED)


def desk_parcels(user, producer=None):
    """The parcels ``user`` may see on the desk (their producers', or one of them): only
    those of confirmed orders, as nothing is packed before the order is paid or confirmed."""
    parcels = scoped(user, SellerOrder).filter(order__confirmed_at__isnull=False)
    if producer is not None:
        parcels = parcels.filter(producer=producer)
    return parcels


def tab_counts(parcels):
    """{tab: number of parcels} in one query."""
    counts = {
        tab: Count("pk", filter=Q(status__in=statuses))
        for tab, (_label, statuses, _newest) in TABS.items()
    }
    return parcels.aggregate(**counts)


def in_tab(parcels, tab):
    """The parcels of ``tab`` with their order, producer and lines: three queries for a
    page of any length (the page, its count, the lines)."""
    _label, statuses, newest_first = TABS[tab]
    order = ("-order__confirmed_at", "-pk") if newest_first else ("order__confirmed_at", "pk")
    return (
        parcels.filter(status__in=statuses)
        .select_related("order", "producer")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
        .order_by(*order)
    )


def shows_buyer_contact(seller_order):
    """The buyer's phone, street and note are shown only while the farmer handles the parcel."""
    return seller_order.status in HANDLING


def to_pack_count(user, producer=None):
    """How many parcels wait to be packed (the desk link's number)."""
    return desk_parcels(user, producer).filter(status=Status.TO_PACK).count()
