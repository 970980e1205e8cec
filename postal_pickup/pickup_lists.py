"""The daily pickup lists (bảng kê): drawn up each morning, one per office and day, one row per
job, in route order; who is told; and the list PDF and slips sheet drawn by a worker with a
heartbeat, as label print runs are (``traceability.printing``), with the same sweep.

Drawing up is idempotent: each office's list is made in one transaction under a lock on its
row, so a worker killed half-way leaves nothing half made, and a second run (or two at once)
adds only the jobs not yet on the list. A job failed yesterday has moved to today's pickup
date (``services.mark_failed``), and a job left from an earlier day is still to collect:
both are on today's list.
"""

import logging
import tempfile
import uuid

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.notifications import notify
from traceability.printing import STALE_BUILDING_AFTER, STALE_QUEUED_AFTER

from . import documents
from .calendar import working_days
from .models import PickupJob, PickupList, PickupListRow, PostOffice

logger = logging.getLogger(__name__)

# The route: commune by commune, village by village, farm by farm.
ROUTE_ORDER = (
    "seller_order__producer__commune_code",
    "seller_order__producer__village",
    "seller_order__producer__name",
    "pk",
)
ROW_ROUTE_ORDER = tuple(f"job__{field}" for field in ROUTE_ORDER[:-1]) + ("job_id",)


def jobs_for_day(office, day):
    """The office's jobs to collect on ``day``: dated that day or left from before."""
    return PickupJob.objects.filter(
        office=office,
        status__in=PickupJob.TO_COLLECT,
        needs_moderator=False,
        pickup_date__lte=day,
    )


def _delete_files(names):
    for name in names:
        if name:
            PickupList.pdf.field.storage.delete(name)


def draw_up(office, day, *, tell=True):
    """The office's list for ``day`` with a row for each job to collect: ``(list, added)``.

    Run again, it adds only the jobs not yet on it (a job added later, after a failure
    yesterday) and puts the rows back in route order; a printed list it changed must be
    printed again. ``tell``: staff and farmers not yet told are told."""
    with transaction.atomic():
        pickup_list, _created = PickupList.objects.get_or_create(office=office, day=day)
        pickup_list = PickupList.objects.select_for_update().get(pk=pickup_list.pk)
        on_list = PickupListRow.objects.filter(pickup_list=pickup_list, job=OuterRef("pk"))
        new_jobs = list(
            jobs_for_day(office, day)
            .filter(~Exists(on_list))
            .order_by(*ROUTE_ORDER)
            .values_list("pk", flat=True)
        )
        had_rows = pickup_list.rows.exists()
        if new_jobs:
            PickupListRow.objects.bulk_create(
                [
                    PickupListRow(pickup_list=pickup_list, job_id=job_id, position=n)
                    for n, job_id in enumerate(new_jobs, start=1)
                ],
                batch_size=1000,
                ignore_conflicts=True,
            )
            if had_rows:
                _renumber(pickup_list)
            if pickup_list.status != PickupList.Status.NEW:
                _out_of_date(pickup_list)
        if tell:
            _tell(pickup_list)
    return pickup_list, len(new_jobs)


def _renumber(pickup_list):
    rows = list(pickup_list.rows.order_by(*ROW_ROUTE_ORDER).only("pk", "position"))
    changed = []
    for n, row in enumerate(rows, start=1):
        if row.position != n:
            row.position = n
            changed.append(row)
    PickupListRow.objects.bulk_update(changed, ["position"], batch_size=1000)


def _out_of_date(pickup_list):
    """A stop was added after printing: the paper no longer matches, print again."""
    old = [pickup_list.pdf.name, pickup_list.slips_pdf.name]
    pickup_list.transition(PickupList.Status.NEW)
    pickup_list.pdf = pickup_list.slips_pdf = ""
    pickup_list.progress = 0
    pickup_list.save(update_fields=["status", "pdf", "slips_pdf", "progress", "finished_at"])
    transaction.on_commit(lambda: _delete_files(old))


def withdraw(job, today=None):
    """``job`` was cancelled (inside that transaction): the lists holding it from ``today`` on
    no longer show it (``rows_of`` leaves cancelled jobs out, the row stays as a record); a
    printed or printing one must be printed again, and staff told of one are told not to go.
    The lists are locked in a fixed order, as drawing up locks them."""
    today = today or timezone.localdate()
    holding = PickupList.objects.filter(
        day__gte=today, pk__in=PickupListRow.objects.filter(job=job).values("pickup_list_id")
    )
    locked = holding.select_for_update(of=("self",)).select_related("office").order_by("pk")
    for pickup_list in locked:
        if pickup_list.status != PickupList.Status.NEW:
            _out_of_date(pickup_list)
        if pickup_list.staff_notified_at is not None:
            _tell_staff_withdrawn(pickup_list, job)


def _tell_staff_withdrawn(pickup_list, job):
    seller_order = job.seller_order
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Pickup on %(day)s cancelled") % {"day": _day_text(pickup_list.day)}
        body = _(
            "%(office)s: order %(number)s was cancelled. Do not collect the parcel from "
            "%(farmer)s on %(day)s."
        ) % {
            "office": pickup_list.office.name,
            "number": seller_order.order.number,
            "farmer": seller_order.producer.name,
            "day": _day_text(pickup_list.day),
        }
        for person in pickup_list.office.staff.filter(is_active=True):
            notify(person, subject, body)


def _day_text(day):
    return f"{day:%d/%m}"


def _tell(pickup_list):
    """Tell the office's staff once that the list is ready, and each farmer on it once."""
    now = timezone.now()
    day = _day_text(pickup_list.day)
    waiting = list(
        rows_of(pickup_list)
        .filter(farmer_notified_at__isnull=True)
        .prefetch_related("job__seller_order__producer__members")
    )
    count = rows_of(pickup_list).count() if pickup_list.staff_notified_at is None else 0
    if count:
        url = settings.SITE_URL + reverse("postal_pickup:list_detail", args=[pickup_list.pk])
        for person in pickup_list.office.staff.filter(is_active=True):
            notify(
                person,
                _("Pickup list for %(day)s") % {"day": day},
                _("%(office)s: %(count)s parcels to collect on %(day)s. The list: %(url)s")
                % {"office": pickup_list.office.name, "count": count, "day": day, "url": url},
            )
        pickup_list.staff_notified_at = now
        pickup_list.save(update_fields=["staff_notified_at"])
    numbers_by_member = {}
    for row in waiting:
        for member in row.job.seller_order.producer.members.all():
            if member.is_active:
                numbers_by_member.setdefault(member, []).append(row.job.seller_order.order.number)
    for member, numbers in numbers_by_member.items():
        notify(
            member,
            _("The post office will come to collect your parcel on %(day)s") % {"day": day},
            _(
                "The post office will come to collect your parcel on %(day)s (order "
                "%(numbers)s). Please have it packed."
            )
            % {"day": day, "numbers": ", ".join(sorted(set(numbers)))},
        )
    PickupListRow.objects.filter(pk__in=[row.pk for row in waiting]).update(farmer_notified_at=now)


def offices_with_jobs(day):
    return PostOffice.objects.filter(
        Exists(jobs_for_day(OuterRef("pk"), day).values("pk"))
    ).order_by("pk")


def draw_up_all(day=None, *, tell=True):
    """Every office's list for ``day`` (today by default), on working days: the lists."""
    day = day or timezone.localdate()
    if day.weekday() not in working_days():
        return []
    made = []
    with translation.override(settings.LANGUAGE_CODE):
        for office in offices_with_jobs(day):
            try:
                pickup_list, _added = draw_up(office, day, tell=tell)
            except DatabaseError:
                logger.exception("pickup list of office %s for %s not drawn up", office.pk, day)
                continue
            made.append(pickup_list)
    return made


# --- what is on a list ----------------------------------------------------------------------


def rows_of(pickup_list):
    """The list's rows in route order with everything the paper says, in one query; a job
    cancelled after the list was drawn up is left out (its row stays, as a record)."""
    return (
        pickup_list.rows.exclude(job__status=PickupJob.Status.CANCELLED)
        .select_related("job__seller_order__order", "job__seller_order__producer")
        .order_by("position", "pk")
    )


def stops_of(pickup_list):
    """The list's stops numbered 1, 2, 3… in route order (no gap where a job was cancelled)."""
    return [
        documents.stop_for(row.job, position)
        for position, row in enumerate(rows_of(pickup_list), start=1)
    ]


def heading_of(pickup_list):
    office = pickup_list.office
    return documents.ListHeading(office.name, office.code, office.phone, pickup_list.day)


# --- printing -------------------------------------------------------------------------------


def request_print(pickup_list):
    """Queue the list's PDF and slips for a worker (once the transaction commits); a list
    already printing or printed is left as it is."""
    with transaction.atomic():
        pickup_list = PickupList.objects.select_for_update().get(pk=pickup_list.pk)
        if pickup_list.status in {PickupList.Status.NEW, PickupList.Status.FAILED}:
            pickup_list.transition(PickupList.Status.QUEUED)
            pickup_list.total = 2 * rows_of(pickup_list).count()
            pickup_list.progress = 0
            pickup_list.error = ""
            pickup_list.save(
                update_fields=[
                    "status",
                    "total",
                    "progress",
                    "error",
                    "requested_at",
                    "heartbeat_at",
                ]
            )
            from .tasks import build_list_pdfs

            list_id = pickup_list.pk
            transaction.on_commit(lambda: build_list_pdfs.delay(list_id))
    return pickup_list


def _mark_failed(list_id, error):
    try:
        with transaction.atomic():
            pickup_list = PickupList.objects.select_for_update().get(pk=list_id)
            if pickup_list.status != PickupList.Status.BUILDING:
                return
            pickup_list.transition(PickupList.Status.FAILED)
            pickup_list.error = str(error)[:1000]
            pickup_list.save(update_fields=["status", "error", "finished_at"])
    except DatabaseError:
        logger.exception("pickup list %s: could not record the failure", list_id)


def _save_file(field_file, scratch, suffix):
    scratch.seek(0)
    name = field_file.field.generate_filename(field_file.instance, f"{uuid.uuid4().hex}{suffix}")
    return field_file.storage.save(name, File(scratch))


def build_pdfs(list_id, progress=None):
    """Draw the list's A4 PDF and its slips sheet into storage. Safe to call again: a list
    printed is left alone, an interrupted one is drawn again from the start; one whose rows
    changed meanwhile keeps no stale file. The heartbeat moves after every stop."""
    with transaction.atomic():
        pickup_list = PickupList.objects.select_for_update().get(pk=list_id)
        if pickup_list.status not in {
            PickupList.Status.QUEUED,
            PickupList.Status.BUILDING,
            PickupList.Status.FAILED,
        }:
            return pickup_list
        pickup_list.transition(PickupList.Status.BUILDING)
        pickup_list.progress = 0
        pickup_list.error = ""
        pickup_list.save(
            update_fields=["status", "progress", "error", "started_at", "heartbeat_at"]
        )
    pickup_list = PickupList.objects.select_related("office").get(pk=list_id)
    stops = stops_of(pickup_list)
    count = len(stops)

    def beat(done):
        PickupList.objects.filter(pk=list_id).update(progress=done, heartbeat_at=timezone.now())
        if progress:
            progress(done, 2 * count)

    names = []
    try:
        with tempfile.TemporaryFile() as scratch:
            documents.render_list(heading_of(pickup_list), stops, scratch, progress=beat)
            names.append(_save_file(pickup_list.pdf, scratch, ".pdf"))
        with tempfile.TemporaryFile() as scratch:
            documents.render_slip_sheets(stops, scratch, progress=lambda done: beat(count + done))
            names.append(_save_file(pickup_list.slips_pdf, scratch, ".pdf"))
        with transaction.atomic():
            pickup_list = PickupList.objects.select_for_update().get(pk=list_id)
            if (
                pickup_list.status != PickupList.Status.BUILDING
                or rows_of(pickup_list).count() != count
            ):
                # another delivery finished first, or a stop was added or called off
                transaction.on_commit(lambda: _delete_files(names))
                return pickup_list
            pickup_list.pdf.name, pickup_list.slips_pdf.name = names
            pickup_list.total = pickup_list.progress = 2 * count
            pickup_list.transition(PickupList.Status.DONE)
            pickup_list.save(
                update_fields=["pdf", "slips_pdf", "progress", "total", "status", "finished_at"]
            )
    except Exception as error:
        logger.exception("pickup list %s: PDF failed", list_id)
        _delete_files(names)
        _mark_failed(list_id, error)
        raise
    return pickup_list


def take_stale_lists(now=None):
    """Lists a worker should be drawing but is not (a lost message, a dead worker), each
    marked as just sent again so the next sweep leaves it alone meanwhile."""
    now = now or timezone.now()
    queued = PickupList.objects.annotate(last_sign=Coalesce("heartbeat_at", "requested_at")).filter(
        status=PickupList.Status.QUEUED, last_sign__lt=now - STALE_QUEUED_AFTER
    )
    stuck = PickupList.objects.annotate(last_sign=Coalesce("heartbeat_at", "started_at")).filter(
        status=PickupList.Status.BUILDING, last_sign__lt=now - STALE_BUILDING_AFTER
    )
    stale = list(queued.values_list("pk", flat=True)) + list(stuck.values_list("pk", flat=True))
    PickupList.objects.filter(pk__in=stale).update(heartbeat_at=now)
    return stale
