"""accounts.audit: one append-only base for every history table, whose parents never cascade
into it, shown read-only in the admin. (Each model's rows are tried in
tests/traceability/test_append_only.py, where the fixtures for all of them live.)"""

import pytest
from django.db import models, transaction
from django.db.models.deletion import Collector

from accounts.audit import AppendOnlyError, audit_models
from accounts.roles import Role
from marketplace.models import ListingEvent, Producer

HISTORIES = {
    "growing_areas.StatusChange",
    "marketplace.ListingEvent",
    "marketplace.OrderEvent",
    "postal_pickup.CodRemittance",
    "postal_pickup.CodRemittanceLine",
    "postal_pickup.PickupJobEvent",
    "traceability.LabelVoiding",
    "traceability.Scan",
    "traceability.TraceAttachment",
    "traceability.TraceEvent",
}


def test_every_history_table_is_append_only():
    assert {model._meta.label for model in audit_models()} == HISTORIES


@pytest.mark.parametrize("model", audit_models(), ids=lambda model: model._meta.label)
def test_no_parent_deletion_cascades_into_a_history(model):
    for field in model._meta.get_fields():
        if isinstance(field, models.ForeignKey):
            assert field.remote_field.on_delete in (models.PROTECT, models.SET_NULL), field


@pytest.fixture
def listing_event(db, producer_user):
    producer = Producer.objects.create(
        name="HTX Chè Suối Giàng", slug="htx-che-suoi-giang", province_code="15"
    )
    return ListingEvent.objects.create(
        producer=producer, actor=producer_user, action=ListingEvent.Action.PRODUCER_CREATED
    )


def test_a_cascade_reaching_a_history_row_is_refused_and_rolled_back(listing_event):
    """What a parent's CASCADE would do: Django's collector deletes the row without calling
    its delete()."""
    collector = Collector(using="default")
    collector.collect([listing_event])
    with transaction.atomic(), pytest.raises(AppendOnlyError):
        collector.delete()
    assert ListingEvent.objects.filter(pk=listing_event.pk).exists()


def test_a_history_error_says_what_cannot_be_changed(listing_event):
    from django.utils import translation

    with translation.override("vi"), pytest.raises(AppendOnlyError) as caught:
        listing_event.delete()
    assert caught.value.messages == [
        "Lịch sử tin đăng: bản ghi được giữ nguyên như khi ghi, không thể xoá."
    ]


@pytest.mark.parametrize("model", audit_models(), ids=lambda model: model._meta.label)
def test_the_admin_lets_even_a_superuser_only_look(model, make_user):
    from wagtail.permissions import policy_registry

    superuser = make_user(is_superuser=True)
    policy = policy_registry.get_by_type(model)
    assert policy.user_has_permission(superuser, "view")
    for action in ("add", "change", "delete"):
        assert not policy.user_has_permission(superuser, action), action


def test_the_listing_history_admin_has_no_edit_or_delete(client, make_user, listing_event):
    superuser = make_user(Role.MODERATOR, is_superuser=True, is_staff=True)
    client.force_login(superuser)
    base = "/admin/snippets/marketplace/listingevent"
    assert client.get(f"{base}/").status_code == 200
    assert client.get(f"{base}/inspect/{listing_event.pk}/").status_code == 200
    for url in (f"{base}/edit/{listing_event.pk}/", f"{base}/delete/{listing_event.pk}/"):
        assert client.post(url, {"note": "sửa"}).status_code in (302, 403), url
    listing_event.refresh_from_db()
    assert listing_event.note == ""
    assert ListingEvent.objects.filter(pk=listing_event.pk).exists()
