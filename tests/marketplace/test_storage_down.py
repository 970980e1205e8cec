"""A farmer's photo that the storage cannot take (a full disk, a bucket that does not answer)
saves nothing of the form it came with, leaves no file and no image behind, and the farmer
reads why in Vietnamese instead of meeting a server error."""

import pytest
from django.core.files.storage import FileSystemStorage
from wagtail.images import get_image_model

from marketplace.models import ListingEvent, Product
from tests.config.test_private_files import bucket_down

from .conftest import upload
from .test_ocop_certificate import STORAGE_DOWN, files_under

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["disk", "s3"])
def storage_down(request, settings, monkeypatch, tmp_path):
    """Public media in a fresh folder, then writes to it fail: in S3 every one, on disk every
    one after the first ``written`` (the disk fills up during the upload)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    real_save = FileSystemStorage._save

    def fail(written=0):
        if request.param == "s3":
            settings.STORAGES = bucket_down()
            return settings.MEDIA_ROOT
        room = [written]

        def disk_filling_up(storage, name, content):
            if room[0] == 0:
                raise OSError(28, "No space left on device")
            room[0] -= 1
            return real_save(storage, name, content)

        monkeypatch.setattr(FileSystemStorage, "_save", disk_filling_up)
        return settings.MEDIA_ROOT

    return fail


def test_listing_photos_the_storage_cannot_take_save_nothing_and_say_so(
    client, producer_user, producer, make_product, storage_down
):
    product = make_product(producer, photos=0, review_state=Product.Review.DRAFT)
    images_before = get_image_model().objects.count()
    media_root = storage_down(written=1)  # on disk the first photo is stored, not the second
    client.force_login(producer_user)
    response = client.post(
        f"/ban-hang/san-pham/{product.pk}/anh/", {"photos": [upload(), upload(name="b.jpg")]}
    )
    assert response.status_code == 400
    assert STORAGE_DOWN in response.content.decode()
    assert not product.photos.exists()
    assert get_image_model().objects.count() == images_before
    assert not ListingEvent.objects.filter(product=product).exists()
    assert not media_root.exists() or files_under(media_root) == []


def test_a_profile_photo_the_storage_cannot_take_saves_nothing_and_says_so(
    client, producer_user, producer, storage_down
):
    images_before = get_image_model().objects.count()
    media_root = storage_down()
    client.force_login(producer_user)
    data = {
        "name": producer.name,
        "kind": producer.kind,
        "story": "Chúng tôi hái chè Shan Tuyết trên núi Suối Giàng.",
        "tax_code": "",
        "village": "",
        "street": "",
        "new_photo": upload(),
    }
    response = client.post(f"/ban-hang/nong-dan/{producer.slug}/ho-so/", data)
    assert response.status_code == 400
    assert STORAGE_DOWN in response.content.decode()
    producer.refresh_from_db()
    assert producer.photo is None and producer.story == ""
    assert get_image_model().objects.count() == images_before
    assert not media_root.exists() or files_under(media_root) == []
