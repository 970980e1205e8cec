"""The carrier's status webhook /webhooks/buu-dien/ (postal_pickup/carrier.py): signed with
CARRIER_WEBHOOK_SECRET, stored in the webhook inbox first, each event applied once, an event
older than the job's latest change ignored, bad input answered 400 and never acted on."""

import json
import time
from datetime import timedelta

import pytest

from marketplace.models import Order, SellerOrder
from marketplace.order_models import WebhookEvent
from marketplace.tasks import retry_webhooks
from marketplace.webhooks import process
from postal_pickup import services
from postal_pickup.models import PickupJob
from tests.postal_pickup.carrier_support import HANOI, SECRET, event_body, post

S = PickupJob.Status


@pytest.fixture(autouse=True)
def secret(settings):
    settings.CARRIER_WEBHOOK_SECRET = SECRET


@pytest.fixture
def job(office, seller_order, postal_staff):
    job = services.create_job(seller_order)[0]
    return services.mark_picked_up(job, postal_staff, 1, 900)


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """Post a call and run what it queued after commit, as the worker would."""

    def send(body, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(client, body, **kwargs)

    return send


def state(job):
    job.refresh_from_db()
    return (
        job.status,
        job.events.count(),
        SellerOrder.objects.get(pk=job.seller_order_id).status,
        job.cod_collected,
    )


def test_a_signed_event_moves_the_parcel_and_is_kept_in_the_inbox(send, job):
    body = event_body(job.sscc, "in_transit", note="Đến bưu cục Yên Bái")
    response = send(body)
    assert response.status_code == 200 and response.json()["ok"] is True
    job.refresh_from_db()
    assert job.status == S.IN_TRANSIT
    event = job.events.last()
    assert "Đến bưu cục Yên Bái" in event.note and event.actor is None
    stored = WebhookEvent.objects.get(provider="carrier")
    assert stored.signature_valid and stored.processed_at and stored.body == body.decode()


def test_delivered_cod_records_the_cash_collected(send, job):
    send(event_body(job.sscc, "out_for_delivery"))
    occurred = job.events.last().created_at + timedelta(hours=2)
    send(event_body(job.sscc, "delivered", occurred_at=occurred))
    job.refresh_from_db()
    assert job.status == S.DELIVERED and job.delivered_at == occurred
    assert job.cod_collected == job.cod_amount > 0
    assert job.seller_order.order.status == Order.Status.COMPLETED


def test_a_bad_signature_is_stored_unverified_and_changes_nothing(send, job):
    before = state(job)
    response = send(event_body(job.sscc, "delivered"), secret="not-the-secret")
    assert response.status_code == 401 and response.json()["error"] == "bad_signature"
    assert state(job) == before
    stored = WebhookEvent.objects.get(provider="carrier")
    assert not stored.signature_valid and stored.processed_at is None


def test_an_unsigned_call_is_refused(send, job):
    before = state(job)
    assert send(event_body(job.sscc, "delivered"), secret="").status_code == 401
    assert state(job) == before


@pytest.mark.parametrize("age", [-301, 301, 3600])
def test_a_stale_or_future_timestamp_is_refused(send, job, age):
    before = state(job)
    response = send(event_body(job.sscc, "delivered"), timestamp=int(time.time()) - age)
    assert response.status_code == 401
    assert state(job) == before


def test_a_timestamp_inside_the_window_passes(send, job):
    response = send(event_body(job.sscc, "in_transit"), timestamp=int(time.time()) - 240)
    assert response.status_code == 200


def test_an_empty_secret_refuses_every_call(send, job, settings):
    settings.CARRIER_WEBHOOK_SECRET = ""
    before = state(job)
    # even a call "signed" with the empty key
    body = event_body(job.sscc, "delivered")
    from postal_pickup import carrier

    response = send(body, headers=carrier.signed_headers(body, ""))
    assert response.status_code == 401
    assert state(job) == before


def test_ten_replays_make_one_change(send, job):
    body = event_body(job.sscc, "in_transit", event_id="VNP-REPLAY")
    answers = [send(body) for _n in range(10)]
    assert [answer.status_code for answer in answers] == [200] * 10
    assert [answer.json()["duplicate"] for answer in answers] == [False] + [True] * 9
    assert WebhookEvent.objects.filter(provider="carrier").count() == 1
    assert job.events.filter(to_status="in_transit").count() == 1


def test_an_event_older_than_the_latest_change_is_ignored(send, job):
    later = job.events.last().created_at + timedelta(hours=3)
    send(event_body(job.sscc, "out_for_delivery", occurred_at=later))
    earlier = later - timedelta(hours=1)  # sent before, arrived after
    before = state(job)
    response = send(event_body(job.sscc, "in_transit", occurred_at=earlier, event_id="LATE"))
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.status == S.OUT_FOR_DELIVERY
    ignored = job.events.last()
    assert ignored.from_status == ignored.to_status == "out_for_delivery"
    assert "LATE" in ignored.note
    assert state(job)[0] == before[0] and state(job)[2:] == before[2:]
    assert WebhookEvent.objects.get(event_id="LATE").processed_at is not None


def test_an_event_older_than_the_pickup_is_ignored(send, job):
    earlier = job.events.last().created_at - timedelta(minutes=5)
    send(event_body(job.sscc, "delivered", occurred_at=earlier))
    job.refresh_from_db()
    assert job.status == S.PICKED_UP and job.cod_collected == 0


def test_a_newer_event_after_an_ignored_one_still_applies(send, job):
    base = job.events.last().created_at
    send(event_body(job.sscc, "in_transit", occurred_at=base + timedelta(hours=1)))
    send(event_body(job.sscc, "in_transit", occurred_at=base - timedelta(hours=1)))
    send(event_body(job.sscc, "out_for_delivery", occurred_at=base + timedelta(minutes=90)))
    job.refresh_from_db()
    assert job.status == S.OUT_FOR_DELIVERY


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda sscc: sscc[:-1] + str((int(sscc[-1]) + 1) % 10), "bad_check_digit"),
        (lambda sscc: sscc[:-3], "bad_sscc"),
        (lambda sscc: "1" * 17 + "0", None),  # valid check digit or not, no such parcel
    ],
)
def test_a_bad_or_unknown_sscc_is_answered_400_and_never_processed(send, job, mutate, code):
    from postal_pickup.sscc import is_valid_sscc

    sscc = mutate(job.sscc)
    if code is None:
        code = "unknown_sscc" if is_valid_sscc(sscc) else "bad_check_digit"
    before = state(job)
    response = send(event_body(sscc, "delivered"))
    assert response.status_code == 400 and response.json()["error"] == code
    assert state(job) == before
    stored = WebhookEvent.objects.get(provider="carrier")
    assert not stored.signature_valid and stored.processed_at is None
    assert stored.error.startswith(code)


def test_an_unknown_sscc_with_a_good_check_digit_is_400(send, job):
    from postal_pickup.sscc import build_sscc

    unknown = build_sscc(987654, "8930000")
    assert not PickupJob.objects.filter(sscc=unknown).exists()
    response = send(event_body(unknown, "delivered"))
    assert response.status_code == 400 and response.json()["error"] == "unknown_sscc"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("status", "picked_up", "bad_status"),
        ("status", "lost", "bad_status"),
        ("occurred_at", "2026-12-01T09:30:00", "bad_occurred_at"),
        ("occurred_at", "hôm qua", "bad_occurred_at"),
        ("id", "", "bad_id"),
    ],
)
def test_a_malformed_event_is_400(send, job, field, value, code):
    before = state(job)
    data = json.loads(event_body(job.sscc, "in_transit"))
    data[field] = value
    response = send(json.dumps(data).encode())
    assert response.status_code == 400 and response.json()["error"] == code
    assert state(job) == before


def test_not_json_is_400(send, job):
    response = send(b"not json")
    assert response.status_code == 400 and response.json()["error"] == "bad_json"


def test_an_impossible_change_leaves_its_error_on_the_inbox_row(send, job):
    send(event_body(job.sscc, "delivered"))
    before = state(job)
    response = send(event_body(job.sscc, "in_transit", event_id="AFTER-DELIVERY"))
    assert response.status_code == 200  # stored: the carrier need not send it again
    assert state(job) == before
    stored = WebhookEvent.objects.get(event_id="AFTER-DELIVERY")
    assert stored.processed_at is None and "InvalidTransition" in stored.error
    assert not process(stored.pk)  # the retry sweep gets the same answer, changes nothing
    assert state(job) == before


def test_a_scan_that_overtook_the_pickup_applies_on_retry(
    send, office, seller_order, postal_staff, django_capture_on_commit_callbacks
):
    job = services.create_job(seller_order)[0]
    occurred = job.events.last().created_at + timedelta(minutes=30)
    send(event_body(job.sscc, "in_transit", occurred_at=occurred, event_id="EARLY"))
    stored = WebhookEvent.objects.get(event_id="EARLY")
    assert stored.processed_at is None and stored.error
    job.refresh_from_db()
    assert job.status == S.WAITING
    # the staff mark the pickup on their phone later than the carrier's scan reached us
    services.mark_picked_up(job, postal_staff, 1, 900)
    with django_capture_on_commit_callbacks(execute=True):
        retry_webhooks(older_than_seconds=-60)
    stored.refresh_from_db()
    assert stored.processed_at is not None and not stored.error
    job.refresh_from_db()
    assert job.status == S.IN_TRANSIT


def test_the_event_time_is_read_with_its_offset(send, job):
    from datetime import datetime

    local = datetime.now(HANOI) + timedelta(minutes=10)
    send(event_body(job.sscc, "in_transit", occurred_at=local))
    assert job.events.last().occurred_at == local
