"""Pickup jobs: made once per confirmed seller order, collected or failed by postal staff.

Every status change goes through ``PickupJob.move_to`` and writes a ``PickupJobEvent``. Locks
are taken in the buying app's order: the order row first, then the job (then the seller order,
inside ``set_seller_order_status``), so a pickup never waits in a circle with a cancellation.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.notifications import notify_role
from accounts.roles import Role
from marketplace.checkout import set_seller_order_status
from marketplace.models import Order, SellerOrder

from .calendar import local_date, next_working_day, pickup_date_for
from .models import MAX_PICKUP_FAILURES, PickupJob, PickupJobEvent, ServedCommune
from .sscc import allocate_sscc

log = logging.getLogger(__name__)

# Seller orders the post office has to collect: confirmed, not yet handed over.
COLLECTABLE = (SellerOrder.Status.TO_PACK, SellerOrder.Status.PACKED)


class FailureReason:
    FARMER_AWAY = "farmer_away"
    NOT_PACKED = "not_packed"
    WRONG_ADDRESS = "wrong_address"
    OTHER = "other"

    @classmethod
    def choices(cls):
        return [
            (cls.FARMER_AWAY, _("The farmer was away")),
            (cls.NOT_PACKED, _("The parcel was not packed")),
            (cls.WRONG_ADDRESS, _("Wrong address")),
            (cls.OTHER, _("Other")),
        ]


def office_for_commune(commune_code):
    served = ServedCommune.objects.select_related("office").filter(commune_code=commune_code)
    found = served.first()
    return found.office if found else None


def record(job, actor, from_status, to_status, note=""):
    return PickupJobEvent.objects.create(
        job=job,
        actor=actor if actor is not None and actor.is_authenticated else None,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def create_job(seller_order, *, now=None):
    """The seller order's pickup job, made if it has none: ``(job, created)``.

    Idempotent: a repeated signal, the sweep, or two of them at once leave one job (the
    one-to-one key refuses a second; the loser returns the winner's). A seller order that is
    not waiting for the post office gets no job: ``(None, False)``.
    """
    existing = PickupJob.objects.filter(seller_order=seller_order).first()
    if existing is not None:
        return existing, False
    if seller_order.status not in COLLECTABLE:
        return None, False
    now = now or timezone.now()
    order = seller_order.order
    producer = seller_order.producer
    confirmed_at = order.confirmed_at or now
    pickup_date = max(pickup_date_for(confirmed_at), local_date(now))
    office = office_for_commune(producer.commune_code)
    try:
        with transaction.atomic():
            job = PickupJob.objects.create(
                seller_order=seller_order,
                office=office,
                needs_moderator=office is None,
                sscc=allocate_sscc(),
                pickup_date=pickup_date,
                expected_weight_grams=seller_order.weight_grams,
                cod_amount=seller_order.cod_amount,
            )
            if office is None:
                record(job, None, "", job.status, _("No post office serves this commune."))
                _tell_moderators_unserved(job, order, producer)
            else:
                record(job, None, "", job.status, "")
    except IntegrityError:
        return PickupJob.objects.get(seller_order=seller_order), False
    return job, True


def _tell_moderators_unserved(job, order, producer):
    commune = producer.commune
    notify_role(
        Role.MODERATOR,
        _("A parcel has no post office to collect it"),
        _(
            "Order %(number)s from %(producer)s (%(commune)s): no post office serves this "
            "commune. Assign one in the admin under Postal pickup."
        )
        % {
            "number": order.number,
            "producer": producer.name,
            "commune": commune.name if commune else producer.commune_code,
        },
    )


def create_jobs_for_seller_orders(seller_orders, *, now=None):
    """One job per seller order; a failure on one is logged and left to the sweep."""
    made = 0
    for seller_order in seller_orders:
        try:
            _job, created = create_job(seller_order, now=now)
        except Exception:
            log.exception("pickup job for seller order %s not made", seller_order.pk)
            continue
        made += created
    return made


def seller_orders_without_job():
    """Confirmed seller orders the post office has to collect but that have no job yet."""
    return (
        SellerOrder.objects.filter(status__in=COLLECTABLE, pickup_job__isnull=True)
        .select_related("order", "producer")
        .order_by("pk")
    )


def create_missing_jobs(*, limit=500, now=None):
    """The sweep: make the jobs a lost signal or a failed receiver left out."""
    return create_jobs_for_seller_orders(seller_orders_without_job()[:limit], now=now)


def _locked(job):
    """Inside a transaction: the job re-read under lock, after its order's row."""
    Order.objects.select_for_update().get(pk=job.seller_order.order_id)
    return PickupJob.objects.select_for_update().select_related("seller_order").get(pk=job.pk)


def mark_picked_up(job, actor, parcels, weight_grams, *, note=""):
    """The parcel is in the post office's hands: the seller order is shipped."""
    with transaction.atomic():
        job = _locked(job)
        old = job.status
        job.move_to(PickupJob.Status.PICKED_UP)
        job.parcel_count = parcels
        job.actual_weight_grams = weight_grams
        job.save(update_fields=["status", "parcel_count", "actual_weight_grams", "updated_at"])
        record(job, actor, old, job.status, note)
        set_seller_order_status(
            job.seller_order, SellerOrder.Status.SHIPPED, actor=actor, note=_("Picked up.")
        )
    return job


def mark_failed(job, actor, reason, *, note="", now=None):
    """Nobody could hand over the parcel: it goes on the next working day's list, and after
    ``MAX_PICKUP_FAILURES`` failures to the moderators' queue (the office is kept, so they
    see who tried)."""
    now = now or timezone.now()
    labels = dict(FailureReason.choices())
    with transaction.atomic():
        job = _locked(job)
        old = job.status
        job.move_to(PickupJob.Status.FAILED)
        job.failures += 1
        job.pickup_date = next_working_day(max(local_date(now), job.pickup_date))
        to_moderators = job.failures >= MAX_PICKUP_FAILURES and not job.needs_moderator
        job.needs_moderator = job.needs_moderator or to_moderators
        job.save(
            update_fields=["status", "failures", "pickup_date", "needs_moderator", "updated_at"]
        )
        why = str(labels.get(reason, labels[FailureReason.OTHER]))
        record(job, actor, old, job.status, f"{why}. {note}".strip() if note else why)
        if to_moderators:
            _tell_moderators_failing(job)
    return job


def _tell_moderators_failing(job):
    seller_order = job.seller_order
    notify_role(
        Role.MODERATOR,
        _("A parcel could not be collected %(count)s times") % {"count": job.failures},
        _(
            "Order %(number)s from %(producer)s: the post office could not collect it "
            "%(count)s times. Call the farmer and decide in the admin under Postal pickup."
        )
        % {
            "number": seller_order.order.number,
            "producer": seller_order.producer.name,
            "count": job.failures,
        },
    )
