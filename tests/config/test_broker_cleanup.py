"""The embedded broker (SQLAlchemy over SQLite) keeps every delivered message as a hidden row;
the periodic clean-up deletes the old ones and nothing that still waits for a worker."""

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery

from config.celery import purge_delivered_broker_messages, purge_delivered_messages

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sqlite_broker_worker(tmp_path, monkeypatch):
    """A real worker on a SQLite broker file of its own, whatever the suite's broker is."""
    # Celery lets these variables override the URLs an app is given: drop the suite's own
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_RESULT_BACKEND", raising=False)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    results = f"db+sqlite:///{tmp_path / 'results.sqlite3'}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": results,
    }
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue]
            + ["--pool=solo", "--without-mingle", "--without-gossip", "--loglevel=INFO"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    client = Celery("test-client", broker=broker, backend=results)
    try:
        yield client, queue, tmp_path / "broker.sqlite3", broker, log_path
    finally:
        process.terminate()
        process.wait(timeout=30)
        client.close()


def _rows(path):
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT visible, count(*) FROM kombu_message GROUP BY visible"))


@pytest.mark.services
def test_old_delivered_messages_are_deleted_and_waiting_ones_kept(sqlite_broker_worker, settings):
    client, queue, path, broker, log_path = sqlite_broker_worker
    try:
        for n in range(3):
            assert client.send_task("config.ping", args=[n], queue=queue).get(timeout=90) == n
    except Exception:
        print(log_path.read_text())
        raise
    # a message for a queue no worker reads: it waits, and must survive the clean-up
    client.send_task("config.ping", args=["later"], queue=f"nobody-{uuid.uuid4().hex[:8]}")
    before = _rows(path)
    assert before[0] >= 3 and before[1] == 1  # delivered rows stay, hidden

    assert purge_delivered_messages(broker, older_than=timedelta(hours=1)) == 0  # too recent
    assert _rows(path) == before

    settings.CELERY_BROKER_URL = broker
    settings.CELERY_BROKER_KEEP_DELIVERED = timedelta(0)
    assert purge_delivered_broker_messages() == before[0]
    assert _rows(path) == {1: 1}
    # the broker still works after the clean-up
    assert client.send_task("config.ping", args=["again"], queue=queue).get(timeout=90) == "again"


def test_other_brokers_are_left_alone():
    assert purge_delivered_messages("redis://127.0.0.1:6379/0") == 0


def _celery_settings(broker_url):
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps([getattr(settings, 'CELERY_BROKER_TRANSPORT_OPTIONS', {}), "
        "settings.CELERY_TASK_ACKS_LATE, settings.CELERY_TASK_TIME_LIMIT, "
        "'config-purge-delivered-broker-messages' in settings.CELERY_BEAT_SCHEDULE]))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    env["CELERY_BROKER_URL"] = broker_url
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_redis_redelivers_a_dead_workers_message_after_the_longest_task():
    options, acks_late, time_limit, purges = _celery_settings("redis://127.0.0.1:6379/0")
    assert acks_late and not purges
    assert time_limit < options["visibility_timeout"] <= time_limit + 10 * 60


def test_the_sqlite_broker_gets_the_periodic_clean_up_and_no_redis_options():
    options, acks_late, _limit, purges = _celery_settings("sqla+sqlite:///var/celery.sqlite3")
    # kombu passes transport options to SQLAlchemy's create_engine: a Redis option breaks it
    assert acks_late and purges and "visibility_timeout" not in options
