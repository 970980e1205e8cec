"""Scan counting: a label view only adds a row to the scan log (none for a repeat from the same
network within minutes); the drain, every minute, counts the log with a per-network daily cap,
and a label is flagged as copied only when several networks are involved, one notification to
moderators. A drain killed mid-way loses no scan and counts none twice."""

import threading
import time
from datetime import datetime, timedelta

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification
from traceability import scans, tasks
from traceability.models import Label, Scan, ScanDrain

from .conftest import GTIN

PHONE = "Mozilla/5.0 (Linux; Android 10; Redmi 9A) AppleWebKit/537.36 Chrome/120 Mobile Safari"
VIETNAM = timezone.get_default_timezone()


def label_path(label):
    return f"/01/{GTIN}/10/{label.batch.lot}/21/{label.serial}"


@pytest.fixture
def scan(client):
    """scan(label, ip, **extra) -> the page HTML; the minute's drain runs after the request."""

    def view(label, ip, **extra):
        extra.setdefault("HTTP_USER_AGENT", PHONE)
        response = client.get(label_path(label), REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="vi", **extra)
        assert response.status_code == 200
        tasks.drain_scans()
        return response.content.decode()

    return view


def log_scans(label, ip, when, times):
    """``times`` scans of ``label`` from ``ip``'s network at ``when``, written to the log as
    the label page writes them (for scans spread over days)."""
    Scan.objects.bulk_create(
        Scan(
            scanned_at=when,
            label=label,
            gtin=GTIN,
            lot=label.batch.lot,
            serial=label.serial,
            outcome=Scan.Outcome.GENUINE,
            network_hash=scans.network_hash(ip),
            browser_family="Chrome",
        )
        for _ in range(times)
    )


def test_51_views_from_one_network_do_not_flag_or_text_moderators(scan, label, moderator):
    for _ in range(51):
        page = scan(label, "113.161.42.7")
    assert 'role="alert"' not in page
    assert Scan.objects.count() == 1
    # the same network scanning it every day for a month, five times a day
    start = timezone.now() - timedelta(days=30)
    for day in range(30):
        log_scans(label, "113.161.42.9", start + timedelta(days=day), 5)
    scans.count_label_scans(label.pk)
    label.refresh_from_db()
    # at most 3 a day count: 90 scans above the limit of 50, but from one network
    assert (label.scan_count, label.network_count) == (1 + 30 * 3, 1)
    assert label.flagged_at is None
    assert not Notification.objects.filter(recipient=moderator).exists()
    assert 'role="alert"' not in scan(label, "113.161.42.7")


def test_scans_from_many_networks_flag_and_text_moderators_once(scan, label, moderator):
    # 5 networks is the limit; the sixth crosses it
    for n in range(5):
        assert 'role="alert"' not in scan(label, f"27.72.{n}.1")
    assert Label.objects.get(pk=label.pk).flagged_at is None
    scan(label, "27.72.5.1")
    label.refresh_from_db()
    assert label.flagged_at and label.flag_reason == "too_many_networks"
    assert Notification.objects.filter(recipient=moderator).count() == 1
    # the next buyer is warned; more networks do not text the moderators again
    assert "ở 6 nơi khác nhau" in scan(label, "27.72.6.1")
    scan(label, "27.72.7.1")
    assert Notification.objects.filter(recipient=moderator).count() == 1


def test_many_scans_flag_only_when_several_networks_made_them(label, moderator, settings):
    settings.TRACEABILITY_MAX_SCANS_PER_LABEL = 50
    start = timezone.now() - timedelta(days=20)
    for day in range(20):
        for ip in ("14.160.1.5", "27.72.3.1"):
            log_scans(label, ip, start + timedelta(days=day), 2)
    scans.count_label_scans(label.pk)
    label.refresh_from_db()
    assert (label.scan_count, label.network_count, label.flagged_at) == (80, 2, None)
    log_scans(label, "2402:800::1", timezone.now(), 1)  # a third network
    scans.count_label_scans(label.pk)
    label.refresh_from_db()
    assert label.flagged_at and label.flag_reason == "too_many_scans"
    assert Notification.objects.filter(recipient=moderator).count() == 1


def test_one_network_adds_at_most_a_few_scans_per_vietnamese_day(label, settings):
    settings.TRACEABILITY_SCANS_PER_NETWORK_PER_DAY = 3
    # 23:30 and 00:30 in Vietnam are two days, though the same day in UTC
    evening = datetime(2026, 3, 20, 23, 30, tzinfo=VIETNAM)
    log_scans(label, "14.160.1.5", evening, 10)
    log_scans(label, "14.160.1.5", evening + timedelta(hours=1), 10)
    log_scans(label, "27.72.3.1", evening, 2)
    scans.count_label_scans(label.pk)
    label.refresh_from_db()
    assert (label.scan_count, label.network_count) == (3 + 3 + 2, 2)
    assert label.first_scanned_at == evening


def test_a_loop_of_views_writes_one_row_per_window(client, label, batch, monkeypatch):
    for _ in range(20):
        client.get(label_path(label), REMOTE_ADDR="14.160.1.5", HTTP_USER_AGENT=PHONE)
        client.get(label_path(label), REMOTE_ADDR="14.160.1.77", HTTP_USER_AGENT=PHONE)
    assert Scan.objects.filter(label=label).count() == 1  # 14.160.1.x is one network
    # a made-up serial in a loop is logged once too
    fake = f"/01/{GTIN}/10/{batch.lot}/21/ZZZZZZZZZZZZ"
    for _ in range(20):
        client.get(fake, REMOTE_ADDR="14.160.1.5", HTTP_USER_AGENT=PHONE)
    assert Scan.objects.filter(outcome="unknown_serial").count() == 1
    # another network is logged at once; the same network again after the window
    client.get(label_path(label), REMOTE_ADDR="14.160.2.5", HTTP_USER_AGENT=PHONE)
    # the scan log is append-only: move the clock instead of the rows
    later = timezone.now() + scans.SCAN_REPEAT_WINDOW
    monkeypatch.setattr(timezone, "now", lambda: later)
    client.get(label_path(label), REMOTE_ADDR="14.160.1.5", HTTP_USER_AGENT=PHONE)
    assert Scan.objects.filter(label=label).count() == 3


def test_a_label_view_inserts_one_row_and_updates_nothing(
    client, label, django_capture_on_commit_callbacks
):
    # an earlier buyer's view: the site's settings row is made on the first page
    client.get(label_path(label), REMOTE_ADDR="27.72.3.1", HTTP_USER_AGENT=PHONE)
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        CaptureQueriesContext(connection) as queries,
    ):
        client.get(label_path(label), REMOTE_ADDR="14.160.1.5", HTTP_USER_AGENT=PHONE)
    written = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert written.count("INSERT") == 1 and "UPDATE" not in written
    assert callbacks == []  # no task message either: the drain finds the scan in the log
    # the same network again: its INSERT checks the window itself and writes no row
    logged = Scan.objects.count()
    with CaptureQueriesContext(connection) as queries:
        client.get(label_path(label), REMOTE_ADDR="14.160.1.5", HTTP_USER_AGENT=PHONE)
    written = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert written.count("INSERT") <= 1 and "UPDATE" not in written
    assert Scan.objects.count() == logged


def test_the_warning_waits_for_the_drain_and_no_longer(client, label, settings):
    settings.TRACEABILITY_MAX_NETWORKS_PER_LABEL = 1
    for ip in ("14.160.1.5", "27.72.3.1"):
        client.get(label_path(label), REMOTE_ADDR=ip, HTTP_USER_AGENT=PHONE)
    # before the minute's drain the page still shows the old counters
    page = client.get(label_path(label), REMOTE_ADDR="2402:800::1", HTTP_USER_AGENT=PHONE)
    assert 'role="alert"' not in page.content.decode()
    assert tasks.drain_scans() == 1
    label.refresh_from_db()
    assert (label.network_count, label.flag_reason) == (3, "too_many_networks")
    page = client.get(label_path(label), REMOTE_ADDR="2402:800::1", HTTP_USER_AGENT=PHONE)
    assert 'role="alert"' in page.content.decode()


def settled_scans(labels, networks):
    """One scan of each label from each of ``networks`` networks, old enough to be settled."""
    when = timezone.now() - scans.SCAN_SETTLE - timedelta(minutes=1)
    for label in labels:
        for n in range(networks):
            log_scans(label, f"27.72.{n}.1", when, 1)


def test_a_drain_killed_mid_way_loses_no_scan_and_counts_none_twice(run, settings):
    settings.TRACEABILITY_SCANS_PER_NETWORK_PER_DAY = 100  # every scan counts
    labels = list(run.labels.order_by("pk")[:3])
    settled_scans(labels, 2)
    recounted = []

    def dies_at_the_second_label(label_id):
        if len(recounted) == 1:
            raise RuntimeError("worker killed")
        recounted.append(label_id)
        return scans.count_label_scans(label_id)

    with pytest.raises(RuntimeError):
        scans.drain_scans(recount=dies_at_the_second_label)
    assert recounted == [labels[0].pk]
    # a scan of the last label arrives before the drain runs again
    settled_scans(labels[2:], 1)
    assert scans.drain_scans() == 3
    counts = [Label.objects.get(pk=label.pk).scan_count for label in labels]
    assert counts == [2, 2, 3]  # each scan once: the first label's not twice, the second's kept
    settled_scans(labels[2:], 4)
    assert scans.drain_scans() == 1  # only the label scanned since the watermark
    counts = [Label.objects.get(pk=label.pk).scan_count for label in labels]
    assert counts == [2, 2, 7]
    assert scans.drain_scans() == 0


def test_a_scan_committed_late_is_still_counted(run):
    """The watermark passes only settled scans: a scan still recent is recounted at the next
    drain too, so one whose INSERT committed after a later id was drained is not skipped."""
    early, late = run.labels.order_by("pk")[:2]
    log_scans(early, "27.72.1.1", timezone.now(), 1)
    assert scans.drain_scans() == 1
    assert ScanDrain.objects.get().counted_through == 0
    # a scan logged earlier by a slow request, seen only now, its label not yet counted
    log_scans(late, "27.72.2.1", timezone.now() - timedelta(seconds=30), 1)
    assert scans.drain_scans() == 2
    assert Label.objects.get(pk=late.pk).scan_count == 1
    # once settled, the watermark passes them both and they are not recounted again
    later = timezone.now() + scans.SCAN_SETTLE + timedelta(seconds=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: later)
        assert scans.drain_scans() == 2
        assert ScanDrain.objects.get().counted_through == Scan.objects.order_by("pk").last().pk
        assert scans.drain_scans() == 0


def test_behind_a_proxy_scans_count_networks_per_real_client(scan, label, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for client_address in ("14.160.1.5", "27.72.3.1", "2402:800::1"):
        # each buyer's browser may send its own X-Forwarded-For: it does not count
        for forged in ("1.1.1.1", "8.8.8.8"):
            scan(label, "10.0.0.2", HTTP_X_FORWARDED_FOR=f"{forged}, {client_address}")
    label.refresh_from_db()
    assert (label.network_count, label.scan_count) == (3, 3)


def test_the_scan_hash_key_keeps_networks_when_the_secret_key_rotates(settings):
    before = scans.network_hash("14.160.1.5")
    settings.SECRET_KEY = "a-freshly-rotated-secret-key-0123456789abcdef"
    assert scans.network_hash("14.160.1.5") == before
    settings.SCAN_HASH_KEY = "another-scan-hash-key"
    assert scans.network_hash("14.160.1.5") != before


@pytest.mark.django_db(transaction=True)
def test_counting_the_same_label_at_once_texts_moderators_once(run, moderator):
    label = run.labels.first()
    for n in range(6):
        log_scans(label, f"27.72.{n}.1", timezone.now(), 1)  # above the 5-network limit
    start, errors = threading.Barrier(4), []

    def count():
        start.wait()
        try:
            for _ in range(100):
                try:
                    return scans.count_label_scans(label.pk)
                except OperationalError as error:  # SQLite's one writer: try again, as Celery would
                    if "locked" not in str(error):
                        raise
                    time.sleep(0.02)
        except Exception as error:  # noqa: BLE001  (reported by the assertion below)
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=count) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    label.refresh_from_db()
    assert (label.network_count, label.flag_reason) == (6, "too_many_networks")
    assert Notification.objects.filter(recipient=moderator).count() == 1


def test_the_drain_runs_every_minute_so_warnings_lag_at_most_a_minute():
    from celery import current_app
    from django.conf import settings as django_settings

    entry = django_settings.CELERY_BEAT_SCHEDULE["traceability-drain-scans"]
    assert entry["schedule"] <= timedelta(minutes=1)
    assert current_app.tasks[entry["task"]].name == tasks.drain_scans.name
