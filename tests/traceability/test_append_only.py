"""Every audit trail is append-only (accounts.audit.AuditRecord): a row is added, then never
changed or deleted, by instance or by QuerySet. The rows of all apps are built here, where the
fixtures for areas, producers, products, batches and labels live."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.audit import AppendOnlyError
from growing_areas.models import GrowingArea, StatusChange
from marketplace.models import ListingEvent, OrderEvent
from traceability import printing, services
from traceability.models import LabelVoiding, Scan, TraceAttachment, TraceEvent

from .conftest import photo_upload


def _listing_event(batch, label, user):
    return ListingEvent.objects.create(
        producer=batch.product.producer,
        product=batch.product,
        actor=user,
        action=ListingEvent.Action.EDITED,
    )


def _status_change(batch, label, user):
    return batch.growing_area.change_status(
        GrowingArea.Status.SUSPENDED, reason="Kiểm tra dư lượng", by=user
    )


def _trace_event(batch, label, user):
    return services.record_event(batch, kind="drying", occurred_at=timezone.now(), by=user)


def _trace_attachment(batch, label, user):
    event = services.record_event(
        batch, kind="drying", occurred_at=timezone.now(), by=user, photos=[photo_upload()]
    )
    return event.attachments.get()


def _label_voiding(batch, label, user):
    printing.void_label(label, reason="Tem bị rách", by=user)
    return label.voidings.get()


def _scan(batch, label, user):
    return Scan.objects.create(
        label=label,
        gtin=batch.gtin,
        lot=batch.lot,
        serial=label.serial,
        outcome=Scan.Outcome.GENUINE,
        network_hash="ab" * 32,
    )


def _order_event(batch, label, user):
    """An order of the batch's product, placed and confirmed: its events are written by
    ``checkout``; the last one is tried here."""
    import uuid

    from marketplace.cart import load_products, summarize
    from marketplace.checkout import Buyer, place_order
    from marketplace.models import Product

    product = batch.product
    Product.objects.filter(pk=product.pk).update(quantity_available=5)
    buyer = Buyer(name="Người mua", phone="0987654321", province_code="01", commune_code="00004")
    summary = summarize({product.pk: 1}, load_products([product.pk]), "01")
    order = place_order(
        checkout_token=uuid.uuid4(),
        items=[(product.pk, 1)],
        buyer=buyer,
        method="cod",
        expected_total=summary.total,
    )
    return order.events.last()


# (how a service or the code writes one, a field to try changing, a value)
AUDIT_ROWS = {
    ListingEvent: (_listing_event, "note", "sửa lịch sử"),
    StatusChange: (_status_change, "reason", "sửa lý do"),
    TraceEvent: (_trace_event, "note", "sửa"),
    TraceAttachment: (_trace_attachment, "title", "ảnh khác"),
    LabelVoiding: (_label_voiding, "reason", "không lý do"),
    Scan: (_scan, "outcome", Scan.Outcome.VOIDED),
    OrderEvent: (_order_event, "note", "sửa lý do"),
}


@pytest.fixture(params=list(AUDIT_ROWS), ids=lambda model: model.__name__)
def audit_row(request, batch, label, producer_user):
    make, field, value = AUDIT_ROWS[request.param]
    row = make(batch, label, producer_user)
    assert isinstance(row, request.param) and row.pk
    return row, field, value


def test_an_audit_row_is_created(audit_row):
    row, field, _ = audit_row
    stored = type(row).objects.get(pk=row.pk)
    assert getattr(stored, field) == getattr(row, field)


def test_an_audit_row_cannot_be_changed_by_saving_it(audit_row):
    row, field, value = audit_row
    before = getattr(row, field)
    setattr(row, field, value)
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.save(update_fields=[field])
    row.refresh_from_db()
    assert getattr(row, field) == before


def test_an_audit_row_cannot_be_changed_through_its_queryset(audit_row):
    row, field, value = audit_row
    model = type(row)
    before = getattr(row, field)
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=row.pk).update(**{field: value})
    setattr(row, field, value)
    with transaction.atomic(), pytest.raises(AppendOnlyError):
        model.objects.bulk_update([row], [field])
    with transaction.atomic(), pytest.raises(AppendOnlyError):  # an upsert overwrites
        model.objects.bulk_create(
            [row], update_conflicts=True, unique_fields=["id"], update_fields=[field]
        )
    assert getattr(model.objects.get(pk=row.pk), field) == before


def test_an_audit_row_cannot_be_deleted(audit_row):
    row, _, _ = audit_row
    model = type(row)
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=row.pk).delete()
    with pytest.raises(AppendOnlyError):
        model.objects.all().delete()
    assert model.objects.filter(pk=row.pk).exists()


def test_a_new_object_with_an_existing_key_does_not_overwrite_the_row(audit_row):
    row, field, value = audit_row
    model = type(row)
    copy = model.objects.get(pk=row.pk)
    copy._state.adding = True  # as if built afresh with the same primary key
    setattr(copy, field, value)
    with transaction.atomic(), pytest.raises(IntegrityError):
        copy.save()
    assert getattr(model.objects.get(pk=row.pk), field) == getattr(row, field)


def test_the_label_history_keeps_its_label(label, producer_user):
    printing.void_label(label, reason="Tem bị rách", by=producer_user)
    with pytest.raises(ProtectedError):
        label.delete()
    assert label.voidings.count() == 1


def test_an_area_with_a_status_history_cannot_be_deleted(make_area, producer_user):
    area = make_area()
    area.change_status(GrowingArea.Status.REVOKED, reason="Hết hạn", by=producer_user)
    with pytest.raises(ProtectedError):
        area.delete()
    assert area.status_changes.count() == 1


def test_voiding_a_run_records_each_newly_voided_labels_voiding(run, label, producer_user):
    printing.void_label(label, reason="Tem bị rách", by=producer_user)
    assert printing.void_run(run, reason="Mất tập tem", by=producer_user) == 4
    assert label.voidings.count() == 1  # voided before: no second entry
    others = run.labels.exclude(pk=label.pk)
    assert sorted(
        LabelVoiding.objects.filter(label__in=others).values_list("label", "action", "reason")
    ) == sorted((other.pk, "void", "Mất tập tem") for other in others)
    assert all(v.by == producer_user for v in LabelVoiding.objects.filter(label__in=others))
