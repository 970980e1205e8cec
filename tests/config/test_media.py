"""Uploaded files are served as what they really are: a stored HTML page or script (left by
the old upload code, or put there by hand) is a harmless download, never a page or a script
of the site's origin."""

import io

import pytest
from django.urls import reverse
from django.utils.http import http_date
from PIL import Image

from config.media import MEDIA_CSP
from config.s3_storage import MediaS3Storage
from tests.config.test_production import run

POLYGLOT_HTML = b"\x89PNG\r\n\x1a\n<html><script>document.title='pwned'</script></html>"
POLYGLOT_JS = b"GIF89a=1;document.title='pwned';"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "truy-xuat").mkdir(parents=True)
    return settings.MEDIA_ROOT


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [("x.html", POLYGLOT_HTML), ("x.js", POLYGLOT_JS), ("x.svg", b"<svg onload=alert(1)/>")],
)
def test_an_old_html_or_script_upload_is_a_download_not_a_page(client, media_root, name, content):
    (media_root / "truy-xuat" / name).write_bytes(content)
    response = client.get(f"/media/truy-xuat/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Security-Policy"] == MEDIA_CSP
    assert b"".join(response.streaming_content) == content


def test_a_photo_is_shown_as_an_image(client, media_root):
    (media_root / "truy-xuat" / "ab12cd34ef56.png").write_bytes(png_bytes())
    response = client.get("/media/truy-xuat/ab12cd34ef56.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert not response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == MEDIA_CSP


def test_html_named_like_a_photo_stays_an_image(client, media_root):
    """nosniff keeps the browser from taking it for the HTML it contains."""
    (media_root / "truy-xuat" / "x.jpg").write_bytes(b"<html><script>alert(1)</script>")
    response = client.get("/media/truy-xuat/x.jpg")
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_pdf_is_downloaded_as_a_pdf(client, media_root):
    (media_root / "truy-xuat" / "kq.PDF").write_bytes(b"%PDF-1.4\n")
    response = client.get("/media/truy-xuat/kq.PDF")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="kq.PDF"'


@pytest.mark.parametrize(
    "path",
    [
        "/media/../config/settings.py",
        "/media/%2e%2e/config/settings.py",
        "/media/truy-xuat/../../secret.txt",
        "/media//etc/passwd",
        "/media/truy-xuat",
        "/media/truy-xuat/missing.jpg",
    ],
)
def test_nothing_outside_media_root_or_missing_is_served(db, client, media_root, path):
    (media_root.parent / "secret.txt").write_text("mật khẩu kho: 7391")
    response = client.get(path)
    assert response.status_code == 404
    assert "7391" not in response.content.decode()


def test_an_unchanged_file_is_not_sent_again(client, media_root):
    stored = media_root / "truy-xuat" / "ab12cd34ef56.png"
    stored.write_bytes(png_bytes())
    response = client.get(
        "/media/truy-xuat/ab12cd34ef56.png",
        headers={"if-modified-since": http_date(stored.stat().st_mtime + 60)},
    )
    assert response.status_code == 304
    assert response["X-Content-Type-Options"] == "nosniff"


def test_media_is_only_read(client, media_root):
    (media_root / "truy-xuat" / "x.png").write_bytes(png_bytes())
    assert client.post("/media/truy-xuat/x.png").status_code == 405
    assert client.head("/media/truy-xuat/x.png").status_code == 200


def test_the_media_url_is_the_safe_view():
    assert reverse("media", kwargs={"path": "a/b.jpg"}) == "/media/a/b.jpg"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("original_images/ab12cd34ef56.jpg", {"ContentType": "image/jpeg"}),
        ("images/ab12cd34ef56.max-800x800.webp", {"ContentType": "image/webp"}),
        (
            "truy-xuat/tai-lieu/2026/03/ab12cd34ef56.pdf",
            {
                "ContentType": "application/pdf",
                "ContentDisposition": 'attachment; filename="ab12cd34ef56.pdf"',
            },
        ),
        (
            "truy-xuat/x.html",
            {
                "ContentType": "application/octet-stream",
                "ContentDisposition": 'attachment; filename="x.html"',
            },
        ),
    ],
)
def test_objects_in_the_bucket_get_safe_headers(name, expected):
    storage = MediaS3Storage(bucket_name="chophien-media", object_parameters={"CacheControl": "x"})
    assert storage.get_object_parameters(name) == {"CacheControl": "x", **expected}


def test_the_uploaders_claimed_type_is_not_what_the_bucket_stores():
    """S3Storage would take the upload's Content-Type; the allowlist wins."""

    class Claimed(io.BytesIO):
        content_type = "text/html"

    storage = MediaS3Storage(bucket_name="chophien-media")
    parameters = storage._get_write_parameters("truy-xuat/x.js", Claimed(b"alert(1)"))
    assert parameters["ContentType"] == "application/octet-stream"
    assert parameters["ContentDisposition"].startswith("attachment")


SERVE_IN_PRODUCTION = (
    "import django; django.setup(); from django.test import Client; "
    "response = Client().get('/media/a.jpg', secure=True, headers={'host': 'chophien.vn'}); "
    "print(response.status_code, response.get('Content-Type'), "
    "response.get('X-Content-Type-Options'))"
)


def test_production_without_a_bucket_serves_media_safely(tmp_path):
    """Without a bucket, product photos must not all be 404 (and nothing is served unsafely)."""
    (tmp_path / "a.jpg").write_bytes(b"\xff\xd8\xff")
    result = run("-c", SERVE_IN_PRODUCTION, MEDIA_ROOT=str(tmp_path))
    assert result.stdout.split() == ["200", "image/jpeg", "nosniff"], result.stderr


def test_production_with_a_bucket_leaves_media_to_the_bucket(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"\xff\xd8\xff")
    result = run(
        "-c",
        "import django; django.setup(); from django.conf import settings; "
        "from django.urls import get_resolver; "
        "print(settings.SERVE_MEDIA, 'media' in get_resolver().reverse_dict)",
        MEDIA_ROOT=str(tmp_path),
        AWS_STORAGE_BUCKET_NAME="chophien-media",
    )
    assert result.stdout.split() == ["False", "False"], result.stderr


def test_production_serves_no_media_when_another_origin_does(tmp_path):
    result = run(
        "-c",
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SERVE_MEDIA)",
        MEDIA_URL="https://media.chophien.vn/",
    )
    assert result.stdout.split() == ["False"], result.stderr
