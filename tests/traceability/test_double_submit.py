"""A batch, a step or a print run sent twice makes one row and never a 500: a double-tapped
print run used to make twice the genuine serials, and a twice-sent batch with an empty lot
became two batches (L…-1 and L…-2).

The threaded tests send the same form from several clients at the same moment; under
`make test-services` they run on PostgreSQL."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.concurrency import clients, form_token, post_together
from traceability.models import Batch, Label, LabelPrintRun, TraceEvent


@pytest.fixture
def farmer(client, producer_user):
    client.force_login(producer_user)
    return client


def batch_form(tea, area, token, lot=""):
    return {
        "product": tea.pk,
        "growing_area": area.pk,
        "lot": lot,
        "harvest_date": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "quantity": "85.5",
        "unit": "kg",
        "submission_token": token,
    }


def step_form(token):
    return {
        "kind": "drying",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "place": "Xưởng HTX",
        "submission_token": token,
    }


def print_form(token, count=25):
    return {"count": count, "layout": "a4-50x50", "submission_token": token}


def step_token(client, batch):
    """The step form's token on the batch page (each form of the page has its own)."""
    url = f"/ban-hang/lo-hang/{batch.pk}/buoc-moi/"
    return form_token(client.get(f"/ban-hang/lo-hang/{batch.pk}/"), action=url)


def print_token(client, batch):
    url = f"/ban-hang/lo-hang/{batch.pk}/in-tem/"
    return form_token(client.get(f"/ban-hang/lo-hang/{batch.pk}/"), action=url)


# --- one after the other ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_batch_with_an_empty_lot_sent_twice_is_one_batch(farmer, tea, area):
    token = form_token(farmer.get("/ban-hang/lo-hang/moi/"))
    first = farmer.post("/ban-hang/lo-hang/moi/", batch_form(tea, area, token))
    second = farmer.post("/ban-hang/lo-hang/moi/", batch_form(tea, area, token))
    batch = Batch.objects.get()
    assert first["Location"] == second["Location"] == f"/ban-hang/lo-hang/{batch.pk}/"
    assert batch.events.count() == 1


@pytest.mark.django_db
def test_a_second_batch_form_with_a_taken_lot_gets_a_message(farmer, tea, area, batch):
    token = form_token(farmer.get("/ban-hang/lo-hang/moi/"))
    response = farmer.post("/ban-hang/lo-hang/moi/", batch_form(tea, area, token, lot=batch.lot))
    assert response.status_code == 200
    assert "Mã lô đã tồn tại" in response.content.decode()
    assert Batch.objects.count() == 1


@pytest.mark.django_db
def test_a_step_sent_twice_is_one_step(farmer, batch):
    token = step_token(farmer, batch)
    first = farmer.post(f"/ban-hang/lo-hang/{batch.pk}/buoc-moi/", step_form(token))
    second = farmer.post(f"/ban-hang/lo-hang/{batch.pk}/buoc-moi/", step_form(token))
    assert first.status_code == second.status_code == 302
    assert list(batch.events.values_list("kind", flat=True)) == ["harvest", "drying"]


@pytest.mark.django_db
def test_a_step_token_cannot_be_replayed_on_another_batch(farmer, batch, tea, area):
    token = step_token(farmer, batch)
    farmer.post(f"/ban-hang/lo-hang/{batch.pk}/buoc-moi/", step_form(token))
    other = Batch.objects.create(
        product=tea,
        growing_area=area,
        lot="L260316-1",
        harvest_date=batch.harvest_date,
        quantity=batch.quantity,
    )
    response = farmer.post(f"/ban-hang/lo-hang/{other.pk}/buoc-moi/", step_form(token))
    assert response.status_code == 400
    assert "Biểu mẫu này đã được gửi một lần rồi." in response.content.decode()
    assert not other.events.exists()


@pytest.mark.django_db
def test_a_print_run_sent_twice_makes_the_serials_once(farmer, batch):
    token = print_token(farmer, batch)
    first = farmer.post(f"/ban-hang/lo-hang/{batch.pk}/in-tem/", print_form(token))
    second = farmer.post(f"/ban-hang/lo-hang/{batch.pk}/in-tem/", print_form(token))
    run = LabelPrintRun.objects.get()
    assert first["Location"] == second["Location"] == f"/ban-hang/in-tem/{run.pk}/"
    assert Label.objects.count() == 25


@pytest.mark.django_db
def test_two_print_forms_make_two_runs(farmer, batch):
    """Printing more labels on purpose still works: each form has its own token."""
    for _n in range(2):
        token = print_token(farmer, batch)
        farmer.post(f"/ban-hang/lo-hang/{batch.pk}/in-tem/", print_form(token, count=3))
    assert LabelPrintRun.objects.count() == 2 and Label.objects.count() == 6


# --- at the same moment -------------------------------------------------------------------


def assert_no_server_error(responses):
    assert all(response is not None for response in responses), "a request did not finish"
    assert [r.status_code for r in responses if r.status_code >= 500] == []


@pytest.mark.django_db(transaction=True)
def test_a_batch_sent_together_is_one_batch(producer_user, tea, area):
    senders = clients(3, producer_user)
    token = form_token(senders[0].get("/ban-hang/lo-hang/moi/"))
    responses = post_together(senders, "/ban-hang/lo-hang/moi/", batch_form(tea, area, token))
    assert_no_server_error(responses)
    batch = Batch.objects.get()
    assert {r["Location"] for r in responses} == {f"/ban-hang/lo-hang/{batch.pk}/"}
    assert batch.events.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_empty_lot_batches_sent_together_get_two_lots(producer_user, tea, area):
    """Two batch forms on purpose, with the lot left to suggest: two batches with distinct
    lots, where the second used to fail on the lot's unique key."""
    senders = clients(2, producer_user)
    forms = [
        batch_form(tea, area, form_token(sender.get("/ban-hang/lo-hang/moi/")))
        for sender in senders
    ]
    responses = post_together(senders, "/ban-hang/lo-hang/moi/", forms)
    assert_no_server_error(responses)
    assert sorted(Batch.objects.values_list("lot", flat=True)) == [
        f"L{timezone.localdate() - timedelta(days=2):%y%m%d}-1",
        f"L{timezone.localdate() - timedelta(days=2):%y%m%d}-2",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_step_sent_together_is_one_step(producer_user, batch):
    senders = clients(3, producer_user)
    token = step_token(senders[0], batch)
    responses = post_together(senders, f"/ban-hang/lo-hang/{batch.pk}/buoc-moi/", step_form(token))
    assert_no_server_error(responses)
    assert TraceEvent.objects.filter(batch=batch, kind="drying").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_print_run_sent_together_makes_the_serials_once(producer_user, batch):
    senders = clients(3, producer_user)
    token = print_token(senders[0], batch)
    responses = post_together(senders, f"/ban-hang/lo-hang/{batch.pk}/in-tem/", print_form(token))
    assert_no_server_error(responses)
    run = LabelPrintRun.objects.get()
    assert {r["Location"] for r in responses} == {f"/ban-hang/in-tem/{run.pk}/"}
    assert Label.objects.count() == 25
