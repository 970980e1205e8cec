"""What the postal side does when the buying app announces something."""

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from marketplace.tracking import Step

from .models import PickupJobEvent
from .services import cancel_jobs, create_jobs_for_seller_orders


def create_jobs_for_order(sender, order, seller_orders, **kwargs):
    """``order_confirmed``: one pickup job per seller order. Runs after the order committed,
    in the buyer's request, so it never raises: a job it could not make is left to the sweep
    (``tasks.create_missing_jobs``)."""
    create_jobs_for_seller_orders(seller_orders)


def cancel_jobs_for_order(sender, order, seller_orders, actor, reason, **kwargs):
    """``order_cancelled``: the post office must not come for a cancelled order. Runs inside
    the cancelling transaction, so the jobs are called off with it or not at all."""
    cancel_jobs(seller_orders, actor, reason)


# What the buyer reads for the statuses between the post office and their door (picked up,
# delivered and returned come from the seller order's own events).
_BUYER_STEPS = {
    "in_transit": _("Your parcel from %(producer)s is on its way"),
    "out_for_delivery": _("Your parcel from %(producer)s is out for delivery today"),
    "delivery_failed": _(
        "Delivery of your parcel from %(producer)s failed; it will be tried again"
    ),
}


def delivery_steps(sender, order, **kwargs):
    """``order_timeline_steps``: the carrier's steps for the order's parcels, with the
    producer's name only (as the tracking page names them). Dated when we recorded them, as
    every other step is: the carrier's clock may run ahead of ours, and its "on its way" must
    not come after our "delivered"."""
    events = (
        PickupJobEvent.objects.filter(
            job__seller_order__order=order, to_status__in=list(_BUYER_STEPS)
        )
        .exclude(from_status=F("to_status"))
        .select_related("job__seller_order__producer")
        .order_by("created_at", "pk")
    )
    return [
        Step(
            event.created_at,
            _BUYER_STEPS[event.to_status] % {"producer": event.job.seller_order.producer.name},
        )
        for event in events
    ]
