"""Operations on batches and trace events, who may record them, and the one-time form tokens.
Views, tasks, the command and the admin call these; each runs in one transaction, so a failure
saves nothing partial. GTINs are in ``gtins``, labels in ``printing``, scans in ``scans``."""

from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from config.storage import atomic_removing_files_on_failure
from growing_areas.models import GrowingArea
from marketplace import services as marketplace_services
from marketplace.models import Product
from marketplace.photos import (
    clean_document,
    clean_photo,
    store_document,
    store_photo,
)

from . import epcis, gs1
from .gtins import ensure_gtin
from .models import Batch, TraceAttachment, TraceEvent

MAX_PHOTOS_PER_EVENT = 5
MAX_DOCUMENTS_PER_EVENT = 5
MAX_UPLOAD_BYTES_PER_EVENT = 30 * 1024 * 1024  # photos and documents of one step together
MAX_DOCUMENTS_PER_BATCH = 40  # corrections append steps, so a batch is limited as a whole too


# --- who may record -------------------------------------------------------------------------
# Farmers keep records before review, so batches and steps need only a producer who is not
# suspended; the provenance page warns while the product or producer is unreviewed (labels,
# which vouch for a package, are ruled in ``printing.printing_refusal``).


def recording_refusal(producer):
    """Why nothing may be recorded for ``producer`` now, in a sentence; "" when it may."""
    if producer.is_suspended:
        return _(
            "%(name)s is suspended by the platform: no batch or step can be recorded until the "
            "moderators lift the suspension."
        ) % {"name": producer.name}
    return ""


def refuse(message, code):
    """Raise a refusal such as ``recording_refusal``'s as a ValidationError; "" passes."""
    if message:
        raise ValidationError(message, code=code)


def earlier_submission(model, submission_token, **belongs_to):
    """The row a form with this one-time token already created, or None. A token that comes
    back for another batch or product is refused rather than answered with a foreign row."""
    if not submission_token:
        return None
    earlier = model.objects.filter(submission_token=submission_token).first()
    if earlier is not None and any(getattr(earlier, k) != v for k, v in belongs_to.items()):
        raise marketplace_services.form_already_used()
    return earlier


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
    refuse(recording_refusal(locked.producer), "producer_suspended")
    earlier = earlier_submission(Batch, submission_token, product_id=product.pk)
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


@transaction.atomic
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
    refuse(recording_refusal(locked.product.producer), "producer_suspended")
    earlier = earlier_submission(TraceEvent, submission_token, batch_id=batch.pk)
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
                    absolute(a.document_path) for a in event.attachments.all() if a.document
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
