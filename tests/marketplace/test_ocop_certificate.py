"""The OCOP certificate is a private file: the farmer uploads it from the phone, their side and
the moderators open it through a checked view, the public product page never links it."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from PIL import Image
from wagtail.images import get_image_model
from wagtail.models import Collection

from config.storage import PrivateFileSystemStorage
from marketplace.models import HelperCommune, ListingEvent, Product
from tests.config.test_private_files import bucket_down
from tests.traceability.conftest import pdf_bytes

from .conftest import admin_edit_form, jpeg_bytes, upload

pytestmark = pytest.mark.django_db

STORAGE_DOWN = "Chưa lưu được tệp lúc này nên chưa có gì được ghi lại."


def files_under(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def send_certificate(client, product, certificate):
    return client.post(
        f"/ban-hang/san-pham/{product.pk}/nguon-goc/", {"certificate_photo": certificate}
    )


def with_certificate(product, content=b"%PDF-1.4 giay chung nhan", name="cn.pdf"):
    product.ocop_certificate.save(name, ContentFile(content))
    return product


def test_the_farmer_sends_a_certificate_photo_and_it_goes_to_the_private_storage(
    client, settings, producer_user, producer, make_product
):
    product = make_product(producer, review_state=Product.Review.DRAFT)
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    public_before = files_under(settings.MEDIA_ROOT)
    images_before = get_image_model().objects.count()
    client.force_login(producer_user)
    assert send_certificate(client, product, upload(jpeg_bytes(gps=True))).status_code == 302
    product.refresh_from_db()
    name = product.ocop_certificate.name
    assert name.startswith("ocop/") and name.endswith(".jpg")
    assert (settings.PRIVATE_ROOT / name).is_file()
    # no public copy: no new Wagtail image, nothing new under the public media
    assert files_under(settings.MEDIA_ROOT) == public_before
    assert get_image_model().objects.count() == images_before
    # re-encoded like every photo: no EXIF, so no GPS position of the farm
    stored = Image.open(settings.PRIVATE_ROOT / name)
    assert not stored.getexif()
    # the step page links the certificate through the checked view
    page = client.get(f"/ban-hang/san-pham/{product.pk}/nguon-goc/").content.decode()
    assert product.ocop_certificate_path in page
    response = client.get(product.ocop_certificate_path)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == (settings.PRIVATE_ROOT / name).read_bytes()


def test_a_pdf_certificate_is_kept_and_a_disguised_file_is_refused(
    client, settings, producer_user, producer, make_product
):
    product = make_product(producer, review_state=Product.Review.DRAFT)
    client.force_login(producer_user)
    disguised = upload(b"<html><script>alert(1)</script></html>", name="giay.jpg")
    response = send_certificate(client, product, disguised)
    assert response.status_code == 400
    assert "Tệp này không phải loại tài liệu" in response.content.decode()
    product.refresh_from_db()
    assert not product.ocop_certificate
    pdf = upload(pdf_bytes(), name="giay.pdf", content_type="application/pdf")
    assert send_certificate(client, product, pdf).status_code == 302
    product.refresh_from_db()
    assert product.ocop_certificate.name.endswith(".pdf")
    assert (settings.PRIVATE_ROOT / product.ocop_certificate.name).read_bytes() == pdf_bytes()


def test_a_private_storage_that_cannot_be_written_saves_nothing_and_says_so(
    client, settings, producer_user, producer, make_product
):
    product = make_product(producer, review_state=Product.Review.DRAFT)
    settings.PRIVATE_ROOT.parent.mkdir(parents=True, exist_ok=True)
    settings.PRIVATE_ROOT.write_text("a file where the folder should be")
    client.force_login(producer_user)
    data = {
        "ocop_stars": "4",
        "ocop_decision_number": "123/QĐ-UBND",
        "ocop_decision_date": (timezone.localdate() - timedelta(days=10)).isoformat(),
        "ocop_level": "province",
        "certificate_photo": upload(),
    }
    response = client.post(f"/ban-hang/san-pham/{product.pk}/nguon-goc/", data)
    assert response.status_code == 400
    assert STORAGE_DOWN in response.content.decode()
    product.refresh_from_db()
    assert not product.ocop_certificate and product.ocop_stars is None
    assert not ListingEvent.objects.filter(product=product, action="edited").exists()


def test_a_new_certificate_replaces_the_old_file(
    client, settings, producer_user, producer, make_product, django_capture_on_commit_callbacks
):
    product = with_certificate(make_product(producer, review_state=Product.Review.DRAFT))
    old = settings.PRIVATE_ROOT / product.ocop_certificate.name
    assert old.is_file()
    client.force_login(producer_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_certificate(client, product, upload()).status_code == 302
    product.refresh_from_db()
    assert not old.exists()
    assert (settings.PRIVATE_ROOT / product.ocop_certificate.name).is_file()


def test_the_certificate_is_refused_to_others_and_under_another_name(
    client, make_user, producer_user, producer, make_product, moderator, helper_user
):
    from accounts.roles import Role

    product = with_certificate(make_product(producer))
    url = product.ocop_certificate_path
    assert client.get(url).status_code == 302  # anonymous: sent to log in
    client.force_login(make_user(Role.PRODUCER, full_name="Nông dân khác"))
    assert client.get(url).status_code in (403, 404)
    client.force_login(make_user(full_name="Người mua"))
    assert client.get(url).status_code in (403, 404)
    # a helper of the commune without the farmer's consent gets nothing; with it, the file
    HelperCommune.objects.create(helper=helper_user, commune_code=producer.commune_code)
    client.force_login(helper_user)
    assert client.get(url).status_code in (403, 404)
    producer.consent_at = timezone.now()
    producer.save(update_fields=["consent_at"])
    assert client.get(url).status_code == 200
    for person in (producer_user, moderator):
        client.force_login(person)
        assert client.get(url).status_code == 200
        assert client.get(url.replace(".pdf", ".jpg")).status_code == 404


def test_the_model_keeps_only_a_pdf_or_a_re_encoded_picture(producer, make_product):
    """A file given to the model some other way than the checked upload (a script, a form
    without the checks) is refused unless it is a PDF, JPEG or PNG by its name."""
    from django.core.exceptions import ValidationError

    product = make_product(producer)
    product.ocop_certificate.name = "ocop/trang.html"
    with pytest.raises(ValidationError) as refused:
        product.full_clean()
    assert "ocop_certificate" in refused.value.message_dict
    product.ocop_certificate.name = "ocop/giay.pdf"
    product.full_clean()


def test_the_public_product_page_shows_the_ocop_badge_but_no_certificate_file(
    client, catalog_page, producer, make_product
):
    product = make_product(
        producer,
        ocop_stars=4,
        ocop_decision_number="1568/QĐ-UBND",
        ocop_decision_date=timezone.localdate() - timedelta(days=30),
        ocop_level=Product.OcopLevel.PROVINCE,
    )
    with_certificate(product)
    html = client.get(product.get_absolute_url()).content.decode()
    assert "1568/QĐ-UBND" in html and "badge-ocop" in html
    assert "chung-nhan-ocop" not in html
    assert product.ocop_certificate.name.rsplit("/", 1)[-1] not in html


def test_a_moderator_sees_the_link_in_the_admin_and_replaces_the_certificate(
    client, settings, moderator, producer, make_product, django_capture_on_commit_callbacks
):
    product = with_certificate(make_product(producer, gtin=""))
    old = settings.PRIVATE_ROOT / product.ocop_certificate.name
    client.force_login(moderator)
    edit = f"/admin/snippets/marketplace/product/edit/{product.pk}/"
    assert product.ocop_certificate_path in client.get(edit).content.decode()
    disguised = upload(b"<svg onload=alert(1)>", name="x.png", content_type="image/png")
    response = client.post(edit, {**admin_edit_form(product), "ocop_certificate": disguised})
    assert response.status_code == 200
    assert "Tệp này không phải loại tài liệu" in response.content.decode()
    assert old.is_file()  # a refused replacement keeps the certificate
    photo = upload(jpeg_bytes(gps=True), name="giay-chung-nhan.jpg")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit, {**admin_edit_form(product), "ocop_certificate": photo})
    assert response.status_code == 302
    assert not old.exists()
    product.refresh_from_db()
    name = product.ocop_certificate.name
    assert name.startswith("ocop/") and name.endswith(".jpg") and "giay" not in name
    assert not Image.open(settings.PRIVATE_ROOT / name).getexif()


@pytest.mark.parametrize("mode", ["disk", "s3"])
def test_a_certificate_the_storage_cannot_take_in_the_admin_saves_nothing_and_says_so(
    client, settings, monkeypatch, moderator, producer, make_product, mode
):
    """The moderator replaces the certificate while the disk is full or the bucket does not
    answer: the form comes back with the reason on the certificate field, no other change of
    the edit is saved, and the old certificate is still the listing's."""
    product = with_certificate(make_product(producer, gtin=""))
    old_name = product.ocop_certificate.name
    files_before = files_under(settings.PRIVATE_ROOT)
    if mode == "s3":
        settings.STORAGES = bucket_down()
    else:

        def disk_full(storage, name, content):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(PrivateFileSystemStorage, "_save", disk_full)
    client.force_login(moderator)
    edit = f"/admin/snippets/marketplace/product/edit/{product.pk}/"
    data = {**admin_edit_form(product, name="Chè đã đổi tên"), "ocop_certificate": upload()}
    response = client.post(edit, data)
    assert response.status_code == 200
    # the reason stands under the certificate field
    field_errors = response.content.decode().split("ocop_certificate-errors", 1)[1]
    assert STORAGE_DOWN in field_errors.split("</div>", 1)[0]
    product.refresh_from_db()
    assert product.name != "Chè đã đổi tên"
    assert product.ocop_certificate.name == old_name
    assert files_under(settings.PRIVATE_ROOT) == files_before
    assert not ListingEvent.objects.filter(product=product, action="edited").exists()


def test_an_admin_edit_that_fails_after_the_certificate_is_written_leaves_no_file(
    client, settings, monkeypatch, moderator, producer, make_product
):
    from django.db import DatabaseError

    product = with_certificate(make_product(producer, gtin=""))
    files_before = files_under(settings.PRIVATE_ROOT)

    def database_gone(*args, **kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(Product, "save", database_gone)
    client.force_login(moderator)
    client.raise_request_exception = False
    edit = f"/admin/snippets/marketplace/product/edit/{product.pk}/"
    response = client.post(edit, {**admin_edit_form(product), "ocop_certificate": upload()})
    assert response.status_code == 500
    assert files_under(settings.PRIVATE_ROOT) == files_before


# transactional: migrating needs real transactions (the data is flushed afterwards)
@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_a_certificate_image_into_the_private_storage(settings, producer):
    """A certificate stored as a public Wagtail image before 0018: afterwards its bytes are a
    private file, and the image, its renditions and their files are gone."""
    before = [("marketplace", "0017_product_word_index")]
    after = [("marketplace", "0019_remove_product_ocop_certificate_image")]
    # an earlier transactional test may have flushed the root collection an image needs
    Collection.get_first_root_node() or Collection.add_root(name="Root")
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)
        _move_and_come_back(settings, producer, executor, before, after)
    finally:
        # whatever happened, the next tests find the schema as migrations leave it
        MigrationExecutor(connection).migrate(latest)


def _move_and_come_back(settings, producer, executor, before, after):
    apps = executor.loader.project_state(before).apps
    OldProduct = apps.get_model("marketplace", "Product")
    content = jpeg_bytes(size=(64, 48))
    real_image = get_image_model()(title="OCOP")
    real_image.file.save("giay.jpg", ContentFile(content), save=False)
    real_image.width, real_image.height = 64, 48
    real_image.save()
    image = real_image
    rendition = real_image.get_rendition("fill-32x24")
    public = [settings.MEDIA_ROOT / image.file.name, settings.MEDIA_ROOT / rendition.file.name]
    assert all(path.is_file() for path in public)
    product = OldProduct.objects.create(
        producer_id=producer.pk,
        name="Chè có chứng nhận",
        slug="che-co-chung-nhan",
        category="tea",
        ocop_certificate_id=image.pk,
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)

    moved = Product.objects.get(pk=product.pk)
    assert moved.ocop_certificate.name.startswith("ocop/")
    assert (settings.PRIVATE_ROOT / moved.ocop_certificate.name).read_bytes() == content
    assert not get_image_model().objects.filter(pk=image.pk).exists()
    assert not any(path.exists() for path in public)

    # going back and forth again leaves the private file where it is
    executor = MigrationExecutor(connection)
    executor.migrate([("marketplace", "0018_ocop_certificate_private")])
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    assert Product.objects.get(pk=product.pk).ocop_certificate.name == moved.ocop_certificate.name
