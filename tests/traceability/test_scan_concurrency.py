"""Eight buyers scanning one label at the same moment: every page is served (no one waits on
the label's row: the request only appends to the scan log) and the drain counts each scan once.

PostgreSQL only (``make test-services``): SQLite serialises writers and has no row locks."""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

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


def test_a_scan_of_its_own_commits_without_waiting_for_the_disk_and_nothing_else_does(run):
    """A scan that is its own transaction commits asynchronously (the request waits on no
    disk flush); the setting ends with it, and a scan inside a caller's transaction leaves
    that transaction as it is."""
    label = run.labels.order_by("position").first()
    where = {"gtin": GTIN, "lot": label.batch.lot, "serial": label.serial}

    def log(ip):
        with CaptureQueriesContext(connection) as queries:
            scans.log_scan(label_id=label.pk, outcome="genuine", ip=ip, user_agent=PHONE, **where)
        return queries.captured_queries[-1]["sql"]

    def synchronous_commit():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    assert "set_config('synchronous_commit', 'off', true)" in log("14.160.9.1")
    assert synchronous_commit() == "on"  # for that scan's transaction only
    with transaction.atomic():
        assert "synchronous_commit" not in log("14.161.9.2")
        assert synchronous_commit() == "on"
    assert Scan.objects.filter(label=label).count() == 2
