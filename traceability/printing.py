"""Labels: who may print them, print runs with fresh random serials, the PDF drawn by a worker
with a heartbeat, the sweep that sends stalled runs again, and voiding (one label, a whole run)
and lifting a voiding, each kept in the label's voiding history."""

import logging
import tempfile
import uuid
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.access import is_moderator

from . import gs1
from .digital_link import label_url
from .gtins import ensure_gtin
from .labels import LAYOUTS, LabelContent, render_labels
from .models import MAX_LABELS_PER_RUN, Batch, Label, LabelPrintRun, LabelVoiding
from .services import earlier_submission, refuse
from .site_address import check_label_site_address

logger = logging.getLogger(__name__)

# --- who may print --------------------------------------------------------------------------
# A label tells a buyer the platform stands behind the package, so labels are printed only for
# a listing the moderators approved (their last word on it is approval) of a verified
# producer (recording batches and steps is ruled by ``services.recording_refusal``).


def printing_refusal(product):
    """Why no label may be printed for ``product`` now, in a sentence; "" when they may."""
    producer = product.producer
    if producer.is_suspended:
        return _("%(name)s is suspended by the platform: no labels can be printed.") % {
            "name": producer.name
        }
    if not producer.is_verified:
        return _("Labels can be printed once the platform has verified %(name)s.") % {
            "name": producer.name
        }
    if not product.has_been_approved:
        return _("Labels can be printed once a moderator has approved the listing “%(name)s”.") % {
            "name": product.name
        }
    return ""


# --- print runs -----------------------------------------------------------------------------


def _fresh_serials(count):
    serials = set()
    while len(serials) < count:
        wanted = count - len(serials)
        candidates = {gs1.new_serial() for _i in range(wanted)}
        taken = set(Label.objects.filter(serial__in=candidates).values_list("serial", flat=True))
        serials |= candidates - taken
    return list(serials)


@transaction.atomic
def issue_labels(batch, count, layout, by=None, build=True, submission_token=None):
    """Create a print run of ``count`` labels with fresh random serials; the PDF is built by
    Celery once the transaction commits (``build=False`` leaves that to the caller).

    Only for a listing the moderators approved, of a verified producer (``printing_refusal``).
    The print form's one-time ``submission_token`` makes a repeated submit return the run the
    first one created, so a double tap never makes twice the genuine serials."""
    check_label_site_address()
    # One new run of a batch at a time: a twin submit waits here, then finds the first.
    locked = (
        Batch.objects.select_for_update(of=("self",))
        .select_related("product__producer")
        .get(pk=batch.pk)
    )
    refuse(printing_refusal(locked.product), "not_vouched")
    earlier = earlier_submission(LabelPrintRun, submission_token, batch_id=batch.pk)
    if earlier is not None:
        return earlier
    if layout not in LAYOUTS:
        raise ValidationError({"layout": _("Choose one of the sheet layouts.")})
    if not 1 <= count <= MAX_LABELS_PER_RUN:
        raise ValidationError({"count": _("Print between 1 and 10,000 labels in one run.")})
    if not batch.gtin:
        ensure_gtin(batch.product)
    run = LabelPrintRun.objects.create(
        batch=batch,
        count=count,
        layout=layout,
        requested_by=by,
        submission_token=submission_token,
    )
    serials = _fresh_serials(count)
    Label.objects.bulk_create(
        [
            Label(serial=serial, batch=batch, print_run=run, position=n)
            for n, serial in enumerate(serials)
        ],
        batch_size=1000,
    )
    if build:
        from .tasks import build_print_run

        transaction.on_commit(lambda: build_print_run.delay(run.pk))
    return run


# Serials read per query while a run is drawn.
LABEL_CHUNK = 1000
# A building run whose heartbeat (moved after every page, a fraction of a second apart) has
# stood still this long was left behind by a worker that died; a queued run this old by
# a lost message.
STALE_BUILDING_AFTER = timedelta(minutes=3)
STALE_QUEUED_AFTER = timedelta(minutes=2)


def _label_contents(run):
    """The run's labels in print order, read LABEL_CHUNK at a time by separate short
    queries: no cursor stays open while pages are drawn, so on SQLite the worker holds no
    read snapshot that would make its progress writes fail with "database is locked"."""
    batch = run.batch
    gtin, lot, name = batch.gtin, batch.lot, batch.product.name
    after = -1
    while True:
        chunk = list(
            run.labels.filter(position__gt=after)
            .order_by("position")
            .values_list("position", "serial")[:LABEL_CHUNK]
        )
        for _position, serial in chunk:
            yield LabelContent(url=label_url(gtin, lot, serial), product_name=name, lot=lot)
        if len(chunk) < LABEL_CHUNK:
            return
        after = chunk[-1][0]


def _mark_failed(run_id, error):
    """Record why the run failed. When even that cannot be written (the database is
    unavailable), the run stays "building" with a stopped heartbeat, and the sweep sends it
    again within STALE_BUILDING_AFTER."""
    try:
        with transaction.atomic():
            run = LabelPrintRun.objects.select_for_update().get(pk=run_id)
            if run.status == LabelPrintRun.Status.DONE:
                return  # another delivery of the same run finished it
            run.transition(LabelPrintRun.Status.FAILED)
            run.error = str(error)[:1000]
            run.save(update_fields=["status", "error", "finished_at"])
    except DatabaseError:
        logger.exception("label print run %s: could not record the failure", run_id)


def build_print_run(run_id, progress=None):
    """Draw the run's PDF into media storage. Safe to call again: a finished run is left
    alone, an interrupted one is drawn again from the start. ``progress(done, total)`` is
    called after each page, besides the run's own progress counter and heartbeat.

    Each database write is its own short transaction and no read stays open across pages,
    so on SQLite several runs can be drawn while others write (a commune printing at once)."""
    with transaction.atomic():
        run = LabelPrintRun.objects.select_for_update().get(pk=run_id)
        if run.status == LabelPrintRun.Status.DONE:
            return run
        run.transition(LabelPrintRun.Status.BUILDING)
        run.progress = 0
        run.error = ""
        run.save(update_fields=["status", "progress", "error", "started_at", "heartbeat_at"])
    run = LabelPrintRun.objects.select_related("batch__product").get(pk=run_id)

    def on_page(done, total):
        LabelPrintRun.objects.filter(pk=run_id).update(progress=done, heartbeat_at=timezone.now())
        if progress:
            progress(done, total)

    try:
        with tempfile.TemporaryFile() as scratch:
            render_labels(
                _label_contents(run),
                run.layout,
                scratch,
                total=run.count,
                progress=on_page,
                title=f"{run.batch.product.name} · {run.batch.lot}",
            )
            scratch.seek(0)
            # An unguessable name: the file holds genuine serials and a bucket may be public.
            # Stored before the row is locked, so no writer waits on the upload.
            name = run.pdf.storage.save(
                run.pdf.field.generate_filename(run, f"{uuid.uuid4().hex}.pdf"), File(scratch)
            )
        with transaction.atomic():
            run = LabelPrintRun.objects.select_for_update().get(pk=run_id)
            if run.status == LabelPrintRun.Status.DONE:  # another delivery finished first
                LabelPrintRun.pdf.field.storage.delete(name)
                return run
            run.pdf.name = name
            run.progress = run.count
            run.transition(LabelPrintRun.Status.DONE)
            run.save(update_fields=["pdf", "progress", "status", "finished_at"])
    except Exception as error:
        logger.exception("label print run %s failed", run_id)
        _mark_failed(run_id, error)
        raise
    return run


def stale_print_runs(now=None):
    """Runs a worker should be building but is not: queued for over STALE_QUEUED_AFTER (the
    message was lost), or building with a heartbeat older than STALE_BUILDING_AFTER (the
    worker died, or could not even record its failure)."""
    now = now or timezone.now()
    queued = LabelPrintRun.objects.annotate(
        last_sign=Coalesce("heartbeat_at", "created_at")
    ).filter(status=LabelPrintRun.Status.QUEUED, last_sign__lt=now - STALE_QUEUED_AFTER)
    stuck = LabelPrintRun.objects.annotate(last_sign=Coalesce("heartbeat_at", "started_at")).filter(
        status=LabelPrintRun.Status.BUILDING, last_sign__lt=now - STALE_BUILDING_AFTER
    )
    return list(queued.values_list("pk", flat=True)) + list(stuck.values_list("pk", flat=True))


def take_stale_print_runs(now=None):
    """The stale runs, each marked as just sent again (its heartbeat moved), so the next
    sweep leaves it alone while its new message waits behind a busy worker."""
    now = now or timezone.now()
    stale = stale_print_runs(now)
    LabelPrintRun.objects.filter(pk__in=stale).update(heartbeat_at=now)
    return stale


# --- voiding --------------------------------------------------------------------------------


def _void_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why.")})
    return reason[:200]


@transaction.atomic
def void_label(label, reason, by=None):
    """Void one label: its page warns every later buyer that it is not valid. The reason is
    required; who, when and why are kept in the label's voiding history. A label already
    voided is left as it is."""
    reason = _void_reason(reason)
    label = Label.objects.select_for_update().get(pk=label.pk)
    if label.voided_at is None:
        label.voided_at = timezone.now()
        label.void_reason = reason
        label.save(update_fields=["voided_at", "void_reason"])
        LabelVoiding.objects.create(
            label=label, action=LabelVoiding.Action.VOID, reason=reason, by=by, at=label.voided_at
        )
    return label


@transaction.atomic
def unvoid_label(label, reason, by):
    """Lift the voiding of a label found genuine (a moderator only, with a reason kept in the
    label's voiding history). Refused while the label's whole print run stays voided, since
    its page would still warn."""
    if not is_moderator(by):
        raise PermissionDenied
    reason = _void_reason(reason)
    label = (
        Label.objects.select_for_update(of=("self",)).select_related("print_run").get(pk=label.pk)
    )
    if label.print_run is not None and label.print_run.voided_at is not None:
        raise ValidationError(
            _("The whole print run of this label is voided: the label cannot be restored alone.")
        )
    if label.voided_at is None:
        raise ValidationError(_("This label is not voided."))
    label.voided_at = None
    label.void_reason = ""
    label.save(update_fields=["voided_at", "void_reason"])
    LabelVoiding.objects.create(
        label=label, action=LabelVoiding.Action.UNVOID, reason=reason, by=by
    )
    return label


@transaction.atomic
def void_run(run, reason, by=None):
    """Void a whole print run (lost or stolen sheets); returns how many labels were voided.
    Each newly voided label gets an entry in its voiding history."""
    reason = _void_reason(reason)
    run = LabelPrintRun.objects.select_for_update().get(pk=run.pk)
    now = timezone.now()
    if run.voided_at is None:
        run.voided_at = now
        run.void_reason = reason
        run.save(update_fields=["voided_at", "void_reason"])
    pending = run.labels.filter(voided_at__isnull=True)
    ids = list(pending.values_list("pk", flat=True))
    LabelVoiding.objects.bulk_create(
        [
            LabelVoiding(label_id=pk, action=LabelVoiding.Action.VOID, reason=reason, by=by, at=now)
            for pk in ids
        ],
        batch_size=1000,
    )
    return pending.update(voided_at=now, void_reason=reason)
