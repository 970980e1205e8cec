"""Fixtures for producers, listings, photos and the catalogue page."""

import io
import itertools

import pytest
from PIL import Image

from marketplace.models import CatalogPage, Producer, Product, ProductPhoto
from marketplace.photos import prepare_photo

_slugs = itertools.count(1)


def jpeg_bytes(size=(1200, 900), color=(40, 120, 60), gps=False, fmt="JPEG"):
    """A real photo file; with ``gps`` it carries an EXIF GPS position like a phone's."""
    picture = Image.new("RGB", size, color)
    buffer = io.BytesIO()
    kwargs = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        gps_ifd = {1: "N", 2: (21.0, 34.0, 12.0), 3: "E", 4: (104.0, 39.0, 5.0)}
        exif[0x8825] = gps_ifd
        kwargs["exif"] = exif.tobytes()
    picture.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def upload(content=None, name="anh.jpg", content_type="image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content or jpeg_bytes(), content_type=content_type)


def admin_edit_form(product, **changes):
    """The Wagtail admin's listing edit form as a moderator posts it, unchanged but for
    ``changes``."""
    return {
        "name": product.name,
        "category": product.category,
        "slug": product.slug,
        "price": product.price,
        "unit": product.unit,
        "quantity_available": product.quantity_available,
        "description": product.description,
        "gtin": product.gtin,
        "growing_area": "",
        "ocop_stars": "",
        "ocop_level": "",
        "ocop_decision_number": "",
        "ocop_decision_date": "",
        "ocop_certificate": "",
        **changes,
    }


@pytest.fixture
def make_producer(db):
    def make(members=(), verification=Producer.Verification.VERIFIED, **fields):
        number = next(_slugs)
        fields.setdefault("name", f"HTX Chè Suối Giàng {number}")
        fields.setdefault("slug", f"htx-che-{number}")
        fields.setdefault("province_code", "15")
        fields.setdefault("commune_code", "04672")
        producer = Producer.objects.create(verification=verification, **fields)
        producer.members.add(*members)
        return producer

    return make


@pytest.fixture
def producer(make_producer, producer_user):
    return make_producer(members=[producer_user], name="HTX Chè Shan Tuyết Văn Chấn")


@pytest.fixture
def make_product(db):
    def make(producer, photos=1, **fields):
        number = next(_slugs)
        fields.setdefault("name", f"Chè Shan Tuyết {number}")
        fields.setdefault("slug", f"che-shan-tuyet-{number}")
        fields.setdefault("category", Product.Category.TEA)
        fields.setdefault("price", 450_000)
        fields.setdefault("unit", "gói 200 g")
        fields.setdefault("quantity_available", 30)
        fields.setdefault("shipping_weight_grams", 250)
        fields.setdefault("review_state", Product.Review.APPROVED)
        product = Product.objects.create(producer=producer, **fields)
        for position in range(photos):
            image = prepare_photo(upload(jpeg_bytes(size=(400, 300))), product.name)
            ProductPhoto.objects.create(product=product, image=image, sort_order=position)
        return product

    return make


@pytest.fixture
def catalog_page(home_page):
    page = home_page.add_child(instance=CatalogPage(title="Sản phẩm", slug="san-pham"))
    return page


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def empty_cache():
    """Wagtail caches renditions by image id; SQLite reuses ids after each test's rollback."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def delivery():
    """A buyer with an address in Hà Nội (another province than the demo farms)."""
    from marketplace.checkout import Buyer

    def make(**fields):
        fields.setdefault("name", "Nguyễn Thu Hà")
        fields.setdefault("phone", "0912345678")
        fields.setdefault("province_code", "01")
        fields.setdefault("commune_code", "00004")
        fields.setdefault("street", "12 Hàng Bông")
        return Buyer(**fields)

    return make


@pytest.fixture
def place(delivery):
    """place(products_and_quantities, method="cod", **buyer_fields) -> Order, with the total
    the buyer would have reviewed."""
    import uuid

    from marketplace.cart import load_products, summarize
    from marketplace.checkout import place_order

    def make(items, method="cod", token=None, **fields):
        buyer = delivery(**fields)
        quantities = {product.pk: quantity for product, quantity in items}
        summary = summarize(quantities, load_products(quantities), buyer.province_code)
        return place_order(
            checkout_token=token or uuid.uuid4(),
            items=[(product.pk, quantity) for product, quantity in items],
            buyer=buyer,
            method=method,
            expected_total=summary.total,
        )

    return make


@pytest.fixture
def prepaid_method():
    """A prepaid method as the real ones leave an order (a pending Payment for the total,
    stock held, waiting for the money), with no provider behind it: returns its method code."""
    from marketplace.models import Payment, PaymentMethod
    from marketplace.payments import registry
    from marketplace.payments.base import PaymentAdapter

    class TestPrepaid(PaymentAdapter):
        method = PaymentMethod.CARD
        prepaid = True

        def start(self, order):
            Payment.objects.create(
                order=order, method=self.method, amount=order.total, provider_id=order.number
            )

        def refund(self, payment):
            return True

    registry._load()
    saved = dict(registry._adapters)
    registry._adapters[PaymentMethod.CARD] = TestPrepaid()
    yield PaymentMethod.CARD
    registry._adapters.clear()
    registry._adapters.update(saved)


@pytest.fixture
def prepaid_transfer():
    """A prepaid method under VIETQR for the tests of pages around orders: it opens a pending
    payment at placing, says the buyer pays on /thanh-toan-thu/<number>/, and refunds by
    itself. Yields the list of refunded payments."""
    from marketplace.models import Payment, PaymentMethod
    from marketplace.payments import registry
    from marketplace.payments.base import PaymentAdapter

    refunded = []

    class TestTransfer(PaymentAdapter):
        method = PaymentMethod.VIETQR
        prepaid = True

        def start(self, order):
            Payment.objects.create(order=order, method=self.method, amount=order.total)

        def next_url(self, order):
            return f"/thanh-toan-thu/{order.number}/"

        def refund(self, payment):
            refunded.append(payment.pk)
            return True

    registry._load()  # before saving: a module imported once never registers again
    saved = dict(registry._adapters)
    registry._adapters[PaymentMethod.VIETQR] = TestTransfer()
    yield refunded
    registry._adapters.clear()
    registry._adapters.update(saved)


@pytest.fixture
def bank_keys(settings):
    """The platform's VietQR account and both bank-webhook keys, as a test sets them."""
    from tests.marketplace.bank_support import API_KEY, SECRET

    settings.BANK_WEBHOOK_SECRET = SECRET
    settings.BANK_WEBHOOK_API_KEY = API_KEY
    settings.VIETQR_BANK_BIN = "970436"
    settings.VIETQR_ACCOUNT_NUMBER = "0011004321987"
    settings.VIETQR_ACCOUNT_NAME = "CONG TY CHO PHIEN"
    return settings


@pytest.fixture
def vietqr_tea(producer, make_product):
    """Ten packets of tea at 450.000 ₫, for the bank-transfer tests."""
    return make_product(
        producer, photos=0, name="Chè Shan Tuyết", price=450_000, quantity_available=10
    )


@pytest.fixture
def vietqr_order(bank_keys, place, vietqr_tea):
    """An order of 2 teas placed with VietQR, waiting for its money."""
    from marketplace.order_models import PaymentMethod

    return place([(vietqr_tea, 2)], method=PaymentMethod.VIETQR)
