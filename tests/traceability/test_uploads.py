"""Step photos and documents go through the site's one upload pipeline: decoded and re-encoded,
checked by content, limited, stored under a random name with their real type, and removed when
the step is not saved."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.utils import timezone, translation
from PIL import Image
from wagtail.images import get_image_model
from wagtail.images.models import Filter

from config.storage import PrivateFileSystemStorage
from tests.config.test_private_files import bucket_down
from traceability import services
from traceability.digital_link import build_path
from traceability.models import TraceAttachment

from .conftest import pdf_bytes, pdf_upload, photo_upload

RANDOM_NAME = re.compile(r"^[a-z0-9]{12}\.(jpg|png)$")
GPS_IFD = 0x8825


def picture_bytes(format, size=(64, 48), mode="RGB", **save):
    buffer = io.BytesIO()
    Image.new(mode, size, 120).save(buffer, format=format, **save)
    return buffer.getvalue()


def stored_files(media_root):
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


def step(batch, by, **uploads):
    return services.record_event(batch, kind="drying", occurred_at=timezone.now(), by=by, **uploads)


@pytest.fixture
def farmer(client, producer_user):
    client.force_login(producer_user)
    return client


def post_step(farmer, batch, **files):
    return farmer.post(
        f"/ban-hang/lo-hang/{batch.pk}/buoc-moi/",
        {"kind": "drying", "occurred_at": "2026-03-16T09:00", **files},
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "x.html",
            picture_bytes("PNG") + b"<html><script>fetch('/admin/')</script></html>",
        ),
        ("x.js", picture_bytes("GIF", mode="P") + b"*/=1;fetch('/admin/');/*"),
    ],
)
def test_a_polyglot_step_photo_is_stored_re_encoded_under_a_random_name(
    farmer, batch, media_root, name, content
):
    response = post_step(farmer, batch, photos=[SimpleUploadedFile(name, content, "text/html")])
    assert response.status_code == 302
    image = batch.events.get(kind="drying").attachments.get().image
    stored_name = image.file.name.rsplit("/", 1)[-1]
    assert RANDOM_NAME.match(stored_name), stored_name
    with image.file.open("rb") as stored:
        data = stored.read()
    assert b"fetch" not in data and b"<html" not in data
    assert Image.open(io.BytesIO(data)).format in {"JPEG", "PNG"}


def test_an_image_bomb_step_photo_is_refused_in_vietnamese(farmer, batch, media_root):
    bomb = picture_bytes("PNG", size=(13_000, 13_000), mode="1", optimize=True)
    assert len(bomb) < 100 * 1024
    response = post_step(farmer, batch, photos=[SimpleUploadedFile("bom.png", bomb, "image/png")])
    assert response.status_code == 400
    assert "Ảnh này có quá nhiều điểm ảnh" in response.content.decode()
    assert batch.events.count() == 1
    assert stored_files(media_root) == []


def test_a_step_photo_loses_its_gps_position_and_its_name(batch, producer_user):
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"
    exif[GPS_IFD] = {1: "N", 2: (21.0, 38.0, 7.0), 3: "E", 4: (104.0, 39.0, 33.0)}
    with_gps = picture_bytes("JPEG", size=(2400, 1800), exif=exif)
    assert Image.open(io.BytesIO(with_gps)).getexif().get_ifd(GPS_IFD)

    event = step(
        batch,
        producer_user,
        photos=[SimpleUploadedFile("nha-ong-a-21.63N.jpg", with_gps, "image/jpeg")],
    )
    image = event.attachments.get().image
    assert RANDOM_NAME.match(image.file.name.rsplit("/", 1)[-1])
    assert image.uploaded_by_user == producer_user
    assert max(image.width, image.height) == 1600  # resized like product photos
    with image.file.open("rb") as stored:
        original = stored.read()
    # the public rendition the provenance page shows, made afresh (not from the cache)
    rendition = io.BytesIO()
    Filter("max-480x360").run(image, rendition)
    for data in (original, rendition.getvalue()):
        picture = Image.open(io.BytesIO(data))
        assert not picture.getexif().get_ifd(GPS_IFD)
        assert len(picture.getexif()) == 0


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n<html><script>alert(1)</script></html>",
        b"<html><script>alert(1)</script></html>",
        b"%PDF-1.7\n" + b"\0" * 2000,
    ],
)
def test_a_document_that_is_not_a_real_pdf_or_picture_is_refused(
    batch, producer_user, media_root, content
):
    with pytest.raises(ValidationError) as caught, translation.override("vi"):
        services.record_event(
            batch,
            kind="inspection",
            occurred_at=timezone.now(),
            by=producer_user,
            documents=[SimpleUploadedFile("ket-qua.pdf", content, "application/pdf")],
        )
    assert "ket-qua.pdf" in caught.value.messages[0]
    assert "PDF" in caught.value.messages[0]
    assert batch.events.count() == 1
    assert stored_files(media_root) == []


def test_documents_are_stored_under_a_random_name_with_their_real_type(batch, producer_user):
    scan = SimpleUploadedFile("giay-chung-nhan.pdf", picture_bytes("JPEG"), "application/pdf")
    report = SimpleUploadedFile("ket-qua.html", pdf_bytes(), "text/html")
    event = services.record_event(
        batch,
        kind="inspection",
        occurred_at=timezone.now(),
        by=producer_user,
        documents=[scan, report],
    )
    first, second = event.attachments.all()
    assert re.match(r"^[a-z0-9]{12}\.jpg$", first.document.name.rsplit("/", 1)[-1])
    assert re.match(r"^[a-z0-9]{12}\.pdf$", second.document.name.rsplit("/", 1)[-1])
    # the uploader's names are kept only as titles
    assert [first.title, second.title] == ["giay-chung-nhan.pdf", "ket-qua.html"]
    with second.document.open("rb") as stored:
        assert stored.read() == pdf_bytes()


def test_a_step_takes_at_most_five_documents(batch, producer_user, media_root):
    with pytest.raises(ValidationError) as caught:
        step(batch, producer_user, documents=[pdf_upload() for _ in range(6)])
    assert "5" in caught.value.messages[0]
    assert batch.events.count() == 1 and stored_files(media_root) == []
    assert step(batch, producer_user, documents=[pdf_upload() for _ in range(5)])


def test_the_files_of_one_step_are_limited_in_total(batch, producer_user, media_root):
    nine_mb = b"%PDF-1.4\n" + b"\0" * (9 * 1024 * 1024)
    documents = [SimpleUploadedFile(f"{n}.pdf", nine_mb, "application/pdf") for n in range(4)]
    with pytest.raises(ValidationError) as caught, translation.override("vi"):
        step(batch, producer_user, documents=documents)
    assert "30 MB" in caught.value.messages[0]
    assert batch.events.count() == 1 and stored_files(media_root) == []


def test_a_batch_keeps_a_limited_number_of_documents(batch, producer_user, monkeypatch):
    monkeypatch.setattr(services, "MAX_DOCUMENTS_PER_BATCH", 3)
    step(batch, producer_user, documents=[pdf_upload(), pdf_upload()])
    with pytest.raises(ValidationError):
        step(batch, producer_user, documents=[pdf_upload(), pdf_upload()])
    step(batch, producer_user, documents=[pdf_upload()])
    assert TraceAttachment.objects.exclude(document="").count() == 3


def test_a_failed_step_save_leaves_no_file_behind(batch, producer_user, media_root, monkeypatch):
    real_save = TraceAttachment.save

    def fail_on_the_document(attachment, *args, **kwargs):
        if attachment.document:
            raise DatabaseError("disk full")
        return real_save(attachment, *args, **kwargs)

    monkeypatch.setattr(TraceAttachment, "save", fail_on_the_document)
    before = get_image_model().objects.count()
    with pytest.raises(DatabaseError):
        step(
            batch, producer_user, photos=[photo_upload(), photo_upload()], documents=[pdf_upload()]
        )
    # the two photos and the document had been written; none is left
    assert stored_files(media_root) == []
    assert batch.events.count() == 1
    assert get_image_model().objects.count() == before


@pytest.mark.parametrize("mode", ["disk", "s3", "bucket gone"])
def test_a_document_the_storage_cannot_take_saves_no_step_and_says_so(
    farmer, batch, settings, monkeypatch, request, mode
):
    """The disk is full, the bucket does not answer, or the live S3 server refuses the write
    (its private bucket is gone): the step is not recorded (no event without its document),
    nothing is left half-written, and the farmer reads why."""
    s3 = None
    if mode == "s3":
        settings.STORAGES = bucket_down()
    elif mode == "bucket gone":
        s3 = request.getfixturevalue("live_s3")
        s3.client.delete_bucket(Bucket=s3.private_bucket)
    else:

        def disk_full(storage, name, content):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(PrivateFileSystemStorage, "_save", disk_full)
    with translation.override("vi"):
        response = post_step(farmer, batch, documents=[pdf_upload()])
    assert response.status_code in (200, 400)
    assert "Chưa lưu được tệp lúc này nên chưa có gì được ghi lại" in response.content.decode()
    assert batch.events.count() == 1  # the harvest step only
    assert not TraceAttachment.objects.exists()
    assert stored_files(settings.PRIVATE_ROOT) == []
    if s3:
        assert s3.keys(s3.public_bucket) == []


def test_step_photos_the_public_storage_cannot_take_save_no_step_and_say_so(
    farmer, batch, media_root, monkeypatch
):
    """The disk fills up after the first of two photos: no step, no image, no file is left,
    and the farmer reads why."""
    from django.core.files.storage import FileSystemStorage

    real_save = FileSystemStorage._save
    writes = []

    def full_after_one(storage, name, content):
        if writes:
            raise OSError(28, "No space left on device")
        writes.append(name)
        return real_save(storage, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", full_after_one)
    images_before = get_image_model().objects.count()
    with translation.override("vi"):
        response = post_step(farmer, batch, photos=[photo_upload(), photo_upload()])
    assert response.status_code in (200, 400)
    assert "Chưa lưu được tệp lúc này nên chưa có gì được ghi lại" in response.content.decode()
    assert writes  # the first photo had been written
    assert batch.events.count() == 1  # the harvest step only
    assert get_image_model().objects.count() == images_before
    assert stored_files(media_root) == []


def test_a_step_document_is_kept_in_the_private_storage(batch, producer_user, settings):
    step(batch, producer_user, documents=[pdf_upload()])
    attachment = TraceAttachment.objects.get()
    assert (settings.PRIVATE_ROOT / attachment.document.name).is_file()
    assert not (settings.MEDIA_ROOT / attachment.document.name).exists()


def test_the_farmer_opens_a_step_document_and_the_public_page_only_names_it(
    farmer, batch, producer_user
):
    """A lab report is the producer's file: their batch page links it (through the checked
    view), the public provenance page shows that it exists without handing it out."""
    step(batch, producer_user, documents=[pdf_upload("ket-qua-kiem-nghiem.pdf")])
    attachment = TraceAttachment.objects.get()
    page = farmer.get(f"/ban-hang/lo-hang/{batch.pk}/").content.decode()
    assert f'href="{attachment.document_path}"' in page
    response = farmer.get(attachment.document_path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # a wrong name in the address is not a way around anything
    wrong = attachment.document_path.rsplit("/", 1)[0] + "/khac.pdf"
    assert farmer.get(wrong).status_code == 404

    farmer.logout()
    public = farmer.get(build_path(batch.gtin, lot=batch.lot)).content.decode()
    assert "ket-qua-kiem-nghiem.pdf" in public
    assert attachment.document_path not in public
    assert attachment.document.name not in public
