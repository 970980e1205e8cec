"""One real round trip through a Celery worker process: on the SQLite broker in `make test`,
on Redis in `make test-services` (whatever CELERY_BROKER_URL says)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(tmp_path):
    """A worker process on a queue of its own (so no stale worker or message can answer),
    and a client app pointed at the same broker and result store."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    if settings.CELERY_BROKER_URL.startswith("sqla+sqlite"):
        broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
        results = f"db+sqlite:///{tmp_path / 'results.sqlite3'}"
    else:
        broker, results = settings.CELERY_BROKER_URL, settings.CELERY_RESULT_BACKEND
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
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                queue,
                "--pool=solo",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    client = Celery("test-client", broker=broker, backend=results)
    try:
        yield client, queue, log_path
    finally:
        process.terminate()
        process.wait(timeout=30)
        client.close()


@pytest.mark.services
def test_a_task_sent_to_celery_is_run_by_a_worker(worker):
    client, queue, log_path = worker
    token = uuid.uuid4().hex
    result = client.send_task("config.ping", args=[token], queue=queue)
    try:
        assert result.get(timeout=90) == token
    except Exception:
        print(log_path.read_text())
        raise
