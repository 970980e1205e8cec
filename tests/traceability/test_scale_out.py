"""Scale-out, proven: two web processes (gunicorn) and two Celery workers share one PostgreSQL
database, one Redis broker and an S3 server (moto, on 127.0.0.1). A label print run asked for
through web 1 is drawn by whichever worker takes it, its PDF is fetched through web 2 from the
private bucket, and a run whose worker is killed mid-way is finished by the other worker once
the sweep sends it again.

PostgreSQL and Redis only (``make test-services``): the processes share the test database."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from celery import Celery
from django.conf import settings
from django.db import connection

from traceability.models import LabelPrintRun

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql"
        or not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")),
        reason="the processes share one database and broker: run with make test-services",
    ),
]

ONE_SHEET = 48  # a4-30x30
LONG_RUN = 40 * ONE_SHEET  # long enough to be killed between two pages


@pytest.fixture(autouse=True)
def root_collection():
    """Transactional tests flush what migrations made, the photos' root collection too."""
    from wagtail.models import Collection

    return Collection.get_first_root_node() or Collection.add_root(name="Root")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


def _wait_until(check, timeout, what, logs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    for log in logs:
        print(f"--- {log}\n{Path(log).read_text()[-4000:]}")
    raise AssertionError(f"timed out waiting for {what}")


class Cluster:
    """The processes a site at scale runs, each logging to a file of its own."""

    def __init__(self, stack, tmp_path):
        self.stack, self.tmp_path = stack, tmp_path
        self.logs = []

    def start(self, name, args, env):
        log_path = self.tmp_path / f"{name}.log"
        log = self.stack.enter_context(open(log_path, "w"))  # noqa: SIM115 (closed by the stack)
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.stack.callback(self._stop, process)
        self.logs.append(log_path)
        return process, log_path

    @staticmethod
    def _stop(process):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.fixture
def cluster(tmp_path):
    import boto3

    s3_port = _free_port()
    endpoint = f"http://127.0.0.1:{s3_port}"
    media_bucket, private_bucket = (
        f"media-{uuid.uuid4().hex[:8]}",
        f"private-{uuid.uuid4().hex[:8]}",
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "AWS_STORAGE_BUCKET_NAME": media_bucket,
        "AWS_PRIVATE_BUCKET_NAME": private_bucket,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    with ExitStack() as stack:
        nodes = Cluster(stack, tmp_path)
        nodes.start("s3", [BIN / "moto_server", "-H", "127.0.0.1", "-p", str(s3_port)], env)
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

        def s3_answers():
            try:
                return s3.list_buckets() is not None
            except Exception:
                return False

        _wait_until(s3_answers, 30, "the S3 server", nodes.logs)
        s3.create_bucket(Bucket=media_bucket)
        s3.create_bucket(Bucket=private_bucket)

        webs = []
        for number in (1, 2):
            port = _free_port()
            nodes.start(
                f"web{number}",
                [BIN / "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "1"],
                env,
            )
            webs.append(f"http://127.0.0.1:{port}")
        workers = []
        for number in (1, 2):
            workers.append(
                nodes.start(
                    f"worker{number}",
                    [
                        BIN / "celery",
                        "-A",
                        "config",
                        "worker",
                        "--pool=solo",  # concurrency 1, the task in the process that is killed
                        "-n",
                        f"scale{number}-{uuid.uuid4().hex[:6]}@%h",
                        "--without-mingle",
                        "--without-gossip",
                        "--loglevel=INFO",
                    ],
                    env,
                )
            )

        def web_answers(base):
            try:
                return requests.get(f"{base}/healthz", timeout=10).status_code == 200
            except requests.RequestException:
                return False

        for base in webs:
            _wait_until(lambda base=base: web_answers(base), 60, base, nodes.logs)
        for _process, log in workers:
            _wait_until(lambda log=log: " ready." in log.read_text(), 60, log.name, nodes.logs)
        yield {
            "webs": webs,
            "workers": workers,
            "s3": s3,
            "endpoint": endpoint,
            "private_bucket": private_bucket,
            "logs": nodes.logs,
        }


def _browser(client, user):
    """A browser signed in as ``user``: its session is made in the shared database."""
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return session


def _ask_for_run(browser, web, batch, count):
    page = browser.get(f"{web}/ban-hang/lo-hang/{batch.pk}/", timeout=30)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = browser.post(
        f"{web}/ban-hang/lo-hang/{batch.pk}/in-tem/",
        {"count": count, "layout": "a4-30x30", "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:2000]
    return LabelPrintRun.objects.get(
        pk=int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    )


def _download(browser, web, run, endpoint):
    """The PDF through ``web``: a redirect to an expiring link into the bucket, then its bytes."""
    response = browser.get(
        f"{web}/ban-hang/in-tem/{run.pk}/tem.pdf", allow_redirects=False, timeout=30
    )
    assert response.status_code == 302
    link = response.headers["Location"]
    assert link.startswith(endpoint) and "X-Amz-Signature=" in link
    return requests.get(link, timeout=30).content


def _taken_by(workers, marks):
    """The worker whose log says it received a print run since ``marks`` (log sizes)."""
    for (process, log), mark in zip(workers, marks, strict=True):
        if "traceability.tasks.build_print_run[" in log.read_text()[mark:]:
            return process, log
    return None


def test_two_webs_and_two_workers_share_the_runs_and_a_killed_workers_run_is_finished(
    cluster, client, producer_user, batch
):
    webs, workers, endpoint = cluster["webs"], cluster["workers"], cluster["endpoint"]
    farmer = _browser(client, producer_user)

    # one sheet asked for through web 1, drawn by a worker into the private bucket
    run = _ask_for_run(farmer, webs[0], batch, ONE_SHEET)
    _wait_until(
        lambda: LabelPrintRun.objects.get(pk=run.pk).status == LabelPrintRun.Status.DONE,
        120,
        "the first run",
        cluster["logs"],
    )
    run.refresh_from_db()
    stored = cluster["s3"].list_objects_v2(Bucket=cluster["private_bucket"])["Contents"]
    assert [item["Key"] for item in stored] == [run.pdf.name]
    assert _download(farmer, webs[1], run, endpoint).startswith(b"%PDF")
    assert (
        requests.get(
            f"{endpoint}/{cluster['private_bucket']}/{run.pdf.name}", timeout=30
        ).status_code
        == 403
    )

    # a long run: the worker drawing it is killed once it has drawn a page
    marks = [len(log.read_text()) for _process, log in workers]
    run = _ask_for_run(farmer, webs[0], batch, LONG_RUN)
    _wait_until(
        lambda: LabelPrintRun.objects.get(pk=run.pk).progress > 0, 120, "a page", cluster["logs"]
    )
    victim, _victim_log = _wait_until(lambda: _taken_by(workers, marks), 10, "the worker's log")
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    killed = LabelPrintRun.objects.get(pk=run.pk)
    assert killed.status == LabelPrintRun.Status.BUILDING and 0 < killed.progress < LONG_RUN

    # the worker's heartbeat has stood still past the limit (as if minutes had gone by);
    # the sweep that beat would send finds the run and the surviving worker draws it again
    from django.utils import timezone

    from traceability.printing import STALE_BUILDING_AFTER

    long_ago = timezone.now() - STALE_BUILDING_AFTER * 2
    LabelPrintRun.objects.filter(pk=run.pk).update(heartbeat_at=long_ago, started_at=long_ago)
    (survivor, survivor_log) = next(worker for worker in workers if worker[0] is not victim)
    mark = len(survivor_log.read_text())
    beat = Celery("scale-beat", broker=settings.CELERY_BROKER_URL)
    try:
        beat.send_task("traceability.tasks.requeue_stale_print_runs")
    finally:
        beat.close()
    _wait_until(
        lambda: LabelPrintRun.objects.get(pk=run.pk).status == LabelPrintRun.Status.DONE,
        180,
        "the swept run",
        cluster["logs"],
    )
    run.refresh_from_db()
    assert run.progress == LONG_RUN
    assert "traceability.tasks.build_print_run[" in survivor_log.read_text()[mark:]
    assert _download(farmer, webs[1], run, endpoint).startswith(b"%PDF")
