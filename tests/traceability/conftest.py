"""Fixtures for batches, events and labels: a Shan Tuyết tea producer in Xã Văn Chấn."""

import io
import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from growing_areas.models import GrowingArea
from marketplace.models import Producer, Product

GTIN = "08939999000017"
_numbers = itertools.count(1)

BOUNDARY = {
    "type": "Polygon",
    "coordinates": [
        [[104.6512, 21.6402], [104.6659, 21.6418], [104.6668, 21.6297], [104.6512, 21.6402]]
    ],
}


def photo_upload(name="buoc.jpg", color=(40, 120, 60)):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def pdf_bytes():
    """A real one-page PDF, as a scanned certificate would be."""
    writer = PdfWriter()
    writer.add_blank_page(width=420, height=595)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_upload(name="chung-nhan.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), "application/pdf")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Photos, certificates and label PDFs go to a temporary folder, not the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def make_area(db):
    def make(**fields):
        number = next(_numbers)
        fields.setdefault("code", f"LC-VC-CHE-{number:03d}")
        fields.setdefault("name", "Vùng chè Shan Tuyết cổ thụ Suối Giàng")
        fields.setdefault("crop", "Chè")
        fields.setdefault("area_ha", Decimal("120.5"))
        fields.setdefault("province_code", "15")
        fields.setdefault("commune_code", "04672")
        fields.setdefault("holder_name", "HTX Chè Shan Tuyết Suối Giàng")
        fields.setdefault("issued_by", "Chi cục Trồng trọt và BVTV Lào Cai")
        fields.setdefault("issued_on", date(2024, 5, 1))
        fields.setdefault("latitude", Decimal("21.635200"))
        fields.setdefault("longitude", Decimal("104.659100"))
        fields.setdefault("boundary", BOUNDARY)
        return GrowingArea.objects.create(**fields)

    return make


@pytest.fixture
def area(make_area):
    return make_area()


@pytest.fixture
def tea_producer(db, producer_user):
    producer = Producer.objects.create(
        name="HTX Chè Shan Tuyết Văn Chấn",
        slug="htx-che-shan-tuyet-van-chan",
        story="Chúng tôi hái búp chè từ những cây cổ thụ hàng trăm năm tuổi.",
        province_code="15",
        commune_code="04672",
        verification=Producer.Verification.VERIFIED,
    )
    producer.members.add(producer_user)
    return producer


@pytest.fixture
def make_product(db, tea_producer):
    def make(**fields):
        number = next(_numbers)
        fields.setdefault("producer", tea_producer)
        fields.setdefault("name", "Chè Shan Tuyết Suối Giàng")
        fields.setdefault("slug", f"che-shan-tuyet-{number}")
        fields.setdefault("category", Product.Category.TEA)
        fields.setdefault("price", 450_000)
        fields.setdefault("unit", "gói 200 g")
        fields.setdefault("shipping_weight_grams", 250)  # a listing sent for review has one
        fields.setdefault("review_state", Product.Review.APPROVED)
        return Product.objects.create(**fields)

    return make


@pytest.fixture
def tea(make_product):
    return make_product(gtin=GTIN[1:])  # stored as a GTIN-13, as farmers type it


@pytest.fixture
def batch(tea, area, producer_user):
    from traceability import services

    return services.record_batch(
        product=tea,
        growing_area=area,
        lot="L260315-1",
        harvest_date=date(2026, 3, 15),
        quantity=Decimal("120.5"),
        unit="kg",
        best_before=date(2027, 3, 15),
        by=producer_user,
    )


@pytest.fixture
def run(batch, producer_user):
    from traceability import printing

    return printing.issue_labels(batch, 5, "a4-50x50", by=producer_user, build=False)


@pytest.fixture
def label(run):
    return run.labels.order_by("position").first()
