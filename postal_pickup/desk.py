"""What the postal side adds to the farmer's seller desk (``marketplace.signals.desk_sections``,
connected in ``PostalPickupConfig.ready``): where each parcel is with the post office, and the
cash collected on delivery (owed, and paid per period). Only the jobs and remittances of the
producers the person acts for, loaded through ``accounts.access``; a fixed number of queries."""

from datetime import timedelta

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.access import scoped

from .access import FOLLOW
from .models import CodRemittance, PickupJob, PickupJobEvent
from .remittance import owed_by_month

JOBS_SHOWN = 20
# Finished parcels stay on the desk this long after their last change.
FINISHED_SHOWN_DAYS = 14
REMITTANCES_SHOWN = 12
FINISHED = (PickupJob.Status.DELIVERED, PickupJob.Status.RETURNED, PickupJob.Status.CANCELLED)


def state_text(job):
    """The job's state in a farmer's words: when the post office comes, where the parcel
    is, and why a pickup or a delivery failed."""
    status = PickupJob.Status
    day = date_format(job.pickup_date, "d/m")
    if job.status == status.WAITING:
        return _("Waiting for the post office, pickup on %(date)s") % {"date": day}
    if job.status == status.FAILED:
        return _("Not picked up (%(reason)s); the post office comes again on %(date)s") % {
            "reason": job.last_note or _("no reason given"),
            "date": day,
        }
    if job.status == status.DELIVERY_FAILED:
        return _("Delivery failed (%(reason)s)") % {"reason": job.last_note or _("no reason given")}
    if job.status == status.DELIVERED and job.delivered_at:
        return _("Delivered on %(date)s") % {
            "date": date_format(timezone.localtime(job.delivered_at), "d/m/Y")
        }
    return job.get_status_display()


def desk_jobs(user, producer=None, *, now=None):
    """The pickup jobs shown on ``user``'s desk: unfinished ones and those finished lately,
    newest pickup first, each with ``last_note`` (the latest event's reason)."""
    now = now or timezone.now()
    jobs = scoped(user, PickupJob, FOLLOW)
    if producer is not None:
        jobs = jobs.filter(seller_order__producer=producer)
    last_note = PickupJobEvent.objects.filter(job=OuterRef("pk")).order_by("-created_at", "-pk")
    return list(
        jobs.filter(
            ~Q(status__in=FINISHED) | Q(updated_at__gte=now - timedelta(days=FINISHED_SHOWN_DAYS))
        )
        .select_related("seller_order__order", "seller_order__producer")
        .annotate(last_note=Subquery(last_note.values("note")[:1]))
        .order_by("-pickup_date", "-pk")[:JOBS_SHOWN]
    )


def desk_pickups(sender, producer, request, **kwargs):
    """ "Post office pickups": each parcel's job and its state; nothing when there is none."""
    jobs = desk_jobs(request.user, producer)
    if not jobs:
        return None
    for job in jobs:
        job.state_text = state_text(job)
    return {
        "title": _("Post office pickups"),
        "template": "postal_pickup/includes/desk_pickups.html",
        "context": {"jobs": jobs, "show_producer": producer is None},
    }


def desk_cod(sender, producer, request, **kwargs):
    """ "Cash collected on delivery": what the producer is owed (delivered, not yet paid
    back), by month, and the remittances paid. Only on one producer's desk."""
    if producer is None:
        return None
    owed = owed_by_month_for(request.user, producer)
    paid = list(
        scoped(request.user, CodRemittance)
        .filter(producer=producer)
        .order_by("-period_start", "-pk")[:REMITTANCES_SHOWN]
    )
    if not owed and not paid:
        return None
    return {
        "title": _("Cash collected on delivery"),
        "template": "postal_pickup/includes/desk_cod.html",
        "context": {
            "owed": owed,
            "owed_total": sum(row["net"] for row in owed),
            "paid": paid,
        },
    }


def owed_by_month_for(user, producer):
    """``owed_by_month`` of a producer ``user`` may follow (nothing otherwise)."""
    if not scoped(user, PickupJob, FOLLOW).filter(seller_order__producer=producer).exists():
        return []
    return owed_by_month(producer)
