"""Eight buyers scanning one label at the same moment: every page is served (no one waits on
the label's row: the request only appends to the scan log) and the drain counts each scan once.

PostgreSQL only (``make test-services``): SQLite serialises writers and has no row locks."""

import threading

import pytest
from django.db import connection
from django.test import Client

from traceability import scans
from traceability.models import Label, Scan

from .conftest import GTIN

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises writers and has no row locks: run with make test-services",
    ),
]

PHONE = "Mozilla/5.0 (Linux; Android 10; Redmi 9A) AppleWebKit/537.36 Chrome/120 Mobile Safari"


@pytest.fixture(autouse=True)
def root_collection():
    """Transactional tests flush what migrations made, the photos' root collection too."""
    from wagtail.models import Collection

    return Collection.get_first_root_node() or Collection.add_root(name="Root")


def test_eight_buyers_scanning_one_label_at_once_are_all_served_and_counted(run, settings):
    settings.TRACEABILITY_MAX_NETWORKS_PER_LABEL = 100  # eight networks are not a copy here
    label = run.labels.order_by("position").first()
    path = f"/01/{GTIN}/10/{label.batch.lot}/21/{label.serial}"
    count = 8
    barrier = threading.Barrier(count)
    statuses = [None] * count

    def buyer(index):
        try:
            barrier.wait(timeout=30)
            response = Client().get(path, REMOTE_ADDR=f"27.72.{index}.1", HTTP_USER_AGENT=PHONE)
            statuses[index] = response.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=buyer, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * count
    assert Scan.objects.filter(label=label).count() == count
    # no buyer's request touched the label row: its counters wait for the drain
    assert Label.objects.get(pk=label.pk).scan_count == 0
    assert scans.drain_scans() == 1
    label.refresh_from_db()
    assert (label.scan_count, label.network_count) == (count, count)
