"""The daily clean-up removes, in both storages, the files nobody may need any more (a voided
print run's PDF, a finished import's upload after IMPORT_UPLOAD_KEEP_DAYS, a replaced or
abandoned photo, files no field names), and never a file a record still names."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images import get_image_model

from config.celery import clean_up_files as clean_up_task
from config.file_cleanup import clean_up_files
from growing_areas.models import ImportJob
from marketplace.models import ProductPhoto
from traceability import printing

pytestmark = pytest.mark.django_db

LATER = datetime.timedelta(days=2)  # every file written by the test is past the grace period


def png():
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), (10, 140, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


def photo(by, name):
    image = get_image_model()(title=name, uploaded_by_user=by)
    image.file.save(f"{name}.png", ImageFile(io.BytesIO(png()), name=f"{name}.png"))
    image.rendition = image.get_rendition("max-20x20")
    return image


def exists(alias, name):
    assert name  # an empty name would be the storage's root
    return storages[alias].exists(name)


def refreshed(row):
    row.refresh_from_db()
    return row


@pytest.fixture(params=["disk", "s3"])
def storage_mode(request):
    # Wagtail caches renditions by image and filter: one cached by the other mode's run would
    # name a file this storage does not have
    cache.clear()
    if request.param == "s3":
        request.getfixturevalue("live_s3")
    return request.param


@pytest.fixture
def files(storage_mode, batch, tea, producer_user, make_user):
    """Kept and doomed files of every kind, all written through the real storages."""
    kept_run = printing.issue_labels(batch, 2, "a4-50x50", by=producer_user, build=False)
    printing.build_print_run(kept_run.pk)
    voided_run = printing.issue_labels(batch, 2, "a4-50x50", by=producer_user, build=False)
    printing.build_print_run(voided_run.pk)
    with transaction.atomic():
        printing.void_run(voided_run, "Mất tờ tem", by=producer_user)

    def import_job(days_old, state=ImportJob.State.SUCCEEDED):
        job = ImportJob(original_name="vung.csv", state=state)
        job.file.save("vung.csv", ContentFile(b"code,name\nA-1,Vung A\n"))
        created = timezone.now() - datetime.timedelta(days=days_old)
        ImportJob.objects.filter(pk=job.pk).update(created_at=created)
        return job

    used = photo(producer_user, "dang-dung")
    ProductPhoto.objects.create(product=tea, image=used)
    abandoned = photo(producer_user, "nhap-da-xoa")  # its draft was deleted: nothing names it
    producer = tea.producer
    producer.photo = photo(producer_user, "anh-cu")
    producer.save()
    replaced = producer.photo
    producer.photo = photo(producer_user, "anh-moi")  # the farmer changed the producer's photo
    producer.save()
    staff = make_user(is_staff=True)
    library = photo(staff, "thu-vien")  # staff put it in the library for later
    return {
        "kept run": ("private", refreshed(kept_run).pdf.name),
        "voided run": ("private", refreshed(voided_run).pdf.name),
        "old import": ("private", import_job(31).file.name),
        "recent import": ("private", import_job(25).file.name),
        "old running import": ("private", import_job(60, ImportJob.State.SAVING).file.name),
        "used photo": ("default", used.file.name),
        "used rendition": ("default", used.rendition.file.name),
        "abandoned photo": ("default", abandoned.file.name),
        "abandoned rendition": ("default", abandoned.rendition.file.name),
        "library photo": ("default", library.file.name),
        "replaced photo": ("default", replaced.file.name),
        "new producer photo": ("default", producer.photo.file.name),
        "orphan media": (
            "default",
            storages["default"].save("images/mo-coi.png", ContentFile(png())),
        ),
        "orphan private": (
            "private",
            storages["private"].save("truy-xuat/tem/mo-coi.pdf", ContentFile(b"%PDF-1.4")),
        ),
        "foreign file": (
            "default",
            storages["default"].save("khac/giu-lai.txt", ContentFile(b"x")),
        ),
    }


GONE = {
    "replaced photo",
    "voided run",
    "old import",
    "abandoned photo",
    "abandoned rendition",
    "orphan media",
    "orphan private",
}


def test_orphans_go_and_every_referenced_file_stays(files):
    for what, (alias, name) in files.items():
        assert exists(alias, name), what
    clean_up_files(now=timezone.now() + LATER)
    for what, (alias, name) in files.items():
        assert exists(alias, name) is (what not in GONE), what
    # the records no longer name what went, and what they name is still there
    assert not ImportJob.objects.filter(file=files["old import"][1]).exists()
    assert ImportJob.objects.filter(file=files["recent import"][1]).exists()
    assert not get_image_model().objects.filter(title="nhap-da-xoa").exists()
    assert get_image_model().objects.filter(title="thu-vien").exists()
    # a second run finds nothing more to remove
    report = clean_up_files(now=timezone.now() + LATER)
    assert report.summary() == (
        "voided print runs 0, old imports 0, unused photos 0, files nothing names 0"
    )


def test_a_dry_run_lists_and_removes_nothing(files, capsys):
    from unittest import mock

    with mock.patch("config.file_cleanup.timezone.now", return_value=timezone.now() + LATER):
        call_command("clean_up_files", "--dry-run")
    out = capsys.readouterr().out
    assert files["voided run"][1] in out
    assert files["orphan private"][1] in out
    assert files["kept run"][1] not in out
    assert "voided print runs 1, old imports 1, unused photos 2" in out
    for what, (alias, name) in files.items():
        assert exists(alias, name), what


@pytest.mark.parametrize("storage_mode", ["disk"], indirect=True)
def test_a_fresh_file_nothing_names_yet_is_left_for_its_record(files):
    """An upload whose record is still being saved is younger than the grace period."""
    clean_up_files()
    assert exists(*files["orphan media"])
    assert exists(*files["orphan private"])
    assert not exists(*files["voided run"])  # a voided run's PDF needs no grace period


def test_the_task_runs_daily_and_cleans(files, settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["config-clean-up-files"]
    assert schedule["task"] == "config.clean_up_files"
    clean_up_task.apply()
    assert not exists(*files["voided run"])
    assert exists(*files["kept run"])


def test_a_photo_a_page_shows_in_its_content_is_kept(home_page, producer_user):
    """No foreign key names a photo picked in a page's content blocks; Wagtail's reference
    index does, and the clean-up asks it."""
    shown = photo(producer_user, "trang-chu")
    home_page.body = [("hero", {"heading": "Chợ Phiên", "image": shown})]
    home_page.save_revision().publish()
    clean_up_files(now=timezone.now() + LATER)
    assert exists("default", shown.file.name)
    assert get_image_model().objects.filter(pk=shown.pk).exists()
