"""A site moving to S3 copies its local media and private files into the buckets under the
same names, once: a second run copies nothing, and private files never go public."""

from io import StringIO

import pytest
import requests
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    files = {
        settings.MEDIA_ROOT / "original_images/che.jpg": b"\xff\xd8 anh che",
        settings.MEDIA_ROOT / "images/che.max-480x360.jpg": b"\xff\xd8 nho",
        settings.MEDIA_ROOT / "truy-xuat/tem/cu.pdf": b"%PDF-1.4 left by an older release",
        settings.PRIVATE_ROOT / "truy-xuat/tem/abc.pdf": b"%PDF-1.4 serial 0001",
        settings.PRIVATE_ROOT / "growing_areas/imports/x.csv": b"code,name\n",
    }
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return files


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("copy_media_to_bucket", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_local_files_are_copied_once_and_private_ones_stay_private(local_files, live_s3):
    out, _ = run("--dry-run")
    assert "would copy: original_images/che.jpg" in out
    assert "would copy 4, already in the bucket 0" in out
    assert live_s3.keys(live_s3.public_bucket) == []

    out, err = run()
    assert "copied 4, already in the bucket 0" in out
    assert "4/4" in err  # the progress line
    assert "left 1 private files in media" in err
    assert live_s3.keys(live_s3.public_bucket) == [
        "images/che.max-480x360.jpg",
        "original_images/che.jpg",
    ]
    assert live_s3.keys(live_s3.private_bucket) == [
        "growing_areas/imports/x.csv",
        "truy-xuat/tem/abc.pdf",
    ]
    assert live_s3.body(live_s3.private_bucket, "truy-xuat/tem/abc.pdf") == b"%PDF-1.4 serial 0001"
    # public media is readable by anyone from the bucket, private files are not
    photo = live_s3.url(live_s3.public_bucket, "original_images/che.jpg")
    assert requests.get(photo, timeout=5).content == b"\xff\xd8 anh che"
    secret = live_s3.url(live_s3.private_bucket, "truy-xuat/tem/abc.pdf")
    assert requests.get(secret, timeout=5).status_code == 403

    out, _ = run()
    assert "copied 0, already in the bucket 4" in out


def test_a_partial_copy_is_replaced(local_files, live_s3, settings):
    live_s3.client.put_object(
        Bucket=live_s3.private_bucket, Key="truy-xuat/tem/abc.pdf", Body=b"%PDF-1.4 ser"
    )
    out, _ = run()
    assert "copied 4, already in the bucket 0" in out
    assert live_s3.body(live_s3.private_bucket, "truy-xuat/tem/abc.pdf") == b"%PDF-1.4 serial 0001"
    assert live_s3.keys(live_s3.private_bucket).count("truy-xuat/tem/abc.pdf") == 1


def test_without_a_bucket_nothing_is_copied(local_files):
    with pytest.raises(CommandError, match="AWS_STORAGE_BUCKET_NAME"):
        run()
