"""A farmer records batches and steps from the phone under /ban-hang/lo-hang/."""

import pytest

from growing_areas.models import GrowingArea
from marketplace.models import Producer
from traceability.models import Batch, TraceEvent

from .conftest import photo_upload


@pytest.fixture
def farmer(client, producer_user):
    client.force_login(producer_user)
    return client


def test_farmer_records_a_batch_with_a_suggested_lot(farmer, tea, area):
    form = farmer.get("/ban-hang/lo-hang/moi/").content.decode()
    assert area.code in form and tea.name in form
    response = farmer.post(
        "/ban-hang/lo-hang/moi/",
        {
            "product": tea.pk,
            "growing_area": area.pk,
            "lot": "",
            "harvest_date": "2026-03-15",
            "quantity": "85.5",
            "unit": "kg",
        },
    )
    batch = Batch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/ban-hang/lo-hang/{batch.pk}/"
    assert batch.lot == "L260315-1" and batch.events.get().kind == "harvest"
    assert "L260315-1" in farmer.get("/ban-hang/lo-hang/").content.decode()


def test_suspended_areas_are_not_offered(farmer, tea, make_area, moderator):
    suspended = make_area(code="LC-VC-CHE-999")
    suspended.change_status(GrowingArea.Status.SUSPENDED, reason="Kiểm tra", by=moderator)
    response = farmer.post(
        "/ban-hang/lo-hang/moi/",
        {
            "product": tea.pk,
            "growing_area": suspended.pk,
            "harvest_date": "2026-03-15",
            "quantity": "1",
            "unit": "kg",
        },
    )
    assert response.status_code == 200 and not Batch.objects.exists()
    assert "LC-VC-CHE-999" not in response.content.decode()


def test_farmer_cannot_record_for_someone_elses_product(client, make_user, tea, area):
    stranger = make_user("producer")
    Producer.objects.create(
        name="Hộ khác", slug="ho-khac", province_code="15", commune_code="04672"
    ).members.add(stranger)
    client.force_login(stranger)
    response = client.post(
        "/ban-hang/lo-hang/moi/",
        {
            "product": tea.pk,
            "growing_area": area.pk,
            "harvest_date": "2026-03-15",
            "quantity": "1",
            "unit": "kg",
        },
    )
    assert response.status_code == 200 and not Batch.objects.exists()


def test_an_account_acting_for_no_producer_cannot_open_the_batch_pages(client, make_user):
    """A buyer's account, postal staff: no batch form to fill in for anybody."""
    for user in (make_user(), make_user("postal_staff")):
        client.force_login(user)
        assert client.get("/ban-hang/lo-hang/moi/").status_code == 403
        assert client.get("/ban-hang/lo-hang/").status_code == 403


def test_farmer_records_a_step_with_photos_and_a_correction(farmer, batch):
    response = farmer.post(
        f"/ban-hang/lo-hang/{batch.pk}/buoc-moi/",
        {
            "kind": "withering",
            "occurred_at": "2026-03-15T14:00",
            "place": "Xưởng",
            "note": "Héo 10 giờ",
            "photos": [photo_upload(), photo_upload()],
        },
    )
    assert response.status_code == 302
    step = batch.events.get(kind="withering")
    assert step.attachments.count() == 2 and step.recorded_by is not None
    farmer.post(
        f"/ban-hang/lo-hang/{batch.pk}/buoc-moi/",
        {
            "kind": "withering",
            "occurred_at": "2026-03-15T15:00",
            "note": "Héo 12 giờ",
            "corrects": step.pk,
        },
    )
    assert TraceEvent.objects.get(corrects=step).note == "Héo 12 giờ"
    assert batch.events.count() == 3


def test_an_inspection_without_certificate_is_refused_with_a_message(farmer, batch):
    response = farmer.post(
        f"/ban-hang/lo-hang/{batch.pk}/buoc-moi/",
        {"kind": "inspection", "occurred_at": "2026-03-18T09:00"},
    )
    assert response.status_code == 400
    assert batch.events.count() == 1


def test_batch_list_needs_login(client):
    assert client.get("/ban-hang/lo-hang/").status_code == 302
