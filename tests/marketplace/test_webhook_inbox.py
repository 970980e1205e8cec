"""The webhook inbox (marketplace/webhooks.py): stored first, processed once, retried."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace import tasks, webhooks
from marketplace.models import WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def handled(monkeypatch):
    """A handler for the carrier provider that records what it processed, and fails while
    ``failing`` holds an error."""
    seen, state = [], {"failing": None}

    def handle(event):
        if state["failing"]:
            raise state["failing"]
        seen.append(event.event_id)

    monkeypatch.setitem(webhooks._handlers, WebhookEvent.Provider.CARRIER, handle)
    return seen, state


def receive(event_id="evt_1", valid=True, body=b'{"id": "evt_1"}'):
    return webhooks.receive("carrier", event_id=event_id, body=body, signature_valid=valid)


def test_a_verified_event_is_stored_then_processed_once(
    handled, django_capture_on_commit_callbacks
):
    seen, _state = handled
    with django_capture_on_commit_callbacks(execute=True):
        event, created = receive()
    event.refresh_from_db()
    assert created and event.body == '{"id": "evt_1"}' and event.processed_at
    assert seen == ["evt_1"]
    assert webhooks.process(event.pk) is False  # already done
    assert seen == ["evt_1"]


def test_the_same_event_id_ten_times_is_one_row_and_one_processing(
    handled, django_capture_on_commit_callbacks
):
    seen, _state = handled
    with django_capture_on_commit_callbacks(execute=True):
        results = [receive() for _ in range(10)]
    assert [created for _, created in results] == [True] + [False] * 9
    assert WebhookEvent.objects.count() == 1 and seen == ["evt_1"]


def test_a_badly_signed_event_is_kept_for_the_record_and_never_processed(
    handled, django_capture_on_commit_callbacks
):
    seen, _state = handled
    with django_capture_on_commit_callbacks(execute=True):
        forged, _ = receive(valid=False)
    assert webhooks.process(forged.pk) is False
    forged.refresh_from_db()
    assert not forged.signature_valid and forged.processed_at is None and seen == []
    # a forged copy does not take the id from the real event that follows
    with django_capture_on_commit_callbacks(execute=True):
        real, created = receive()
    assert created and real.pk != forged.pk and seen == ["evt_1"]


def test_a_failing_handler_leaves_its_error_and_the_sweep_retries(
    handled, django_capture_on_commit_callbacks
):
    seen, state = handled
    state["failing"] = RuntimeError("database hiccup")
    with django_capture_on_commit_callbacks(execute=True):
        event, _ = receive()
    event.refresh_from_db()
    assert event.processed_at is None and event.attempts == 1
    assert "database hiccup" in event.error

    state["failing"] = None
    WebhookEvent.objects.filter(pk=event.pk).update(
        received_at=timezone.now() - timedelta(minutes=5)
    )
    assert tasks.retry_webhooks() == 1
    event.refresh_from_db()
    assert event.processed_at and event.error == "" and event.attempts == 2
    assert seen == ["evt_1"]
    assert tasks.retry_webhooks() == 0


def test_an_event_that_keeps_failing_stops_being_retried(handled):
    _seen, state = handled
    state["failing"] = ValueError("bad data")
    event, _ = receive()
    WebhookEvent.objects.filter(pk=event.pk).update(
        attempts=webhooks.MAX_ATTEMPTS, received_at=timezone.now() - timedelta(hours=1)
    )
    assert tasks.retry_webhooks() == 0
