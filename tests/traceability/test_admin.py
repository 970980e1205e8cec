"""Moderators see batches, print runs, scans and flagged labels in the Wagtail admin."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from traceability import printing, scans

from .conftest import GTIN


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


def test_moderator_sees_flagged_labels_first(admin_client, run, settings):
    settings.TRACEABILITY_MAX_NETWORKS_PER_LABEL = 1
    flagged = run.labels.order_by("position").last()
    # the scans are logged, then counted by the minute's drain
    for ip in ("14.160.1.5", "27.72.3.1"):
        scans.record_scan(gtin="x", lot=run.batch.lot, serial=flagged.serial, label=flagged, ip=ip)
    scans.drain_scans()
    page = admin_client.get("/admin/snippets/traceability/label/").content.decode()
    assert page.index(flagged.serial) < min(
        page.index(other.serial) for other in run.labels.exclude(pk=flagged.pk)
    )
    only_flagged = admin_client.get("/admin/snippets/traceability/label/?flagged=true")
    assert flagged.serial in only_flagged.content.decode()
    assert run.labels.first().serial not in only_flagged.content.decode()


def label_page(client, label):
    path = f"/01/{GTIN}/10/{label.batch.lot}/21/{label.serial}"
    return client.get(path, HTTP_ACCEPT_LANGUAGE="vi").content.decode()


def test_moderator_voids_a_label_with_a_reason(admin_client, client, label, moderator):
    list_page = admin_client.get("/admin/snippets/traceability/label/").content.decode()
    assert f"/admin/snippets/traceability/label/void/{label.pk}/" in list_page
    url = f"/admin/snippets/traceability/label/void/{label.pk}/"
    assert "Hủy tem" in admin_client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    response = admin_client.post(url, {"reason": "Tem giả trên chợ"}, follow=True)
    assert response.status_code == 200
    assert f"Đã hủy tem {label.serial}" in response.content.decode()
    label.refresh_from_db()
    assert label.is_voided and label.void_reason == "Tem giả trên chợ"
    entry = label.voidings.get()
    assert (entry.action, entry.reason, entry.by) == ("void", "Tem giả trên chợ", moderator)
    client.logout()
    assert "đã bị nhà sản xuất hủy" in label_page(client, label)


def test_voiding_without_a_reason_changes_nothing(admin_client, client, label):
    url = f"/admin/snippets/traceability/label/void/{label.pk}/"
    response = admin_client.post(url, {"reason": "  "}, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    assert "Hãy cho biết lý do." in response.content.decode()
    label.refresh_from_db()
    assert not label.is_voided and not label.voidings.exists()
    client.logout()
    assert 'role="alert"' not in label_page(client, label)


def test_moderator_lifts_a_voiding_with_a_reason(admin_client, client, label, moderator):
    printing.void_label(label, "Nhầm số tem", by=moderator)
    url = f"/admin/snippets/traceability/label/unvoid/{label.pk}/"
    list_page = admin_client.get("/admin/snippets/traceability/label/").content.decode()
    assert url in list_page
    assert admin_client.post(url, {"reason": ""}).status_code == 200
    label.refresh_from_db()
    assert label.is_voided
    response = admin_client.post(url, {"reason": "Tem thật, hủy nhầm"})
    assert response.status_code == 302
    label.refresh_from_db()
    assert not label.is_voided and label.void_reason == ""
    assert [(e.action, e.reason) for e in label.voidings.order_by("at", "pk")] == [
        ("void", "Nhầm số tem"),
        ("unvoid", "Tem thật, hủy nhầm"),
    ]
    client.logout()
    assert 'role="alert"' not in label_page(client, label)


def test_a_label_of_a_voided_run_cannot_be_restored_alone(admin_client, run, moderator):
    printing.void_run(run, "Mất tập tem", by=moderator)
    label = run.labels.first()
    url = f"/admin/snippets/traceability/label/unvoid/{label.pk}/"
    response = admin_client.post(url, {"reason": "Tìm thấy"}, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    assert "đợt in" in response.content.decode()
    label.refresh_from_db()
    assert label.is_voided


def test_the_label_edit_form_is_gone(admin_client, label):
    for url in (
        f"/admin/snippets/traceability/label/edit/{label.pk}/",
        f"/admin/snippets/traceability/label/delete/{label.pk}/",
        "/admin/snippets/traceability/label/add/",
    ):
        assert admin_client.get(url).status_code in {302, 403, 404}, url
    response = admin_client.post(
        f"/admin/snippets/traceability/label/edit/{label.pk}/",
        {"voided": "on", "void_reason": "x", "flagged_at": "2026-01-01 00:00"},
    )
    assert response.status_code in {302, 403, 404}
    label.refresh_from_db()
    assert (label.voided_at, label.flagged_at, label.void_reason) == (None, None, "")
    inspect = admin_client.get(f"/admin/snippets/traceability/label/inspect/{label.pk}/")
    assert f"/admin/snippets/traceability/label/void/{label.pk}/" in inspect.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "producer", "staff_without_role"])
def test_only_moderators_may_void_or_restore(client, label, producer_user, make_user, who):
    if who == "producer":
        client.force_login(producer_user)
    elif who == "staff_without_role":
        client.force_login(make_user(is_staff=True))
    printing.void_label(label, "Nhầm số tem")
    other = label.print_run.labels.exclude(pk=label.pk).first()
    for url in (
        f"/admin/snippets/traceability/label/void/{other.pk}/",
        f"/admin/snippets/traceability/label/unvoid/{label.pk}/",
    ):
        assert client.get(url).status_code in {302, 403}
        assert client.post(url, {"reason": "Thử"}).status_code in {302, 403}
    other.refresh_from_db()
    label.refresh_from_db()
    assert not other.is_voided and label.is_voided
    assert not other.voidings.exists() and label.voidings.count() == 1


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


def test_the_services_refuse_a_voiding_without_reason_and_a_restore_by_a_farmer(
    label, producer_user
):
    with pytest.raises(ValidationError):
        printing.void_label(label, " ", by=producer_user)
    printing.void_label(label, "Tem rách", by=producer_user)
    with pytest.raises(PermissionDenied):
        printing.unvoid_label(label, "Tem thật", by=producer_user)
    label.refresh_from_db()
    assert label.is_voided and label.voidings.get().by == producer_user
