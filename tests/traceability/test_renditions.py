"""Photos are resized when they are stored, by a task, for every size a page shows: no page
request resizes an image, and a warm label page costs the same few queries however many
photos and steps its batch has."""

import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import timezone

from marketplace import photos
from marketplace.models import Product
from marketplace.services import add_photos, update_producer_profile
from traceability import services

from .conftest import GTIN, photo_upload

# A warm label page is kept whole in the cache: its one statement is the scan's INSERT (which
# checks "did this network just scan it?" itself).
WARM_LABEL_PAGE_QUERIES = 1
PHONE = "Mozilla/5.0 (Linux; Android 10; Redmi 9A) AppleWebKit/537.36 Chrome/120 Mobile Safari"
IMAGE_TAG = re.compile(r"{%\s*image\s+\S+\s+([a-z]+-[0-9x]+)")


@pytest.fixture(autouse=True)
def empty_cache():
    """Wagtail caches renditions by image id; SQLite reuses ids after each test's rollback."""
    cache.clear()


def label_path(label):
    return f"/01/{GTIN}/10/{label.batch.lot}/21/{label.serial}"


def add_step_photos(batch, by, count):
    for n in range(count):
        services.record_event(
            batch,
            kind="drying",
            occurred_at=timezone.now(),
            by=by,
            photos=[photo_upload(f"buoc-{n}.jpg", color=(10 * n, 90, 60))],
        )


def test_every_size_a_page_shows_is_one_made_at_upload():
    """Photos people upload appear only through these templates; the page blocks' images
    (templates/blocks) come from the editors' Wagtail library, not from store_photo."""
    templates = Path(django_settings.BASE_DIR, "templates")
    used = set()
    for folder in ("marketplace", "traceability", "accounts", "growing_areas"):
        for template in templates.joinpath(folder).rglob("*.html"):
            used |= set(IMAGE_TAG.findall(template.read_text()))
    assert {"max-480x360", "max-800x800", "fill-320x240"} <= used  # the reader works
    assert used <= set(photos.RENDITIONS)


def test_a_new_photo_gets_every_rendition_from_the_task(
    batch, tea, tea_producer, producer_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        add_step_photos(batch, producer_user, 1)
    image = batch.events.exclude(attachments=None).get().attachments.get().image
    assert not image.renditions.exists()  # nothing made while storing it
    assert len(callbacks) == 1  # the task, queued for after the commit
    callbacks[0]()
    assert set(image.renditions.values_list("filter_spec", flat=True)) == set(photos.RENDITIONS)
    with django_capture_on_commit_callbacks(execute=True):
        (photo,) = add_photos(tea, [photo_upload("che.jpg")], producer_user)
        update_producer_profile(tea_producer, producer_user, [], photo_upload("nha.jpg"))
    tea_producer.refresh_from_db()
    for image in (photo.image, tea_producer.photo):
        assert set(image.renditions.values_list("filter_spec", flat=True)) == set(photos.RENDITIONS)


@pytest.fixture
def catalog_page(home_page):
    from marketplace.models import CatalogPage

    return home_page.add_child(instance=CatalogPage(title="Sản phẩm", slug="san-pham"))


@pytest.fixture
def pictured(batch, tea, tea_producer, producer_user, label, django_capture_on_commit_callbacks):
    """The label's batch with step photos, its product and producer with photos, all their
    renditions made by the upload task."""
    with django_capture_on_commit_callbacks(execute=True):
        add_step_photos(batch, producer_user, 2)
        add_photos(tea, [photo_upload("che.jpg")], producer_user)
        update_producer_profile(tea_producer, producer_user, [], photo_upload("nha.jpg"))
    # a new photo sends the listing back to review: approve it again
    Product.objects.filter(pk=tea.pk).update(review_state=Product.Review.APPROVED)
    return label


def test_pages_show_the_stored_renditions_and_resize_nothing(
    client, pictured, tea, catalog_page, monkeypatch
):
    from wagtail.images.models import Filter

    def no_resizing(*args, **kwargs):
        raise AssertionError("a page request resized an image")

    monkeypatch.setattr(Filter, "run", no_resizing)
    cache.clear()  # no cached fragment: the pages look the renditions up
    page = client.get(label_path(pictured), HTTP_USER_AGENT=PHONE)
    assert page.status_code == 200
    assert page.content.decode().count("/images/") >= 4  # cover, two steps, producer
    product_page = client.get(tea.get_absolute_url())
    assert product_page.status_code == 200
    assert "/images/" in product_page.content.decode()


def test_a_warm_label_page_costs_the_same_few_queries_however_many_photos_and_steps(
    client,
    pictured,
    batch,
    tea,
    producer_user,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    def warm_page():
        client.get(label_path(pictured), REMOTE_ADDR="14.160.1.5", HTTP_USER_AGENT=PHONE)
        with django_assert_num_queries(WARM_LABEL_PAGE_QUERIES):
            page = client.get(label_path(pictured), REMOTE_ADDR="14.160.1.5", HTTP_USER_AGENT=PHONE)
        assert page.status_code == 200
        return page.content.decode()

    # an earlier buyer's view: the site's settings row is made on the first page, which
    # makes the page kept during that view out of date
    client.get(label_path(pictured), REMOTE_ADDR="27.72.3.1", HTTP_USER_AGENT=PHONE)
    before = warm_page()
    with django_capture_on_commit_callbacks(execute=True):
        add_step_photos(batch, producer_user, 3)
        add_photos(tea, [photo_upload("che-2.jpg"), photo_upload("che-3.jpg")], producer_user)
    after = warm_page()
    assert after.count("/images/") == before.count("/images/") + 3  # the new steps' photos


def test_a_new_certificate_shows_on_the_next_label_page(client, label, area):
    from growing_areas.models import Certification

    def page():
        return client.get(label_path(label), HTTP_USER_AGENT=PHONE).content.decode()

    assert "VietGAP" not in page()
    certificate = Certification.objects.create(
        area=area, scheme="vietgap", number="VG-15-0042", valid_until=date(2028, 1, 1)
    )
    assert "VG-15-0042" in page()
    certificate.delete()
    assert "VG-15-0042" not in page()
