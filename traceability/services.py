"""Operations on batches, trace events, labels and scans. Views, tasks, the command and the
admin call these; each runs in one transaction, so a failure saves nothing partial."""

import hashlib
import hmac
import ipaddress
import logging
import re
import tempfile
import uuid
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from growing_areas.models import GrowingArea
from marketplace import services as marketplace_services
from marketplace.models import Product
from marketplace.photos import (
    atomic_removing_files_on_failure,
    clean_document,
    clean_photo,
    store_document,
    store_photo,
)
from marketplace.validators import gtin_forms

from . import epcis, gs1
from .digital_link import label_url
from .labels import LAYOUTS, LabelContent, render_labels
from .models import (
    MAX_LABELS_PER_RUN,
    AllocatedGtin,
    Batch,
    Label,
    LabelPrintRun,
    LabelVoiding,
    Scan,
    TraceAttachment,
    TraceEvent,
)
from .site_address import check_label_site_address

logger = logging.getLogger(__name__)

MAX_PHOTOS_PER_EVENT = 5
MAX_DOCUMENTS_PER_EVENT = 5
MAX_UPLOAD_BYTES_PER_EVENT = 30 * 1024 * 1024  # photos and documents of one step together
MAX_DOCUMENTS_PER_BATCH = 40  # corrections append steps, so a batch is limited as a whole too


# --- who may act ----------------------------------------------------------------------------

# One rule for the whole site: a farmer acts for their own producer, a community helper for
# the producers of the communes they serve, a moderator for everyone.
is_moderator = marketplace_services.is_moderator
producers_for = marketplace_services.producers_for
can_act_for = marketplace_services.can_act_for


def check_can_act_for(user, producer):
    if not can_act_for(user, producer):
        raise PermissionDenied


# --- who may vouch --------------------------------------------------------------------------
# A label tells a buyer the platform stands behind the package, so labels are printed only for
# a listing the moderators approved (their last word on it is approval) of a verified
# producer. Farmers keep records before review, so batches and steps need only a producer who
# is not suspended; the provenance page warns while the product or producer is unreviewed.


def recording_refusal(producer):
    """Why nothing may be recorded for ``producer`` now, in a sentence; "" when it may."""
    if producer.is_suspended:
        return _(
            "%(name)s is suspended by the platform: no batch or step can be recorded until the "
            "moderators lift the suspension."
        ) % {"name": producer.name}
    return ""


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


def _refuse(message, code):
    if message:
        raise ValidationError(message, code=code)


def _earlier(model, submission_token, **belongs_to):
    """The row a form with this one-time token already created, or None. A token that comes
    back for another batch or product is refused rather than answered with a foreign row."""
    if not submission_token:
        return None
    earlier = model.objects.filter(submission_token=submission_token).first()
    if earlier is not None and any(getattr(earlier, k) != v for k, v in belongs_to.items()):
        raise marketplace_services.form_already_used()
    return earlier


# --- GTINs ----------------------------------------------------------------------------------


def ensure_gtin(product):
    """The product's GTIN-14: its own if valid, else one allocated under the company prefix.

    An allocated number is recorded in AllocatedGtin for good, so it is never reused.
    """
    try:
        return gs1.validate_gtin(product.gtin)
    except gs1.GS1Error:
        if product.gtin:
            raise ValidationError(
                _("The product's GTIN %(gtin)s is not valid: correct it first.")
                % {"gtin": product.gtin}
            ) from None
    for _attempt in range(5):
        try:
            with transaction.atomic():
                locked = Product.objects.select_for_update().get(pk=product.pk)
                if locked.gtin:
                    product.gtin = locked.gtin
                    return gs1.validate_gtin(locked.gtin)
                prefix = gs1.company_prefix()
                last = AllocatedGtin.objects.aggregate(n=Max("item_reference"))["n"]
                number = 1 if last is None else last + 1
                gtin = gs1.allocate_gtin(number, prefix)
                AllocatedGtin.objects.create(gtin=gtin, item_reference=number, product=locked)
                Product.objects.filter(pk=product.pk).update(gtin=gtin)
                product.gtin = gtin
                return gtin
        except IntegrityError:
            continue  # another process took the same number: take the next
    raise ValidationError(_("Could not allocate a GTIN; try again."))


def find_product(gtin14):
    """The product whose stored GTIN (8 to 14 digits) is ``gtin14``, or None."""
    return (
        Product.objects.select_related("producer", "producer__photo", "growing_area")
        .filter(gtin__in=gtin_forms(gtin14))
        .first()
    )


def latest_event_id(batch_ref="pk"):
    """A subquery: the id of the newest event of the batch ``batch_ref`` names. Events are
    append-only (a correction is a new event), so this id changes whenever the batch's
    timeline does."""
    newest = TraceEvent.objects.filter(batch=OuterRef(batch_ref)).order_by("-pk")
    return Subquery(newest.values("pk")[:1])


# --- batches and events ---------------------------------------------------------------------


def local_datetime(day, at=time(7, 0)):
    return timezone.make_aware(datetime.combine(day, at))


@transaction.atomic
def record_batch(
    *,
    product,
    growing_area,
    harvest_date,
    quantity,
    unit,
    lot="",
    packing_date=None,
    best_before=None,
    by=None,
    note="",
    submission_token=None,
):
    """Record a harvested lot and its harvest event. The growing area must be active now and
    one the product's batches may use (``GrowingArea.objects.eligible_for_batch``), and the
    producer not suspended. The new-batch form's one-time ``submission_token`` makes a repeated
    submit return the batch the first one recorded."""
    # One new batch of a product at a time: a twin submit waits here, then finds the first,
    # and two suggested lots never collide.
    locked = (
        Product.objects.select_for_update(of=("self",))
        .select_related("producer")
        .get(pk=product.pk)
    )
    _refuse(recording_refusal(locked.producer), "producer_suspended")
    earlier = _earlier(Batch, submission_token, product_id=product.pk)
    if earlier is not None:
        return earlier
    area = GrowingArea.objects.select_for_update().get(pk=growing_area.pk)
    if area.status != GrowingArea.Status.ACTIVE:
        raise ValidationError(
            {
                "growing_area": _(
                    "Growing area %(code)s is “%(status)s”: a batch can only come from an active "
                    "area."
                )
                % {"code": area.code, "status": area.get_status_display()}
            }
        )
    if area.is_expired:
        raise ValidationError(
            {
                "growing_area": _("The code of growing area %(code)s has expired.")
                % {"code": area.code}
            }
        )
    if not GrowingArea.objects.eligible_for_batch(product).filter(pk=area.pk).exists():
        raise ValidationError(
            {
                "growing_area": _(
                    "Growing area %(code)s is not in the commune of %(producer)s and is not the "
                    "area named on the listing: a batch comes from the producer's own areas."
                )
                % {"code": area.code, "producer": product.producer.name}
            }
        )
    ensure_gtin(product)
    if not lot:
        lot = gs1.suggest_lot(harvest_date, product.batches.values_list("lot", flat=True))
    batch = Batch(
        product=product,
        growing_area=area,
        lot=lot.strip(),
        harvest_date=harvest_date,
        quantity=quantity,
        unit=unit,
        packing_date=packing_date,
        best_before=best_before,
        created_by=by,
        submission_token=submission_token,
    )
    try:
        batch.full_clean()
    except ValidationError as error:
        if (
            "__all__" in getattr(error, "error_dict", {})
            and Batch.objects.filter(product=product, lot=batch.lot).exists()
        ):
            raise ValidationError(
                {"lot": _("This product already has a batch with lot code %(lot)s.") % {"lot": lot}}
            ) from None
        raise
    batch.save()
    TraceEvent.objects.create(
        batch=batch,
        kind=TraceEvent.Kind.HARVEST,
        occurred_at=local_datetime(harvest_date),
        place=area.location_text or area.name,
        latitude=area.latitude,
        longitude=area.longitude,
        note=note,
        recorded_by=by,
    )
    return batch


def _named(clean, upload):
    """``clean(upload)``, its ValidationError naming the file: a step has several."""
    try:
        return clean(upload)
    except ValidationError as exc:
        raise ValidationError(
            _("“%(name)s”: %(problem)s")
            % {"name": str(upload.name)[:80], "problem": " ".join(exc.messages)},
            code=exc.code,
        ) from None


def _check_photo(upload):
    """The step photo through the site's one photo pipeline (pixel limit, upright, resized,
    no EXIF or GPS), re-encoded and not yet stored."""
    return _named(clean_photo, upload)


def _check_document(upload):
    """The step document checked by its content (a real PDF, or a picture re-encoded)."""
    return _named(clean_document, upload)


def _check_upload_limits(batch, photo_uploads, document_uploads):
    if len(photo_uploads) > MAX_PHOTOS_PER_EVENT:
        raise ValidationError(_("At most 5 photos per step."))
    if len(document_uploads) > MAX_DOCUMENTS_PER_EVENT:
        raise ValidationError(
            _("At most %(max)d documents per step.") % {"max": MAX_DOCUMENTS_PER_EVENT}
        )
    total = sum(upload.size for upload in [*photo_uploads, *document_uploads])
    if total > MAX_UPLOAD_BYTES_PER_EVENT:
        raise ValidationError(
            _("The files of one step add up to %(size)s MB; send at most %(max)d MB in all.")
            % {
                "size": f"{total / 1024 / 1024:.1f}",
                "max": MAX_UPLOAD_BYTES_PER_EVENT // (1024 * 1024),
            }
        )
    if document_uploads:
        kept = TraceAttachment.objects.filter(event__batch=batch).exclude(document="").count()
        if kept + len(document_uploads) > MAX_DOCUMENTS_PER_BATCH:
            raise ValidationError(
                _("A batch keeps at most %(max)d documents; it has %(count)d already.")
                % {"max": MAX_DOCUMENTS_PER_BATCH, "count": kept}
            )


def record_event(
    batch,
    *,
    kind,
    occurred_at,
    by,
    place="",
    note="",
    latitude=None,
    longitude=None,
    certificate_number="",
    certificate_issuer="",
    corrects=None,
    photos=(),
    documents=(),
    submission_token=None,
):
    """Append a step to ``batch`` with its photos and documents. An inspection needs its
    certificate: a number or an uploaded document. Every file is checked before anything is
    stored, stored re-encoded under a random name, and removed again if the save fails.
    Refused while the producer is suspended; the step form's one-time ``submission_token``
    makes a repeated submit return the step the first one recorded."""
    # One new step of a batch at a time: a twin submit waits here, then finds the first.
    locked = (
        Batch.objects.select_for_update(of=("self",))
        .select_related("product__producer")
        .get(pk=batch.pk)
    )
    _refuse(recording_refusal(locked.product.producer), "producer_suspended")
    earlier = _earlier(TraceEvent, submission_token, batch_id=batch.pk)
    if earlier is not None:
        return earlier
    photo_uploads, document_uploads = list(photos), list(documents)
    _check_upload_limits(batch, photo_uploads, document_uploads)
    clean_photos = [_check_photo(upload) for upload in photo_uploads]
    clean_documents = [(_check_document(upload), upload.name) for upload in document_uploads]
    if kind == TraceEvent.Kind.INSPECTION and not (certificate_number or document_uploads):
        raise ValidationError(
            {
                "certificate_number": _(
                    "For an inspection give the certificate number or attach the certificate."
                )
            }
        )
    if corrects is not None and corrects.batch_id != batch.pk:
        raise ValidationError({"corrects": _("A correction must be for the same batch.")})
    with atomic_removing_files_on_failure() as stored:
        event = TraceEvent(
            batch=batch,
            kind=kind,
            occurred_at=occurred_at,
            place=place,
            note=note,
            latitude=latitude,
            longitude=longitude,
            certificate_number=certificate_number,
            certificate_issuer=certificate_issuer,
            corrects=corrects,
            recorded_by=by,
            submission_token=submission_token,
        )
        event.full_clean()
        event.save()
        uploader = by if by and by.is_authenticated else None
        for clean in clean_photos:
            image = store_photo(
                clean, f"{batch.lot} · {event.get_kind_display()}", uploaded_by=uploader
            )
            stored.append(image)
            TraceAttachment.objects.create(event=event, image=image, title=image.title)
        for clean, original_name in clean_documents:
            # The uploader's file name is kept only as the title people read.
            attachment = TraceAttachment(event=event, title=str(original_name)[:200])
            stored.append(attachment.document)  # before saving: a failed save removes it too
            store_document(clean, attachment.document)
            attachment.save()
    return event


def epcis_steps(batch, events, absolute):
    """The batch's events as epcis.TraceStep, ``absolute`` making media paths full URLs."""
    gtin = batch.gtin
    steps = []
    for event in events:
        steps.append(
            epcis.TraceStep(
                key=f"trace-event-{event.pk}",
                kind=event.kind,
                time=event.occurred_at,
                gtin=gtin,
                lot=batch.lot,
                quantity=batch.quantity if event.kind == TraceEvent.Kind.HARVEST else None,
                unit=batch.unit,
                place_name=event.place,
                latitude=event.latitude,
                longitude=event.longitude,
                note=event.note,
                certificate_urls=[
                    absolute(a.document.url) for a in event.attachments.all() if a.document
                ]
                if event.kind == TraceEvent.Kind.INSPECTION
                else [],
                harvest_date=batch.harvest_date,
                best_before=batch.best_before,
                recorded_at=event.recorded_at,
                corrects=f"trace-event-{event.corrects_id}" if event.corrects_id else None,
            )
        )
    return steps


# --- labels ---------------------------------------------------------------------------------


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
    _refuse(printing_refusal(locked.product), "not_vouched")
    earlier = _earlier(LabelPrintRun, submission_token, batch_id=batch.pk)
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


# --- scans ----------------------------------------------------------------------------------

_BROWSERS = [
    ("bot", re.compile(r"bot|crawl|spider|preview|externalhit|curl|wget|python", re.I)),
    ("Zalo", re.compile(r"Zalo", re.I)),
    ("Facebook", re.compile(r"FBAN|FBAV|FB_IAB", re.I)),
    ("Cốc Cốc", re.compile(r"coc_coc", re.I)),
    ("Samsung Internet", re.compile(r"SamsungBrowser", re.I)),
    ("Edge", re.compile(r"Edg(e|A|iOS)?/", re.I)),
    ("Opera", re.compile(r"OPR/|Opera", re.I)),
    ("Firefox", re.compile(r"Firefox|FxiOS", re.I)),
    ("Chrome", re.compile(r"Chrome|CriOS", re.I)),
    ("Safari", re.compile(r"Safari", re.I)),
]


def browser_family(user_agent):
    """A coarse browser name from the User-Agent; nothing finer is kept."""
    for name, pattern in _BROWSERS:
        if pattern.search(user_agent or ""):
            return name
    return "other"


def network_hash(ip):
    """A keyed hash of the address's network (/24 for IPv4, /48 for IPv6): counts distinct
    networks without keeping anyone's address. Keyed with SCAN_HASH_KEY, not SECRET_KEY, so a
    network keeps its hash when SECRET_KEY is rotated."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        prefix = "unknown"
    else:
        bits = 24 if address.version == 4 else 48
        prefix = str(ipaddress.ip_network(f"{address}/{bits}", strict=False))
    key = settings.SCAN_HASH_KEY.encode()
    return hmac.new(key, prefix.encode(), hashlib.sha256).hexdigest()[:32]


def label_flags(label):
    """Why a label looks copied, in plain words, from its stored counters (empty when it does
    not). Many scans flag it only when several networks made them: one network's volume (a
    shop showing the label, a script) is not a copy."""
    reasons = []
    if (
        label.scan_count > settings.TRACEABILITY_MAX_SCANS_PER_LABEL
        and label.network_count >= settings.TRACEABILITY_MIN_NETWORKS_TO_FLAG
    ):
        reasons.append("too_many_scans")
    if label.network_count > settings.TRACEABILITY_MAX_NETWORKS_PER_LABEL:
        reasons.append("too_many_networks")
    return reasons


# A second view of the same label URL from the same network within this window is not logged.
SCAN_REPEAT_WINDOW = timedelta(minutes=5)
# How far back the beat sweep looks for scans whose label was not recounted (a lost task).
SCAN_SWEEP_LOOKBACK = timedelta(hours=1)


def record_scan(*, gtin, lot, serial, label=None, batch=None, ip="", user_agent=""):
    """Log one view of a label URL, and for a known label queue the recount of its counters
    (``count_label_scans``) once the scan is committed. Returns the Scan, or None when the same
    network viewed the same label URL within SCAN_REPEAT_WINDOW: a reload, or a loop of
    requests, adds nothing.

    At most one SELECT and one INSERT: no shared row is updated inside the request. Link
    previews and crawlers (a label URL pasted in Zalo or Facebook is fetched by their robots)
    are logged but never counted, so sharing a label cannot make it look copied."""
    if label is not None:
        outcome = Scan.Outcome.VOIDED if label.is_voided else Scan.Outcome.GENUINE
    else:
        outcome = Scan.Outcome.UNKNOWN_SERIAL if batch else Scan.Outcome.UNKNOWN_LOT
    digest = network_hash(ip)
    family = browser_family(user_agent)
    counted = label is not None and family != "bot"
    now = timezone.now()
    lot, serial = lot[:20], serial[:20]
    recent = Scan.objects.filter(network_hash=digest, scanned_at__gte=now - SCAN_REPEAT_WINDOW)
    if label is not None:
        recent = recent.filter(label=label)
    else:
        recent = recent.filter(label=None, gtin=gtin, lot=lot, serial=serial)
    # a robot's preview must not hide the person who opens the label next on that network
    if family == "bot":
        recent = recent.filter(browser_family="bot")
    else:
        recent = recent.exclude(browser_family="bot")
    if recent.exists():
        return None
    scan = Scan.objects.create(
        scanned_at=now,
        label=label,
        gtin=gtin,
        lot=lot,
        serial=serial,
        outcome=outcome,
        network_hash=digest,
        browser_family=family,
    )
    if counted:
        from .tasks import count_label_scans

        transaction.on_commit(lambda: count_label_scans.delay(label.pk))
    return scan


def count_label_scans(label_id):
    """Recompute a label's counters from the scan log and, the first time they make it look
    copied, flag it and tell every moderator (once, under the label's row lock). Idempotent.

    A network adds at most TRACEABILITY_SCANS_PER_NETWORK_PER_DAY scans per day (Vietnam
    time) to ``scan_count``; robots' scans are not counted. Returns the label, or None."""
    with transaction.atomic():
        # by pk only: the default ordering joins the nullable print run, which PostgreSQL
        # refuses to lock
        label = Label.objects.select_for_update().filter(pk=label_id).order_by("pk").first()
        if label is None:
            return None
        per_network_day = (
            label.scans.exclude(browser_family="bot")
            .annotate(day=TruncDate("scanned_at", tzinfo=timezone.get_default_timezone()))
            .values("network_hash", "day")
            .annotate(scans=Count("pk"), first=Min("scanned_at"), last=Max("scanned_at"))
            .order_by()
        )
        cap = settings.TRACEABILITY_SCANS_PER_NETWORK_PER_DAY
        scans, networks, first, last = 0, set(), None, None
        for row in per_network_day:
            scans += min(row["scans"], cap)
            networks.add(row["network_hash"])
            first = min(first, row["first"]) if first else row["first"]
            last = max(last, row["last"]) if last else row["last"]
        changed = {
            "scan_count": scans,
            "network_count": len(networks),
            "first_scanned_at": first,
            "scans_counted_until": last,
        }
        for field, value in changed.items():
            setattr(label, field, value)
        reasons = label_flags(label)
        newly_flagged = bool(reasons) and label.flagged_at is None
        if newly_flagged:
            label.flagged_at = timezone.now()
            label.flag_reason = ", ".join(reasons)
            changed.update(flagged_at=label.flagged_at, flag_reason=label.flag_reason)
        # only these columns: a voiding made meanwhile must not be overwritten
        Label.objects.filter(pk=label.pk).update(**changed)
        if newly_flagged:
            _tell_moderators(label)
    return label


def labels_with_uncounted_scans():
    """Labels scanned within SCAN_SWEEP_LOOKBACK whose counters miss a newer scan (their
    recount task was lost): what the beat sweep sends to ``count_label_scans`` again."""
    since = timezone.now() - SCAN_SWEEP_LOOKBACK
    counted = ~Q(scans__browser_family="bot")
    recent = Scan.objects.filter(scanned_at__gte=since, label__isnull=False).exclude(
        browser_family="bot"
    )
    return list(
        Label.objects.filter(pk__in=recent.values("label_id"))
        .annotate(newest=Max("scans__scanned_at", filter=counted))
        .filter(Q(scans_counted_until__isnull=True) | Q(scans_counted_until__lt=F("newest")))
        .values_list("pk", flat=True)
    )


def _tell_moderators(label):
    from accounts.notifications import notify_role

    notify_role(
        Role.MODERATOR,
        _("Label %(serial)s may be copied") % {"serial": label.serial},
        _(
            "Label %(serial)s (lot %(lot)s) has been scanned %(scans)d times from %(networks)d "
            "networks. See the flagged labels in the admin."
        )
        % {
            "serial": label.serial,
            "lot": label.batch.lot,
            "scans": label.scan_count,
            "networks": label.network_count,
        },
    )
