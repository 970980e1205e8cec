"""Batches and append-only trace events."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from growing_areas.models import GrowingArea
from traceability import gtins, services
from traceability.models import AllocatedGtin, AppendOnlyError, Batch, TraceEvent

from .conftest import GTIN, pdf_upload, photo_upload


def test_recording_a_batch_adds_its_harvest_event(batch, area, producer_user):
    harvest = batch.events.get()
    assert harvest.kind == TraceEvent.Kind.HARVEST
    assert harvest.recorded_by == producer_user
    assert harvest.latitude == area.latitude
    assert batch.gtin == GTIN
    assert batch.lot_path == f"/01/{GTIN}/10/L260315-1"


@pytest.mark.parametrize("status", [GrowingArea.Status.SUSPENDED, GrowingArea.Status.REVOKED])
def test_a_batch_needs_an_active_growing_area(tea, make_area, status):
    area = make_area(status=status)
    with pytest.raises(ValidationError) as caught:
        services.record_batch(
            product=tea,
            growing_area=area,
            harvest_date=date(2026, 3, 1),
            quantity=Decimal(10),
            unit="kg",
        )
    assert "growing_area" in caught.value.error_dict
    assert not Batch.objects.exists()


def test_lot_is_suggested_and_unique_per_product(tea, area, make_product):
    day = date(2026, 3, 15)
    first = services.record_batch(
        product=tea, growing_area=area, harvest_date=day, quantity=Decimal(5), unit="kg"
    )
    second = services.record_batch(
        product=tea, growing_area=area, harvest_date=day, quantity=Decimal(5), unit="kg"
    )
    assert (first.lot, second.lot) == ("L260315-1", "L260315-2")
    with pytest.raises(ValidationError) as caught:
        services.record_batch(
            product=tea,
            growing_area=area,
            harvest_date=day,
            lot="L260315-1",
            quantity=Decimal(5),
            unit="kg",
        )
    assert "lot" in caught.value.error_dict
    # another product may use the same lot code
    other = make_product(gtin="8934588012228")
    services.record_batch(
        product=other,
        growing_area=area,
        harvest_date=day,
        lot="L260315-1",
        quantity=Decimal(5),
        unit="kg",
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"lot": "Lô 1"}, "lot"),
        ({"lot": "L" * 21}, "lot"),
        ({"harvest_date": timezone.localdate() + timedelta(days=2)}, "harvest_date"),
        ({"packing_date": date(2026, 3, 1)}, "packing_date"),
        ({"best_before": date(2026, 3, 10)}, "best_before"),
        ({"quantity": Decimal(0)}, "quantity"),
    ],
)
def test_batch_fields_are_checked(tea, area, fields, field):
    data = {"harvest_date": date(2026, 3, 15), "quantity": Decimal(5), "unit": "kg", **fields}
    with pytest.raises(ValidationError) as caught:
        services.record_batch(product=tea, growing_area=area, **data)
    assert field in caught.value.error_dict
    assert not Batch.objects.exists()


def test_a_product_without_gtin_gets_one_allocated_and_never_reused(make_product, area):
    first, second = make_product(gtin=""), make_product(gtin="")
    services.record_batch(
        product=second,
        growing_area=area,
        harvest_date=date(2026, 3, 1),
        quantity=Decimal(1),
        unit="kg",
    )
    gtins.ensure_gtin(first)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.gtin == "08939999000017" and first.gtin == "08939999000024"
    assert gtins.ensure_gtin(second) == second.gtin  # asked again: the same number
    gone = first.gtin
    first.delete()
    third = make_product(gtin="")
    assert gtins.ensure_gtin(third) not in {gone, second.gtin}
    assert AllocatedGtin.objects.count() == 3


def test_an_invalid_own_gtin_is_not_replaced_silently(make_product):
    with pytest.raises(ValidationError):
        gtins.ensure_gtin(make_product(gtin="8934588012227"))


def test_trace_events_cannot_be_changed_or_deleted(batch):
    event = batch.events.get()
    event.note = "sửa"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        TraceEvent.objects.filter(pk=event.pk).update(note="sửa")
    with pytest.raises(AppendOnlyError):
        TraceEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.note == ""


def test_a_correction_is_a_new_event_naming_the_old_one(batch, producer_user):
    wrong = services.record_event(
        batch, kind="drying", occurred_at=timezone.now(), by=producer_user, note="90 độ"
    )
    fixed = services.record_event(
        batch,
        kind="drying",
        occurred_at=timezone.now(),
        by=producer_user,
        note="80 độ",
        corrects=wrong,
    )
    assert list(wrong.corrections.all()) == [fixed]
    assert batch.events.count() == 3


def test_a_correction_must_be_for_the_same_batch(batch, tea, area, producer_user):
    other = services.record_batch(
        product=tea,
        growing_area=area,
        harvest_date=date(2026, 3, 1),
        quantity=Decimal(1),
        unit="kg",
    )
    with pytest.raises(ValidationError):
        services.record_event(
            batch,
            kind="drying",
            occurred_at=timezone.now(),
            by=producer_user,
            corrects=other.events.get(),
        )


def test_an_inspection_needs_its_certificate(batch, producer_user):
    with pytest.raises(ValidationError):
        services.record_event(
            batch, kind="inspection", occurred_at=timezone.now(), by=producer_user
        )
    event = services.record_event(
        batch,
        kind="inspection",
        occurred_at=timezone.now(),
        by=producer_user,
        documents=[pdf_upload()],
    )
    assert event.attachments.get().document.name.endswith(".pdf")


def test_photos_and_documents_are_checked_and_nothing_partial_is_saved(batch, producer_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake_photo = SimpleUploadedFile("anh.jpg", b"not a picture", "image/jpeg")
    with pytest.raises(ValidationError):
        services.record_event(
            batch,
            kind="drying",
            occurred_at=timezone.now(),
            by=producer_user,
            photos=[photo_upload(), fake_photo],
        )
    fake_pdf = SimpleUploadedFile("kq.pdf", b"<html>", "application/pdf")
    with pytest.raises(ValidationError):
        services.record_event(
            batch,
            kind="inspection",
            occurred_at=timezone.now(),
            by=producer_user,
            documents=[fake_pdf],
        )
    with pytest.raises(ValidationError):
        services.record_event(
            batch,
            kind="drying",
            occurred_at=timezone.now(),
            by=producer_user,
            photos=[photo_upload() for _ in range(6)],
        )
    assert batch.events.count() == 1
    event = services.record_event(
        batch,
        kind="drying",
        occurred_at=timezone.now(),
        by=producer_user,
        photos=[photo_upload(), photo_upload()],
    )
    assert event.attachments.filter(image__isnull=False).count() == 2


def test_future_events_are_refused(batch, producer_user):
    with pytest.raises(ValidationError):
        services.record_event(
            batch, kind="drying", by=producer_user, occurred_at=timezone.now() + timedelta(days=1)
        )


def test_a_batch_needs_an_unexpired_area_code(tea, make_area):
    area = make_area(valid_until=timezone.localdate() - timedelta(days=1))
    with pytest.raises(ValidationError) as caught:
        services.record_batch(
            product=tea,
            growing_area=area,
            harvest_date=date(2026, 3, 1),
            quantity=Decimal(1),
            unit="kg",
        )
    assert "growing_area" in caught.value.error_dict


def test_products_are_found_by_any_length_of_the_same_gtin(make_product):
    thirteen = make_product(gtin="8934588012228")
    fourteen = make_product(gtin="18934588012225")  # another trade item: indicator digit 1
    assert gtins.find_product("08934588012228") == thirteen
    assert gtins.find_product("18934588012225") == fourteen
    eight = make_product(gtin="96385074")
    assert gtins.find_product("00000096385074") == eight
    assert gtins.find_product("10000096385071") is None
