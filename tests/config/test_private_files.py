"""Private files (label PDFs, trace documents, pickup lists and slips, import uploads) live in
their own storage and reach only the people allowed to have them: streamed by Django from a
folder no URL maps to, or, with a bucket, as a presigned URL that expires. Public media stays
public, and in S3 mode it is fetched from the bucket or CDN without Django."""

import datetime
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import botocore.auth
import pytest
import requests
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from wagtail.images import get_image_model

from config import health
from config.storage import private_files
from config.storage_settings import disk_storages, s3_storages
from postal_pickup.models import PostOffice, ServedCommune
from tests.test_access_matrix import body, world  # noqa: F401 - the access matrix's world
from traceability.models import LabelPrintRun, TraceAttachment

pytestmark = pytest.mark.django_db

ENDPOINT = "http://127.0.0.1:9"  # nothing listens there: these tests never reach a bucket
PUBLIC_BUCKET = "chophien-media"
PRIVATE_BUCKET = "chophien-private"
CDN = "anh.chophien.vn"


def s3_mode(url_seconds=300, **extra):
    storages_setting = s3_storages(
        bucket=PUBLIC_BUCKET,
        private_bucket=PRIVATE_BUCKET,
        endpoint_url=ENDPOINT,
        region="ap-southeast-1",
        custom_domain=CDN,
        url_seconds=url_seconds,
        access_key="kiem-thu",
        secret_key="bi-mat-kiem-thu",
        **extra,
    )
    return {**django_settings.STORAGES, **storages_setting}


def disk_mode():
    return {**django_settings.STORAGES, **disk_storages()}


def private_urls(world):  # noqa: F811 - the world of tests.test_access_matrix
    """Every view that hands out a private file, for target "a" of the access matrix."""
    target = world.targets["a"]
    document = target.document
    return {
        "label PDF": reverse("traceability:print_run_pdf", kwargs={"pk": target.run.pk}),
        "trace document": document.document_path,
        "OCOP certificate": target.on_sale.ocop_certificate_path,
        "pickup list": reverse("postal_pickup:list_pdf", kwargs={"pk": world.printed_list.pk}),
        "parcel slips": reverse("postal_pickup:list_slips", kwargs={"pk": world.printed_list.pk}),
    }


# Who may have each file: the farmer of the producer (and their consented helper, and
# moderators) for label PDFs and documents; the office's staff for its lists and slips.
ALLOWED = {
    "label PDF": "farmer_a",
    "trace document": "farmer_a",
    "OCOP certificate": "farmer_a",
    "pickup list": "postal_a",
    "parcel slips": "postal_a",
}
ALSO_ALLOWED = {
    "label PDF": ["helper_a", "moderator"],
    "trace document": ["helper_a", "moderator"],
    "OCOP certificate": ["helper_a", "moderator"],
}


@pytest.fixture
def other_office_staff(world):  # noqa: F811 - the fixture imported above
    """Staff of another post office, in another commune."""
    office = PostOffice.objects.create(
        code="PO-B", name="Bưu điện xã B", province_code="01", commune_code="00004"
    )
    ServedCommune.objects.create(office=office, commune_code="00004")
    office.staff.add(world.users["postal"])
    return world.users["postal"]


@pytest.mark.parametrize("mode", ["disk", "s3"])
@pytest.mark.parametrize("what", sorted(ALLOWED))
def test_nobody_else_gets_a_private_file_in_either_storage(
    client,
    settings,
    world,  # noqa: F811 - the fixture imported above
    other_office_staff,
    mode,
    what,
):
    settings.STORAGES = s3_mode() if mode == "s3" else disk_mode()
    url = private_urls(world)[what]
    serial = world.targets["a"].label.serial
    for intruder in ["anonymous", "farmer_b", "helper_b", "postal"]:
        client.logout()
        if intruder != "anonymous":
            client.force_login(world.users[intruder])
        response = client.get(url)
        where = f"{what} ({mode}) as {intruder}"
        if intruder == "anonymous":
            # sent to log in, never to the file or the bucket
            assert response.status_code == 302, where
            assert response["Location"].startswith(reverse("accounts:login")), where
        else:
            assert response.status_code in (403, 404), where
            assert serial not in body(response), where
        assert "X-Amz-Signature" not in response.get("Location", ""), where

    # the control: the right people get it, so the refusals above could have failed
    for person in [ALLOWED[what], *ALSO_ALLOWED.get(what, [])]:
        client.force_login(world.users[person])
        response = client.get(url)
        if mode == "disk":
            assert response.status_code == 200, person
            assert response["Content-Disposition"].startswith("attachment")
            assert "no-store" in response["Cache-Control"]
            if what in ("label PDF", "trace document", "OCOP certificate"):
                assert serial in body(response)
        else:
            assert response.status_code == 302, person
            link = urlsplit(response["Location"])
            assert link.netloc == "127.0.0.1:9"
            assert link.path.startswith(f"/{PRIVATE_BUCKET}/")
            query = parse_qs(link.query)
            assert "X-Amz-Signature" in query
            assert query["X-Amz-Expires"] == ["300"]
            # the bucket answers with the same safe download headers as the disk
            assert query["response-content-disposition"][0].startswith("attachment")
            assert "no-store" in response["Cache-Control"]


def test_a_private_file_is_not_under_the_public_media_url(
    client,
    settings,
    world,  # noqa: F811 - the fixture imported above
):
    """Guessing where a label PDF or a trace document lies gives 404, even for their owner."""
    settings.STORAGES = disk_mode()
    target = world.targets["a"]
    client.force_login(world.users["farmer_a"])
    for fieldfile in (target.run.pdf, target.document.document):
        assert not (settings.MEDIA_ROOT / fieldfile.name).exists()
        assert (settings.PRIVATE_ROOT / fieldfile.name).is_file()
        response = client.get(f"{settings.MEDIA_URL}{fieldfile.name}")
        assert response.status_code == 404
        relative = f"{settings.MEDIA_URL}../var/private/{fieldfile.name}"
        assert client.get(relative).status_code == 404
        with pytest.raises(ValueError):
            fieldfile.url  # noqa: B018 - a private file has no URL to leak


@pytest.mark.parametrize(
    "name",
    [
        "truy-xuat/tem/cu.pdf",
        "truy-xuat/tai-lieu/2026/03/kq.pdf",
        "buu-dien/bang-ke/a.pdf",
        "ocop/chung-nhan.pdf",
    ],
)
def test_a_private_file_left_in_media_by_an_older_release_is_not_served(client, settings, name):
    settings.MEDIA_ROOT = settings.PRIVATE_ROOT.parent / "media"
    path = settings.MEDIA_ROOT / name
    path.parent.mkdir(parents=True)
    path.write_bytes(b"%PDF-1.4 serial 0001")
    assert client.get(f"/media/{name}").status_code == 404


def test_every_private_field_uses_the_private_storage():
    """The fields holding serials, lab reports, OCOP certificates, imports and pickup lists,
    and no other."""
    from django.apps import apps
    from django.db.models import FileField

    private = sorted(
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, FileField) and field.storage is private_files
    )
    assert private == [
        "growing_areas.ImportJob.file",
        "marketplace.Product.ocop_certificate",
        "postal_pickup.PickupList.pdf",
        "postal_pickup.PickupList.slips_pdf",
        "traceability.LabelPrintRun.pdf",
        "traceability.TraceAttachment.document",
    ]


@pytest.mark.parametrize("seconds", [60, 300])
def test_a_presigned_link_expires_after_the_setting(settings, monkeypatch, seconds):
    """The signed link carries its lifetime: a link kept or shared works for
    PRIVATE_FILE_URL_SECONDS from the moment it was handed out, then the bucket refuses it
    (the signature covers both, so neither can be stretched)."""
    handed_out = datetime.datetime(2026, 12, 1, 8, 0, 0)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: handed_out)
    settings.STORAGES = s3_mode(url_seconds=seconds)
    run = LabelPrintRun(pdf="truy-xuat/tem/abc.pdf")
    query = parse_qs(urlsplit(run.pdf.url).query)
    assert query["X-Amz-Expires"] == [str(seconds)]
    assert query["X-Amz-Date"] == ["20261201T080000Z"]
    assert query["X-Amz-Signature"][0]


def test_the_link_lifetime_is_read_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "p = settings.STORAGES['private']['OPTIONS']; "
        "print(p['querystring_expire'], p['bucket_name'], p['location'], p['default_acl'])"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PATH": "/usr/bin:/bin",
        "AWS_STORAGE_BUCKET_NAME": PUBLIC_BUCKET,
        "PRIVATE_FILE_URL_SECONDS": "120",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    # without a private bucket: a private prefix of the same bucket, private ACL
    assert result.stdout.split() == ["120", PUBLIC_BUCKET, "private", "private"]


def test_public_renditions_are_fetched_from_the_cdn_without_django(settings):
    settings.STORAGES = s3_mode()
    image = get_image_model()(title="Chè", width=10, height=10, file="original_images/che.jpg")
    rendition = image.renditions.model(
        image=image,
        filter_spec="max-480x360",
        file="images/che.max-480x360.jpg",
        width=480,
        height=360,
    )
    link = urlsplit(rendition.url)
    assert (link.scheme, link.netloc, link.path) == (
        "https",
        CDN,
        "/images/che.max-480x360.jpg",
    )
    assert link.query == ""  # a plain public URL: no signature to expire, no /media/ view


def test_without_a_cdn_public_media_points_at_the_bucket(settings):
    storages_setting = s3_mode()
    storages_setting["default"]["OPTIONS"]["custom_domain"] = None
    settings.STORAGES = storages_setting
    link = urlsplit(storages["default"].url("images/che.jpg"))
    assert link.netloc == "127.0.0.1:9"
    assert link.path == f"/{PUBLIC_BUCKET}/images/che.jpg"
    assert "X-Amz-Signature" not in link.query


def test_a_private_prefix_in_the_public_bucket_without_a_private_bucket(settings):
    storages_setting = {
        **django_settings.STORAGES,
        **s3_storages(bucket=PUBLIC_BUCKET, endpoint_url=ENDPOINT, access_key="k", secret_key="s"),
    }
    settings.STORAGES = storages_setting
    link = urlsplit(LabelPrintRun(pdf="truy-xuat/tem/abc.pdf").pdf.url)
    assert link.path == f"/{PUBLIC_BUCKET}/private/truy-xuat/tem/abc.pdf"
    assert "X-Amz-Signature" in parse_qs(link.query)


# --- /healthz --------------------------------------------------------------------------------


@pytest.fixture
def fresh_health():
    cache.delete(health.STORAGE_CHECK_KEY)
    yield
    cache.delete(health.STORAGE_CHECK_KEY)


def test_healthz_reports_the_storage(client, fresh_health):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["storage"] == "up"


def test_healthz_says_503_when_the_bucket_does_not_answer(client, settings, fresh_health):
    settings.STORAGES = bucket_down()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["storage"] == "down"


def test_healthz_says_503_when_the_private_folder_cannot_be_written(client, settings, fresh_health):
    settings.PRIVATE_ROOT.parent.mkdir(parents=True, exist_ok=True)
    settings.PRIVATE_ROOT.write_text("a file where the folder should be")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["storage"] == "down"


def test_the_storage_answer_is_reused_for_a_few_seconds(client, settings, fresh_health):
    assert client.get("/healthz").json()["storage"] == "up"
    settings.PRIVATE_ROOT.mkdir(parents=True, exist_ok=True)
    settings.PRIVATE_ROOT.rmdir()
    settings.PRIVATE_ROOT.write_text("now broken")
    # within STORAGE_CHECK_SECONDS the earlier answer stands: probes do not hit the bucket
    assert client.get("/healthz").json()["storage"] == "up"
    cache.delete(health.STORAGE_CHECK_KEY)  # the seconds have passed
    assert client.get("/healthz").json()["storage"] == "down"


def bucket_down():
    """S3 mode with a bucket that does not answer, asked once (no retries)."""
    from botocore.config import Config

    storages_setting = s3_mode()
    for alias in ("default", "private"):
        storages_setting[alias]["OPTIONS"]["client_config"] = Config(
            connect_timeout=1, read_timeout=1, retries={"max_attempts": 0}
        )
    return storages_setting


def test_a_trace_document_kept_in_a_private_storage_survives_a_storage_switch(settings):
    """The lazy private storage follows STORAGES: a test (or a deployment) that swaps the
    backends swaps every private field with them."""
    settings.STORAGES = disk_mode()
    field = TraceAttachment._meta.get_field("document")
    name = field.storage.save("truy-xuat/tai-lieu/x.pdf", ContentFile(b"%PDF-1.4"))
    assert (settings.PRIVATE_ROOT / name).is_file()
    settings.STORAGES = s3_mode()
    assert "X-Amz-Signature" in field.storage.url(name)


# --- moving the files of an older release --------------------------------------------------


def test_private_files_left_in_media_are_moved_once(settings, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    from growing_areas.models import ImportJob

    settings.MEDIA_ROOT = tmp_path / "media"
    name = "growing_areas/imports/abc123.csv"
    (settings.MEDIA_ROOT / "growing_areas" / "imports").mkdir(parents=True)
    (settings.MEDIA_ROOT / name).write_bytes(b"code,name\nA-1,Vung A\n")
    ImportJob.objects.create(original_name="vung.csv", file=name)

    out = StringIO()
    call_command("move_private_files", "--dry-run", stdout=out)
    assert "would move: growing_areas/imports/abc123.csv" in out.getvalue()
    assert (settings.MEDIA_ROOT / name).is_file()

    call_command("move_private_files", stdout=(out := StringIO()))
    assert "moved 1, already private 0, missing 0" in out.getvalue()
    assert (settings.PRIVATE_ROOT / name).read_bytes() == b"code,name\nA-1,Vung A\n"
    assert not (settings.MEDIA_ROOT / name).exists()
    assert ImportJob.objects.get().file.open("rb").read().startswith(b"code,name")

    call_command("move_private_files", stdout=(out := StringIO()))
    assert "moved 0, already private 1, missing 0" in out.getvalue()


# --- against a live S3 server (moto, tests/storage_support.py) -------------------------------


def test_a_label_pdf_drawn_in_s3_is_private_and_goes_out_only_as_a_presigned_link(
    client,
    world,  # noqa: F811 - the fixture imported above
    live_s3,
):
    """The real print-run code writes the PDF into the private bucket; its plain URL is
    refused by the bucket; the checked view sends the farmer to a signed link that downloads
    the same bytes as a safe attachment."""
    from traceability import printing

    farmer = world.users["farmer_a"]
    run = printing.issue_labels(world.targets["a"].run.batch, 2, "a4-50x50", by=farmer, build=False)
    printing.build_print_run(run.pk)
    run.refresh_from_db()
    key = run.pdf.name
    assert live_s3.keys(live_s3.private_bucket) == [key]
    assert key not in live_s3.keys(live_s3.public_bucket)
    stored = live_s3.body(live_s3.private_bucket, key)
    assert stored.startswith(b"%PDF")

    # guessed or kept, the plain URL of the object is refused by the bucket itself
    assert requests.get(live_s3.url(live_s3.private_bucket, key), timeout=5).status_code == 403
    grants = live_s3.client.get_object_acl(Bucket=live_s3.private_bucket, Key=key)["Grants"]
    assert all("URI" not in grant["Grantee"] for grant in grants)  # no AllUsers grant

    client.force_login(farmer)
    response = client.get(reverse("traceability:print_run_pdf", kwargs={"pk": run.pk}))
    assert response.status_code == 302
    link = response["Location"]
    assert link.startswith(f"{live_s3.endpoint}/{live_s3.private_bucket}/")
    download = requests.get(link, timeout=5)
    assert download.status_code == 200
    assert download.content == stored
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_a_presigned_link_stops_working_once_it_expires(
    client,
    world,  # noqa: F811 - the fixture imported above
    live_s3,
    monkeypatch,
):
    """The link the view hands out downloads the file until PRIVATE_FILE_URL_SECONDS have
    passed, and is refused by the bucket after; stretching its lifetime in the URL breaks its
    signature; asking the view again gives a fresh link. (The test server checks links as S3
    does: tests/storage_support.py PresignedLinkGate.)"""
    from traceability import printing

    farmer = world.users["farmer_a"]
    run = printing.issue_labels(world.targets["a"].run.batch, 1, "a4-50x50", by=farmer, build=False)
    printing.build_print_run(run.pk)
    client.force_login(farmer)
    pdf_view = reverse("traceability:print_run_pdf", kwargs={"pk": run.pk})
    link = client.get(pdf_view)["Location"]
    lifetime = storages["private"].querystring_expire
    assert parse_qs(urlsplit(link).query)["X-Amz-Expires"] == [str(lifetime)]

    live_s3.skip_ahead(lifetime - 5)
    assert requests.get(link, timeout=5).status_code == 200  # still within its lifetime
    stretched = link.replace(f"X-Amz-Expires={lifetime}", "X-Amz-Expires=604800")
    refused = requests.get(stretched, timeout=5)
    assert refused.status_code == 403
    assert "signature" in refused.text

    live_s3.skip_ahead(10)
    expired = requests.get(link, timeout=5)
    assert expired.status_code == 403
    assert "Request has expired" in expired.text
    assert b"%PDF" not in expired.content

    # the site's clock has moved on as well: it signs a new link at the same moment
    monkeypatch.setattr(botocore.auth, "get_current_datetime", live_s3.now)
    fresh = client.get(pdf_view)["Location"]
    assert requests.get(fresh, timeout=5).content.startswith(b"%PDF")


def test_public_renditions_are_fetched_from_the_bucket_without_django(live_s3):
    """A photo and its rendition are written to the public bucket; their URLs point at the
    bucket and anyone downloads them from it, no Django view in between."""
    import io

    from django.core.files.images import ImageFile
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format="PNG")
    image = get_image_model()(title="Chè")
    image.file.save("che.png", ImageFile(io.BytesIO(buffer.getvalue()), name="che.png"))
    rendition = image.get_rendition("max-32x32")

    link = urlsplit(rendition.url)
    assert f"{link.scheme}://{link.netloc}" == live_s3.endpoint
    assert link.path == f"/{live_s3.public_bucket}/{rendition.file.name}"
    assert "X-Amz-Signature" not in link.query
    fetched = requests.get(rendition.url, timeout=5)
    assert fetched.status_code == 200
    assert fetched.content == live_s3.body(live_s3.public_bucket, rendition.file.name)
    assert PILImage.open(io.BytesIO(fetched.content)).size == (32, 24)
    assert requests.get(image.file.url, timeout=5).content == buffer.getvalue()
    assert live_s3.keys(live_s3.private_bucket) == []
