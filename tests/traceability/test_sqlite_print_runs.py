"""Label print runs on the embedded SQLite database, as `make run` uses it: a file shared by
the web server and the worker, with a whole commune printing and signing up at once.

The concurrent part runs in a child process on a SQLite *file* (the test database is in
memory, where locking works differently); its schema is copied from the test database."""

import json
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
LABELS_PER_RUN = 300
CHUNK = 100  # serials read per query: each run is read in several chunks


def _sqlite_file_with_schema(path):
    """A SQLite file holding the migrated schema: copied from the test database when it is
    SQLite (fast), else made by running the migrations."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    env["DATABASE_URL"] = f"sqlite:///{path}"
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
    else:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
    return env


def test_two_print_runs_on_a_sqlite_file_finish_while_others_write(transactional_db, tmp_path):
    env = _sqlite_file_with_schema(tmp_path / "commune.sqlite3")
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    result = subprocess.run(
        [sys.executable, "-m", "tests.traceability.test_sqlite_print_runs"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == [], outcome
    assert outcome["runs"] == [["done", LABELS_PER_RUN, True]] * 2
    # the other writers really wrote while the runs were drawn
    assert outcome["signups"] >= 1 and outcome["scans"] >= 1


def test_a_failure_that_cannot_be_recorded_is_picked_up_by_the_sweep_within_minutes(batch):
    from traceability import printing
    from traceability.models import LabelPrintRun
    from traceability.tasks import requeue_stale_print_runs

    run = printing.issue_labels(batch, 4, "a4-50x50", build=False)
    drawing_fails = mock.patch.object(printing, "render_labels", side_effect=OSError("disk full"))
    real_transition = LabelPrintRun.transition
    calls = []

    def transition_once(self, target):
        # the first transition (to "building") works; recording the failure cannot write
        calls.append(target)
        if len(calls) > 1:
            raise OperationalError("database is locked")
        return real_transition(self, target)

    database_locked = mock.patch.object(LabelPrintRun, "transition", transition_once)
    with drawing_fails, database_locked, pytest.raises(OSError, match="disk full"):
        printing.build_print_run(run.pk)
    run.refresh_from_db()
    assert run.status == "building"  # nothing could be written
    # not stale while its heartbeat is fresh, stale a few minutes later (not twenty)
    assert requeue_stale_print_runs() == 0
    later = timezone.now() + timedelta(minutes=4)
    assert printing.stale_print_runs(now=later) == [run.pk]
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert requeue_stale_print_runs() == 1  # Celery runs eagerly in tests
    run.refresh_from_db()
    assert run.status == "done" and run.progress == 4 and run.pdf


def test_a_long_run_whose_heartbeat_moves_is_not_sent_twice(batch):
    from traceability import printing
    from traceability.models import LabelPrintRun

    run = printing.issue_labels(batch, 4, "a4-50x50", build=False)
    now = timezone.now()
    LabelPrintRun.objects.filter(pk=run.pk).update(
        status="building", started_at=now - timedelta(minutes=30), heartbeat_at=now
    )
    assert printing.stale_print_runs(now=now + timedelta(minutes=2)) == []
    assert printing.stale_print_runs(now=now + timedelta(minutes=4)) == [run.pk]


def test_drawing_moves_the_heartbeat_after_every_page(batch):
    from traceability import printing
    from traceability.models import LabelPrintRun

    run = printing.issue_labels(batch, 40, "a4-50x50", build=False)  # 3 pages of 15
    beats = []

    def watch(done, total):
        beats.append(LabelPrintRun.objects.values_list("progress", "heartbeat_at").get(pk=run.pk))

    printing.build_print_run(run.pk, progress=watch)
    assert [progress for progress, _beat in beats] == [15, 30, 40]
    assert all(beat is not None for _progress, beat in beats)
    assert beats[0][1] <= beats[1][1] <= beats[2][1]


def _concurrent_scenario():
    """Child process: two farmers' runs drawn at once by two worker threads while a third
    thread signs farmers up and records label scans, all on one SQLite file."""
    import threading
    from datetime import date
    from decimal import Decimal

    import django

    django.setup()
    from django.db import connections

    from growing_areas.models import GrowingArea
    from marketplace import services as marketplace_services
    from marketplace.models import Product
    from traceability import printing, scans, services
    from traceability.models import LabelPrintRun

    printing.LABEL_CHUNK = CHUNK
    area = GrowingArea.objects.create(
        code="LC-VC-CHE-900",
        name="Vùng chè Suối Giàng",
        crop="Chè",
        area_ha=Decimal("12.5"),
        province_code="15",
        commune_code="04672",
        holder_name="HTX Chè Suối Giàng",
        issued_by="Chi cục Trồng trọt và BVTV Lào Cai",
        issued_on=date(2024, 5, 1),
    )
    run_ids = []
    for n in (1, 2):
        user, producer = marketplace_services.register_farmer(
            phone=f"091299900{n}",
            password="mat-khau-thu-nghiem-9",
            full_name=f"Nông dân {n}",
            province_code="15",
            commune_code="04672",
        )
        # labels are printed only for an approved listing of a verified producer
        producer.verification = producer.Verification.VERIFIED
        producer.save(update_fields=["verification"])
        product = Product.objects.create(
            producer=producer,
            name=f"Chè Shan Tuyết {n}",
            slug=f"che-shan-tuyet-{n}",
            category=Product.Category.TEA,
            price=450_000,
            unit="gói 200 g",
            review_state=Product.Review.APPROVED,
        )
        batch = services.record_batch(
            product=product,
            growing_area=area,
            lot=f"L2603{n}",
            harvest_date=date(2026, 3, 15),
            quantity=Decimal("10"),
            unit="kg",
            by=user,
        )
        run_ids.append(printing.issue_labels(batch, LABELS_PER_RUN, "a4-50x50", build=False).pk)
    connections.close_all()

    errors, counts = [], {"signups": 0, "scans": 0}
    drawing = threading.Event()
    drawing.set()

    def build(run_id):
        try:
            printing.build_print_run(run_id)
        except Exception as error:
            errors.append(f"run {run_id}: {error!r}")
        finally:
            connections.close_all()

    def others():
        from traceability.models import Label

        label = Label.objects.select_related("batch").first()
        n = 0
        while drawing.is_set() and n < 100:
            n += 1
            try:
                marketplace_services.register_farmer(
                    phone=f"0913{n:06d}",
                    password="mat-khau-thu-nghiem-9",
                    full_name=f"Người đăng ký {n}",
                    province_code="15",
                    commune_code="04672",
                )
                counts["signups"] += 1
                scans.record_scan(
                    gtin=label.batch.gtin,
                    lot=label.batch.lot,
                    serial=label.serial,
                    label=label,
                    batch=label.batch,
                    ip=f"10.0.{n}.1",
                    user_agent="Mozilla/5.0 Chrome/120",
                )
                counts["scans"] += 1
            except Exception as error:
                errors.append(f"other writes: {error!r}")
        connections.close_all()

    writer = threading.Thread(target=others)
    builders = [threading.Thread(target=build, args=(pk,)) for pk in run_ids]
    writer.start()
    for thread in builders:
        thread.start()
    for thread in builders:
        thread.join()
    drawing.clear()
    writer.join()
    runs = [
        [run.status, run.progress, bool(run.pdf)]
        for run in LabelPrintRun.objects.filter(pk__in=run_ids).order_by("pk")
    ]
    print(json.dumps({"runs": runs, "errors": errors, **counts}))


if __name__ == "__main__":
    _concurrent_scenario()


def test_a_run_sent_again_is_left_alone_while_its_message_waits(batch):
    from traceability import printing
    from traceability.models import LabelPrintRun
    from traceability.tasks import build_print_run, requeue_stale_print_runs

    run = printing.issue_labels(batch, 4, "a4-50x50", build=False)
    LabelPrintRun.objects.filter(pk=run.pk).update(
        status="building", started_at=timezone.now() - timedelta(minutes=10)
    )
    with mock.patch.object(build_print_run, "delay") as send:  # the worker is busy elsewhere
        assert requeue_stale_print_runs() == 1
        assert requeue_stale_print_runs() == 0  # not sent a second time a minute later
        later = timezone.now() + timedelta(minutes=4)
        with mock.patch("django.utils.timezone.now", return_value=later):
            assert requeue_stale_print_runs() == 1  # still nothing: send once more
    assert send.call_args_list == [mock.call(run.pk)] * 2
