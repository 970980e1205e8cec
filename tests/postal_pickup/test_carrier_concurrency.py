"""The carrier sending the same event several times at the same moment: one inbox row,
processed once, one change to the parcel.

PostgreSQL only (``make test-services``): SQLite serialises writers and has no row locks."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from marketplace.order_models import WebhookEvent
from postal_pickup import carrier, services
from postal_pickup.models import PickupJob
from tests.postal_pickup.carrier_support import SECRET, URL, event_body

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises writers and has no row locks: run with make test-services",
    ),
]


@pytest.fixture(autouse=True)
def root_collection():
    """Transactional tests flush what migrations made, the photos' root collection too."""
    from wagtail.models import Collection

    return Collection.get_first_root_node() or Collection.add_root(name="Root")


@pytest.fixture(autouse=True)
def secret(settings):
    settings.CARRIER_WEBHOOK_SECRET = SECRET


def test_the_same_event_sent_at_once_is_stored_and_applied_once(office, seller_order, postal_staff):
    job = services.create_job(seller_order)[0]
    job = services.mark_picked_up(job, postal_staff, 1, 900)
    body = event_body(job.sscc, "delivered", event_id="VNP-RACE")
    count = 6
    barrier = threading.Barrier(count)
    answers = [None] * count

    def send(index):
        client = Client(raise_request_exception=False)
        try:
            barrier.wait(timeout=30)
            answers[index] = client.post(
                URL,
                body,
                content_type="application/json",
                headers=carrier.signed_headers(body, SECRET),
            ).status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [200] * count
    stored = WebhookEvent.objects.get(provider="carrier")
    assert stored.event_id == "VNP-RACE" and stored.processed_at is not None
    assert stored.attempts == 1
    job.refresh_from_db()
    assert job.status == PickupJob.Status.DELIVERED
    assert job.events.filter(to_status="delivered").count() == 1
    assert job.cod_collected == job.cod_amount
