"""Pickup jobs: made once per confirmed seller order, collected or failed by postal staff.

Every status change goes through ``PickupJob.move_to`` and writes a ``PickupJobEvent``. Locks
are taken in the buying app's order: the order row first, then the job (then the seller order,
inside ``set_seller_order_status``), so a pickup never waits in a circle with a cancellation.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.notifications import notify_role
from accounts.roles import Role
from marketplace.checkout import set_seller_order_status
from marketplace.models import InvalidTransition, Order, SellerOrder

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


def record(job, actor, from_status, to_status, note="", *, occurred_at=None):
    return PickupJobEvent.objects.create(
        job=job,
        actor=actor if actor is not None and actor.is_authenticated else None,
        from_status=from_status,
        to_status=to_status,
        note=note,
        occurred_at=occurred_at,
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


def cancel_jobs(seller_orders, actor, reason):
    """The order of ``seller_orders`` was cancelled (``order_cancelled``, inside the cancelling
    transaction, its order row locked): each of their jobs still to collect is cancelled with
    who and why, leaves the moderators' queue, and drops off the lists from today on (a printed
    one must be printed again; staff told of it are told). Jobs are locked without a key lock,
    so a list being drawn up, which takes a key-share lock on each job it adds, never waits in
    a circle with a cancellation. Returns how many jobs were cancelled."""
    # imported here: the lists load the PDF library, which start-up leaves unloaded
    from . import pickup_lists

    jobs = list(
        PickupJob.objects.select_for_update(of=("self",), no_key=True)
        .filter(
            seller_order__in=[seller_order.pk for seller_order in seller_orders],
            status__in=PickupJob.TO_COLLECT,
        )
        .select_related("seller_order__order", "seller_order__producer")
        .order_by("pk")
    )
    for job in jobs:
        old = job.status
        job.move_to(PickupJob.Status.CANCELLED)
        job.needs_moderator = False
        job.save(update_fields=["status", "needs_moderator", "updated_at"])
        record(job, actor, old, job.status, reason)
        pickup_lists.withdraw(job)
    return len(jobs)


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


# --- After pickup: in transit, out for delivery, delivered, delivery failed, returned --------

# The statuses a parcel goes through once the post office has it, marked by staff on
# /buu-dien/dang-giao/ or sent by the carrier's webhook.
AFTER_PICKUP = (
    PickupJob.Status.IN_TRANSIT,
    PickupJob.Status.OUT_FOR_DELIVERY,
    PickupJob.Status.DELIVERED,
    PickupJob.Status.DELIVERY_FAILED,
    PickupJob.Status.RETURNED,
)
# Jobs on the way to the buyer: the staff's delivery page lists them.
ON_THE_WAY = (
    PickupJob.Status.PICKED_UP,
    PickupJob.Status.IN_TRANSIT,
    PickupJob.Status.OUT_FOR_DELIVERY,
    PickupJob.Status.DELIVERY_FAILED,
)
# What the seller order becomes when the parcel reaches the end of its way.
_SELLER_ORDER_END = {
    PickupJob.Status.DELIVERED: SellerOrder.Status.DELIVERED,
    PickupJob.Status.RETURNED: SellerOrder.Status.RETURNED,
}


def next_steps(job):
    """The statuses after pickup ``job`` may move to now, in the parcel's order."""
    allowed = PickupJob.TRANSITIONS[PickupJob.Status(job.status)]
    return [status for status in AFTER_PICKUP if status in allowed]


def latest_event_time(job):
    """When the job's latest recorded change happened (the carrier's time when it sent it)."""
    return job.events.aggregate(latest=Max(Coalesce("occurred_at", "created_at")))["latest"]


def advance(job, actor, status, *, note="", at=None):
    """Move a picked-up parcel on (in transit, out for delivery, delivered, delivery failed,
    returned), with an event row. Delivered records when, and for a COD parcel the cash the
    carrier collected, and delivers the seller order; returned returns it (the order completes
    when every parcel has arrived or returned). An impossible step raises InvalidTransition
    and changes nothing."""
    with transaction.atomic():
        return _advance_locked(_locked(job), actor, status, note=note, at=at)


def _advance_locked(job, actor, status, *, note="", at=None):
    status = PickupJob.Status(status)
    if status not in AFTER_PICKUP:
        raise InvalidTransition(
            _("“%(status)s” is not a step after pickup.") % {"status": status.label},
            code="invalid_transition",
        )
    old = job.status
    job.move_to(status)
    fields = ["status", "updated_at"]
    if status == PickupJob.Status.DELIVERED:
        job.delivered_at = at or timezone.now()
        job.cod_collected = job.cod_amount
        fields += ["delivered_at", "cod_collected"]
    job.save(update_fields=fields)
    record(job, actor, old, job.status, note, occurred_at=at)
    end = _SELLER_ORDER_END.get(status)
    if end is not None:
        set_seller_order_status(
            job.seller_order,
            end,
            actor=actor if actor is not None and actor.is_authenticated else None,
            note=str(status.label),
        )
    return job


def apply_carrier_event(sscc, status, occurred_at, *, note="", event_id=""):
    """A status the carrier's system sent for the parcel ``sscc``: applied when it is newer
    than the job's latest change, otherwise kept as an ignored note (an event that overtook
    another on the way must not move the parcel back). Returns the job; raises
    PickupJob.DoesNotExist for an unknown parcel and InvalidTransition for an impossible
    step (nothing changed)."""
    with transaction.atomic():
        job = _locked(PickupJob.objects.select_related("seller_order").get(sscc=sscc))
        latest = latest_event_time(job)
        said = _("Carrier event %(id)s") % {"id": event_id}
        if latest is not None and occurred_at < latest:
            record(
                job,
                None,
                job.status,
                job.status,
                _("%(said)s ignored: “%(status)s” at %(time)s is older than the latest status.")
                % {
                    "said": said,
                    "status": PickupJob.Status(status).label,
                    "time": timezone.localtime(occurred_at).strftime("%d/%m/%Y %H:%M"),
                },
                occurred_at=occurred_at,
            )
            return job
        text = f"{said}. {note}".strip() if note else said
        return _advance_locked(job, None, status, note=text, at=occurred_at)


# --- The moderators' queue -----------------------------------------------------------------------


def assign_office(job, actor, office, reason, *, now=None):
    """A moderator gives a queued job (no office, or failed too often) to ``office`` and puts
    it back on that office's list, dated afresh as if confirmed now; the event row keeps who
    and why. Only a job still to be collected can be assigned (InvalidTransition otherwise,
    nothing changed)."""
    now = now or timezone.now()
    with transaction.atomic():
        job = _locked(job)
        if job.status == PickupJob.Status.CANCELLED:
            raise InvalidTransition(
                _("This order was cancelled: there is nothing to collect."),
                code="invalid_transition",
            )
        if job.status not in PickupJob.TO_COLLECT:
            raise InvalidTransition(
                _("This parcel has left the farm already: there is no pickup to assign."),
                code="invalid_transition",
            )
        job.office = office
        job.needs_moderator = False
        job.pickup_date = max(pickup_date_for(now), local_date(now))
        job.save(update_fields=["office", "needs_moderator", "pickup_date", "updated_at"])
        record(
            job,
            actor,
            job.status,
            job.status,
            _("Assigned to %(office)s and put back on its list for %(day)s: %(reason)s")
            % {
                "office": office.name,
                "day": job.pickup_date.strftime("%d/%m/%Y"),
                "reason": reason,
            },
        )
    return job
