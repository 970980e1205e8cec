"""Farmers sign up and list products under /ban-hang/, one screen at a time."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from wagtail.images import get_image_model

from accounts.models import User
from accounts.roles import Role
from growing_areas.models import GrowingArea
from marketplace.models import ListingEvent, Producer, Product

from .conftest import jpeg_bytes, upload

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "full_name": "Lò Văn Páo",
        "phone": "0987 654 321",
        "password1": "che-shan-tuyet-2025",
        "password2": "che-shan-tuyet-2025",
        "kind": "household",
        "producer_name": "",
        "province_code": "15",
        "commune_code": "04672",
        "village": "Bản Suối Giàng",
        "old_address": "",
    }
    data.update(overrides)
    return data


def test_farmer_signs_up_and_gets_a_pending_producer(client):
    response = client.post("/ban-hang/dang-ky/", signup_data())
    assert response.status_code == 302
    user = User.objects.get(phone="+84987654321")
    assert user.has_role(Role.PRODUCER)
    producer = user.producers.get()
    assert producer.verification == Producer.Verification.PENDING
    assert producer.commune_code == "04672" and producer.name == "Lò Văn Páo"
    assert client.get("/ban-hang/").status_code == 200  # logged in


def test_signup_with_old_address_is_converted(client):
    response = client.post(
        "/ban-hang/dang-ky/",
        signup_data(
            province_code="",
            commune_code="",
            old_address="Xã Suối Giàng, Huyện Văn Chấn, Tỉnh Yên Bái",
        ),
    )
    assert response.status_code == 302
    assert Producer.objects.get().commune_code == "04672"


def test_signup_errors_save_nothing(client, make_user):
    make_user(phone="0987654321")
    response = client.post("/ban-hang/dang-ky/", signup_data(password2="khac"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Đã có tài khoản dùng số điện thoại này." in html
    assert "Hai mật khẩu không giống nhau." in html
    assert not Producer.objects.exists()


def new_listing(client, producer, **overrides):
    data = {"name": "Chè Shan Tuyết cổ thụ", "category": "tea", **overrides}
    return client.post(f"/ban-hang/nong-dan/{producer.slug}/san-pham-moi/", data)


def step(client, product, name, data):
    return client.post(f"/ban-hang/san-pham/{product.pk}/{name}/", data)


def test_listing_one_screen_at_a_time_to_review(client, producer_user, producer, moderator):
    client.force_login(producer_user)
    response = new_listing(client, producer)
    product = Product.objects.get()
    assert response["Location"].endswith(f"/ban-hang/san-pham/{product.pk}/gia/")
    assert product.review_state == Product.Review.DRAFT  # the draft is kept between steps
    response = step(
        client,
        product,
        "gia",
        {
            "price": "450.000",
            "unit": "gói 200 g",
            "quantity_available": "40",
            "shipping_weight_grams": "260",
            "description": "",
        },
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.price == 450_000
    response = step(client, product, "anh", {"photos": [upload(jpeg_bytes(gps=True))]})
    assert response.status_code == 302
    assert product.photos.count() == 1
    response = step(client, product, "nguon-goc", {})
    assert response.status_code == 302
    response = step(client, product, "gui", {})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.review_state == Product.Review.PENDING
    desk = client.get("/ban-hang/").content.decode()
    assert "Chè Shan Tuyết cổ thụ" in desk
    assert moderator.notifications.filter(body__contains="Chè Shan Tuyết cổ thụ").exists()
    actions = list(product.events.values_list("action", flat=True))
    assert ListingEvent.Action.SUBMITTED in actions and ListingEvent.Action.CREATED in actions


def test_stored_photo_has_no_exif_and_is_resized(client, producer_user, producer, make_product):
    product = make_product(producer, photos=0, review_state=Product.Review.DRAFT)
    client.force_login(producer_user)
    response = step(
        client, product, "anh", {"photos": [upload(jpeg_bytes(size=(4000, 3000), gps=True))]}
    )
    assert response.status_code == 302
    image = product.photos.get().image
    with image.file.open("rb") as stored:
        picture = Image.open(io.BytesIO(stored.read()))
        assert not picture.getexif()
        assert max(picture.size) == 1600
        assert b"PhoneMaker" not in stored.read()


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"%PDF-1.4 not a photo", "giay.pdf", "không phải là ảnh"),
        (b"GIF89a" + b"\0" * 100, "anh.gif", "không phải là ảnh"),
    ],
)
def test_non_images_are_refused(
    client, producer_user, producer, make_product, content, name, message
):
    product = make_product(producer, photos=0, review_state=Product.Review.DRAFT)
    client.force_login(producer_user)
    response = step(client, product, "anh", {"photos": [upload(content, name=name)]})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not product.photos.exists()


def test_image_bomb_is_refused(client, producer_user, producer, make_product, settings):
    settings.MARKETPLACE_PHOTO_MAX_PIXELS = 1000 * 1000
    product = make_product(producer, photos=0, review_state=Product.Review.DRAFT)
    client.force_login(producer_user)
    buffer = io.BytesIO()
    Image.new("L", (1500, 1500)).save(buffer, format="PNG")
    response = step(client, product, "anh", {"photos": [upload(buffer.getvalue(), "b.png")]})
    assert response.status_code == 400
    assert "quá nhiều điểm ảnh" in response.content.decode()
    assert not get_image_model().objects.exists()


def test_too_big_and_too_many_photos_save_nothing(
    client, producer_user, producer, make_product, settings
):
    product = make_product(producer, photos=4, review_state=Product.Review.DRAFT)
    client.force_login(producer_user)
    images_before = get_image_model().objects.count()
    response = step(client, product, "anh", {"photos": [upload(), upload()]})
    assert response.status_code == 400
    assert "tối đa 5 ảnh" in response.content.decode()
    settings.MARKETPLACE_PHOTO_MAX_BYTES = 10_000
    response = step(client, product, "anh", {"photos": [upload(jpeg_bytes(size=(2000, 1500)))]})
    assert response.status_code == 400
    assert "quá lớn" in response.content.decode()
    assert product.photos.count() == 4
    assert get_image_model().objects.count() == images_before


@pytest.mark.parametrize(
    "price, message",
    [
        ("0", "Giá phải lớn hơn 0"),
        ("-5000", "Giá phải lớn hơn 0"),
        ("4500,5", "số nguyên"),
        ("4500.5", "số nguyên"),
        ("99999999999", "không được quá"),
        ("", "Hãy nhập giá"),
    ],
)
def test_bad_prices_are_refused(client, producer_user, producer, make_product, price, message):
    product = make_product(producer, price=120_000, review_state=Product.Review.DRAFT)
    client.force_login(producer_user)
    data = {"price": price, "unit": "hũ 500 ml", "quantity_available": "3"}
    response = step(client, product, "gia", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    product.refresh_from_db()
    assert product.price == 120_000 and product.unit == "gói 200 g"


def test_empty_name_is_refused(client, producer_user, producer):
    client.force_login(producer_user)
    response = new_listing(client, producer, name="   ")
    assert response.status_code == 200
    assert "Hãy ghi tên sản phẩm" in response.content.decode()
    assert not Product.objects.exists()


def test_description_with_html_is_shown_as_text(client, producer_user, producer, make_product):
    product = make_product(producer, review_state=Product.Review.DRAFT)
    client.force_login(producer_user)
    data = {
        "price": "450000",
        "unit": "gói",
        "quantity_available": "1",
        "shipping_weight_grams": "250",
        "description": "<b>ngon</b><script>alert(1)</script>",
    }
    assert step(client, product, "gia", data).status_code == 302
    html = client.get(f"/ban-hang/san-pham/{product.pk}/gui/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def make_area(code, commune="04672", status=GrowingArea.Status.ACTIVE):
    return GrowingArea.objects.create(
        code=code,
        name=f"Vùng chè {code}",
        area_ha=12,
        crop="Chè",
        holder_name="HTX Chè Suối Giàng",
        issued_by="Chi cục Trồng trọt và BVTV",
        issued_on="2024-05-01",
        province_code="15",
        commune_code=commune,
        status=status,
    )


def test_growing_area_must_be_active_and_of_the_producers_commune(
    client, producer_user, producer, make_product
):
    product = make_product(producer, review_state=Product.Review.DRAFT)
    good = make_area("VN-YB-0001")
    suspended = make_area("VN-YB-0002", status=GrowingArea.Status.SUSPENDED)
    elsewhere = make_area("VN-LC-0003", commune="04675")
    client.force_login(producer_user)
    page = client.get(f"/ban-hang/san-pham/{product.pk}/nguon-goc/").content.decode()
    assert good.code in page and suspended.code not in page and elsewhere.code not in page
    for area in (suspended, elsewhere):
        response = step(client, product, "nguon-goc", {"growing_area": area.pk})
        assert response.status_code == 400
        assert "vùng trồng đang hoạt động" in response.content.decode()
        product.refresh_from_db()
        assert product.growing_area is None
    assert step(client, product, "nguon-goc", {"growing_area": good.pk}).status_code == 302
    product.refresh_from_db()
    assert product.growing_area == good


def test_ocop_decision_date_in_the_future_is_refused(client, producer_user, producer, make_product):
    product = make_product(producer, review_state=Product.Review.DRAFT)
    client.force_login(producer_user)
    data = {
        "ocop_stars": "4",
        "ocop_decision_number": "123/QĐ-UBND",
        "ocop_decision_date": (timezone.localdate() + timedelta(days=2)).isoformat(),
        "ocop_level": "province",
    }
    response = step(client, product, "nguon-goc", data)
    assert response.status_code == 400
    assert "không được ở tương lai" in response.content.decode()
    product.refresh_from_db()
    assert product.ocop_stars is None
    data["ocop_decision_date"] = (timezone.localdate() - timedelta(days=10)).isoformat()
    data["certificate_photo"] = upload()
    assert step(client, product, "nguon-goc", data).status_code == 302
    product.refresh_from_db()
    assert product.ocop_stars == 4 and product.ocop_certificate


def test_ocop_stars_outside_3_to_5_are_refused(client, producer_user, producer, make_product):
    product = make_product(producer, review_state=Product.Review.DRAFT)
    client.force_login(producer_user)
    data = {
        "ocop_stars": "2",
        "ocop_decision_number": "1",
        "ocop_decision_date": "2025-01-02",
        "ocop_level": "province",
    }
    assert step(client, product, "nguon-goc", data).status_code == 400
    product.refresh_from_db()
    assert product.ocop_stars is None


def test_editing_a_published_listing_sends_it_back_for_review(
    client, producer_user, producer, make_product
):
    product = make_product(producer, review_state=Product.Review.APPROVED)
    client.force_login(producer_user)
    response = step(client, product, "thong-tin", {"name": "Chè mới", "category": "tea"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.review_state == Product.Review.DRAFT
    event = product.events.filter(action=ListingEvent.Action.EDITED).get()
    assert event.actor == producer_user


def test_pending_listing_cannot_be_edited(client, producer_user, producer, make_product):
    product = make_product(producer, review_state=Product.Review.PENDING)
    client.force_login(producer_user)
    step(client, product, "thong-tin", {"name": "Đổi tên", "category": "tea"})
    product.refresh_from_db()
    assert product.name != "Đổi tên"


def test_a_producer_cannot_touch_another_producers_products(
    client, make_user, make_producer, make_product
):
    other = make_producer()
    product = make_product(other, review_state=Product.Review.DRAFT, price=100_000)
    intruder = make_user(Role.PRODUCER)
    make_producer(members=[intruder])
    client.force_login(intruder)
    for name in ("thong-tin", "gia", "anh", "nguon-goc", "gui"):
        assert client.get(f"/ban-hang/san-pham/{product.pk}/{name}/").status_code == 403
    data = {"price": "1", "unit": "x", "quantity_available": "1"}
    assert step(client, product, "gia", data).status_code == 403
    assert step(client, product, "gui", {}).status_code == 403
    assert new_listing(client, other).status_code == 403
    assert client.get(f"/ban-hang/nong-dan/{other.slug}/").status_code == 403
    photo = make_product(other, photos=1).photos.get()
    url = f"/ban-hang/san-pham/{photo.product_id}/anh/{photo.pk}/xoa/"
    assert client.post(url).status_code == 403
    product.refresh_from_db()
    assert product.price == 100_000 and product.review_state == Product.Review.DRAFT
    assert photo.product.photos.count() == 1


def test_anonymous_visitors_are_sent_to_login(client, producer, make_product):
    product = make_product(producer)
    response = client.get(f"/ban-hang/san-pham/{product.pk}/gia/")
    assert response.status_code == 302 and "/tai-khoan/dang-nhap/" in response["Location"]


def test_renditions_are_made_once_the_photos_are_stored(
    client, producer_user, producer, make_product, django_capture_on_commit_callbacks
):
    product = make_product(producer, photos=0, review_state=Product.Review.DRAFT)
    client.force_login(producer_user)
    with django_capture_on_commit_callbacks(execute=True):
        step(client, product, "anh", {"photos": [upload()]})
    image = product.photos.get().image
    specs = set(image.renditions.values_list("filter_spec", flat=True))
    assert {"fill-320x240", "max-800x800", "fill-160x120"} <= specs


def test_png_metadata_is_dropped_and_a_bad_second_photo_stores_nothing(
    client, producer_user, producer, make_product, settings
):
    from PIL import PngImagePlugin

    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    product = make_product(producer, photos=0, review_state=Product.Review.DRAFT)
    client.force_login(producer_user)
    info = PngImagePlugin.PngInfo()
    info.add_text("GPS", "21.6352,104.6591")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (21.0, 38.0, 7.0)}
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 200), (10, 20, 30, 128)).save(
        buffer, format="PNG", pnginfo=info, exif=exif.tobytes()
    )
    png = buffer.getvalue()
    files_before = sorted(p.name for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())
    response = step(
        client, product, "anh", {"photos": [upload(png, "a.png"), upload(b"not an image", "b.jpg")]}
    )
    assert response.status_code == 400
    assert sorted(p.name for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()) == files_before
    assert step(client, product, "anh", {"photos": [upload(png, "a.png")]}).status_code == 302
    with product.photos.get().image.file.open("rb") as stored:
        data = stored.read()
    assert b"104.6591" not in data and b"eXIf" not in data


def test_farmer_chooses_the_main_photo_and_strangers_cannot(
    client, producer_user, producer, make_product, make_user
):
    product = make_product(producer, photos=3)
    first, second, third = product.photos.all()
    url = f"/ban-hang/san-pham/{product.pk}/anh/{third.pk}/len-dau/"
    client.force_login(make_user("producer"))
    assert client.post(url).status_code == 403
    assert list(product.photos.all()) == [first, second, third]
    client.force_login(producer_user)
    assert client.post(url).status_code == 302
    assert list(product.photos.all()) == [third, first, second]
    product.refresh_from_db()
    assert product.review_state == Product.Review.APPROVED


def stored_files(settings):
    """Every file in the public media and the private storage."""
    roots = [settings.MEDIA_ROOT, settings.PRIVATE_ROOT]
    return sorted(p.name for root in roots for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    "step_name, data",
    [
        ("nguon-goc", lambda: {"ocop_decision_number": "", "certificate_photo": upload()}),
        ("anh", lambda: {"photos": [upload(), upload()]}),
    ],
)
def test_a_save_that_fails_after_storing_a_photo_leaves_no_file(
    client, producer_user, producer, make_product, settings, monkeypatch, step_name, data
):
    from django.db import DatabaseError

    from marketplace import services

    product = make_product(producer, photos=1, review_state=Product.Review.APPROVED)
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    files_before = stored_files(settings)
    images_before = get_image_model().objects.count()

    def history_fails(*args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(services, "record", history_fails)
    client.force_login(producer_user)
    client.raise_request_exception = False
    response = step(client, product, step_name, data())
    assert response.status_code == 500
    assert stored_files(settings) == files_before
    assert get_image_model().objects.count() == images_before
    product.refresh_from_db()
    assert not product.ocop_certificate and product.photos.count() == 1
    assert product.review_state == Product.Review.APPROVED


def test_a_certificate_photo_sent_while_the_listing_went_to_review_leaves_no_file(
    client, producer_user, producer, make_product, settings, monkeypatch
):
    """The listing was sent for review from another tab after this request loaded it: the
    service reads it again under lock and refuses, before storing the photo."""
    from marketplace import services

    product = make_product(producer, photos=1, review_state=Product.Review.DRAFT)
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    files_before = stored_files(settings)
    images_before = get_image_model().objects.count()
    real_clean_document = services.clean_document

    def other_tab_sends_for_review(upload):
        # runs after the view loaded the (draft) listing and checked the form
        services.submit_for_review(Product.objects.get(pk=product.pk), producer_user)
        return real_clean_document(upload)

    monkeypatch.setattr(services, "clean_document", other_tab_sends_for_review)
    client.force_login(producer_user)
    response = step(client, product, "nguon-goc", {"certificate_photo": upload()})
    assert response.status_code == 400
    assert "Tin đăng này đang được duyệt; hãy chờ kết quả." in response.content.decode()
    assert stored_files(settings) == files_before
    assert get_image_model().objects.count() == images_before
    product.refresh_from_db()
    assert not product.ocop_certificate
    assert product.review_state == Product.Review.PENDING  # not put back to draft
