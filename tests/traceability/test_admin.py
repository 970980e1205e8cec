"""Moderators see batches, print runs, scans and flagged labels in the Wagtail admin."""

import pytest

from traceability import services


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


def test_moderator_sees_flagged_labels_first(admin_client, run, settings):
    settings.TRACEABILITY_MAX_SCANS_PER_LABEL = 0
    flagged = run.labels.order_by("position").last()
    services.record_scan(gtin="x", lot=run.batch.lot, serial=flagged.serial, label=flagged)
    page = admin_client.get("/admin/snippets/traceability/label/").content.decode()
    assert page.index(flagged.serial) < min(
        page.index(other.serial) for other in run.labels.exclude(pk=flagged.pk)
    )
    only_flagged = admin_client.get("/admin/snippets/traceability/label/?flagged=true")
    assert flagged.serial in only_flagged.content.decode()
    assert run.labels.first().serial not in only_flagged.content.decode()


def test_moderator_voids_a_label(admin_client, label):
    url = f"/admin/snippets/traceability/label/edit/{label.pk}/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"voided": "on", "void_reason": "Tem giả trên chợ"})
    assert response.status_code == 302
    label.refresh_from_db()
    assert label.is_voided and label.void_reason == "Tem giả trên chợ"


@pytest.mark.parametrize("model", ["batch", "traceevent", "labelprintrun", "scan"])
def test_moderator_can_browse_each_list(admin_client, run, model):
    assert admin_client.get(f"/admin/snippets/traceability/{model}/").status_code == 200


def test_a_farmer_cannot_open_the_admin_lists(client, producer_user):
    client.force_login(producer_user)
    assert client.get("/admin/snippets/traceability/label/").status_code in {302, 403}


def test_trace_records_cannot_be_edited_in_the_admin_even_by_a_superuser(client, batch, make_user):
    superuser = make_user(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    event = batch.events.get()
    assert client.get("/admin/snippets/traceability/traceevent/").status_code == 200
    assert (
        client.get(f"/admin/snippets/traceability/traceevent/inspect/{event.pk}/").status_code
        == 200
    )
    for url in (
        f"/admin/snippets/traceability/traceevent/edit/{event.pk}/",
        f"/admin/snippets/traceability/traceevent/delete/{event.pk}/",
        "/admin/snippets/traceability/traceevent/add/",
        f"/admin/snippets/traceability/batch/delete/{batch.pk}/",
    ):
        assert client.get(url).status_code in {302, 403}, url
    assert batch.events.count() == 1


def test_the_admin_menu_leads_moderators_to_flagged_labels(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "/admin/snippets/traceability/label/?flagged=true" in page
