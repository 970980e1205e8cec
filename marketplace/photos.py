"""The one pipeline for files people upload. Photos (products, producers, trace steps) are
decoded, checked, turned upright, resized and re-encoded without EXIF or GPS before they are
stored in the Wagtail image library; documents (trace-step documents, OCOP certificates, kept
in the private storage) are PDFs checked by their content or pictures re-encoded like photos.
Everything is stored under a random name whose extension is the file's real type, never
under the name the uploader gave it."""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError
from wagtail.images import get_image_model

from config.storage import save_or_refuse

# GIF is decoded too (its first frame) so a phone's odd picture is re-encoded, never kept.
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 10 MB photo from a phone camera is well under this
STORED_LONG_SIDE = 1600
DOCUMENT_LONG_SIDE = 2400  # a photographed certificate must stay readable
# Every rendition the pages show of an uploaded photo, made by a task when the photo is stored
# (never in a page request). A template's {% image %} must use one of these: a test reads
# the templates and fails on any other spec.
CARD_RENDITION = "fill-320x240"  # catalogue card
DETAIL_RENDITION = "max-800x800"  # product page
THUMB_RENDITION = "fill-160x120"  # thumbnails in the forms and admin
TRACE_RENDITION = "max-480x360"  # label page: cover and the batch's step photos
PRODUCER_RENDITIONS = ("fill-120x120", "fill-160x160", "fill-480x320")  # producer's portrait
RENDITIONS = (CARD_RENDITION, DETAIL_RENDITION, THUMB_RENDITION, TRACE_RENDITION)
RENDITIONS += PRODUCER_RENDITIONS


def _limit(name, default):
    return getattr(settings, name, default)


@dataclass(frozen=True)
class CleanPhoto:
    """A photo re-encoded from its pixels only, ready to store."""

    content: bytes
    extension: str
    width: int
    height: int


def prepare_photo(upload, title):
    """Return a saved Wagtail image made from ``upload``, or raise ValidationError with a
    message for the person (see clean_photo)."""
    return store_photo(clean_photo(upload), title)


@dataclass(frozen=True)
class CleanDocument:
    """A document checked by its content (PDF) or re-encoded (picture), ready to store."""

    content: bytes
    extension: str


def random_name(extension):
    """A file name that says nothing about the uploader's and ends with the real type."""
    return f"{get_random_string(12).lower()}.{extension}"


def clean_photo(upload, long_side=STORED_LONG_SIDE):
    """Check ``upload`` and re-encode it, or raise ValidationError with a message for the
    person. Nothing is stored yet. The result is a new encoding of the pixels only: no EXIF,
    no GPS position, at most ``long_side`` pixels on its long side."""
    max_bytes = _limit("MARKETPLACE_PHOTO_MAX_BYTES", MAX_UPLOAD_BYTES)
    if upload.size > max_bytes:
        raise ValidationError(
            _("This photo is too big (%(size)s MB). Send a photo of at most %(max)s MB.")
            % {"size": f"{upload.size / 1024 / 1024:.1f}", "max": max_bytes // (1024 * 1024)},
            code="too_big",
        )
    not_an_image = ValidationError(
        _("This file is not a photo. Send a JPEG, PNG or WebP picture."), code="not_image"
    )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            source = PILImage.open(upload)
            if source.format not in ACCEPTED_FORMATS:
                raise not_an_image
            width, height = source.size
            if width * height > _limit("MARKETPLACE_PHOTO_MAX_PIXELS", MAX_PIXELS):
                raise ValidationError(
                    _("This picture has too many pixels to be a photo. Send another photo."),
                    code="bomb",
                )
            source.load()
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
        raise ValidationError(
            _("This picture has too many pixels to be a photo. Send another photo."),
            code="bomb",
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise not_an_image from exc

    # Turn the pixels the way the camera meant, then re-encode without any metadata.
    picture = ImageOps.exif_transpose(source)
    has_alpha = picture.mode in ("RGBA", "LA") or "transparency" in picture.info
    picture = picture.convert("RGBA" if has_alpha else "RGB")
    picture.thumbnail((long_side, long_side))
    buffer = io.BytesIO()
    if has_alpha:
        picture.save(buffer, format="PNG", optimize=True)
        extension = "png"
    else:
        picture.save(buffer, format="JPEG", quality=85, optimize=True)
        extension = "jpg"
    return CleanPhoto(buffer.getvalue(), extension, *picture.size)


def clean_document(upload):
    """Check a document (certificate, lab report) by its content, or raise ValidationError
    with a message for the person. A PDF must parse as a PDF with at least one page and is
    kept as it is; a JPEG, PNG or WebP picture is re-encoded like a photo (upright, no EXIF
    or GPS). Nothing is stored yet."""
    max_bytes = MAX_UPLOAD_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            _("This document is too big (%(size)s MB). Send a file of at most %(max)s MB.")
            % {"size": f"{upload.size / 1024 / 1024:.1f}", "max": max_bytes // (1024 * 1024)},
            code="too_big",
        )
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return CleanDocument(_checked_pdf(upload.read()), "pdf")
    try:
        photo = clean_photo(upload, long_side=DOCUMENT_LONG_SIDE)
    except ValidationError as exc:
        if exc.code != "not_image":
            raise
        raise ValidationError(
            _("This file is not a document we accept. Send a PDF, JPEG or PNG file."),
            code="not_document",
        ) from exc
    return CleanDocument(photo.content, photo.extension)


def _checked_pdf(content):
    """``content`` when it opens as a PDF with at least one page, else ValidationError."""
    not_a_pdf = ValidationError(
        _("This file is not a PDF we can open. Send the document as a PDF, JPEG or PNG file."),
        code="not_pdf",
    )
    from pypdf import PdfReader  # some 20 MB: loaded by the process that checks a PDF, only

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted and not reader.decrypt(""):
            raise not_a_pdf
        if len(reader.pages) == 0:
            raise not_a_pdf
    except ValidationError:
        raise
    except Exception as exc:  # a parser of hostile input fails in many ways: all mean "not a PDF"
        raise not_a_pdf from exc
    return content


def store_document(document, field_file):
    """Save a cleaned document into ``field_file`` (a model's FileField, not yet saved) under
    a random name; returns the FieldFile, for atomic_removing_files_on_failure. A storage
    that cannot be written to is a ValidationError (config.storage.save_or_refuse)."""
    save_or_refuse(
        lambda: field_file.save(
            random_name(document.extension), ContentFile(document.content), save=False
        )
    )
    return field_file


def store_photo(photo, title, uploaded_by=None):
    """Save a cleaned photo in the Wagtail image library under a random name."""
    name = random_name(photo.extension)
    image = get_image_model()(
        title=str(title)[:255], file_size=len(photo.content), uploaded_by_user=uploaded_by
    )
    save_or_refuse(lambda: image.file.save(name, ContentFile(photo.content), save=False))
    # Assigning the file resets the dimension fields; we know them without reopening it.
    image.width, image.height = photo.width, photo.height
    image.save()
    # the renditions are made by a worker once the photo is committed, before any page asks
    transaction.on_commit(lambda: _queue_renditions([image.pk]))
    return image


def _queue_renditions(image_ids):
    from .tasks import make_renditions

    make_renditions.delay(image_ids)


def make_renditions(image_ids):
    """Make the pages' renditions (RENDITIONS) ahead of the first visitor; existing ones are
    kept. Run by the task store_photo queues, never by a page."""
    for image in get_image_model().objects.filter(pk__in=image_ids):
        image.get_renditions(*RENDITIONS)
