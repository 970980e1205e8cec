"""Label print runs into S3 against the disk, side by side in one run: the same runs drawn by
``printing.build_print_run`` (the Celery task's body: pages, progress writes, the PDF stored
in the private storage, the run marked done), round by round into the private folder on disk
and into a private bucket on moto's S3 server, started here on 127.0.0.1.
"""

import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from . import support
from .bench_traceability import tea_batch
from .support import Ratios, alternate, test_database, timed

LABELS = 960  # per side, 20 sheets of 48, shared among the rounds
CREDENTIALS = {"access_key": "bench", "secret_key": "bench"}


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _s3_server():
    """moto's S3 server on a free port with an empty private bucket: (process, endpoint, bucket)."""
    import boto3

    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [Path(sys.executable).parent / "moto_server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
    )
    bucket = f"bench-{uuid.uuid4().hex[:8]}"
    deadline = time.monotonic() + 30
    while True:
        try:
            client.create_bucket(Bucket=bucket)
            return process, endpoint, bucket
        except Exception:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.1)


def _draw(batch, count, storages, **overrides):
    """Issue a run of ``count`` labels and time drawing it into ``storages``: labels/s."""
    from django.conf import settings
    from django.test.utils import override_settings

    from traceability import printing

    run = printing.issue_labels(batch, count, "a4-30x30", build=False)
    with override_settings(STORAGES={**settings.STORAGES, **storages}, **overrides):
        built, seconds = timed(printing.build_print_run, run.pk)
        if built.status != built.Status.DONE or not built.pdf.storage.exists(built.pdf.name):
            raise RuntimeError(f"print run {run.pk} was not stored")
        return count / seconds, built.pdf.size


def run():
    from config.storage_settings import disk_storages, s3_storages

    per_round = max(48, LABELS // support.ROUNDS // 48 * 48)
    process, endpoint, bucket = _s3_server()
    try:
        with test_database() as vendor, tempfile.TemporaryDirectory() as private_root:
            batch = tea_batch(2)
            s3 = s3_storages(
                bucket=bucket, endpoint_url=endpoint, region="us-east-1", **CREDENTIALS
            )
            _draw(batch, 48, disk_storages(), PRIVATE_ROOT=private_root)  # warm up both
            _draw(batch, 48, s3)
            sizes = []

            def disk_round(_round):
                rate, size = _draw(batch, per_round, disk_storages(), PRIVATE_ROOT=private_root)
                sizes.append(size)
                return rate

            def s3_round(_round):
                return _draw(batch, per_round, s3)[0]

            disk_rates, s3_rates = alternate(disk_round, s3_round)
    finally:
        process.terminate()
        process.wait(timeout=30)
    ratios = Ratios(s3_rates, disk_rates)
    return [
        (
            "label print run into S3 (moto server, 127.0.0.1)",
            f"{statistics.median(s3_rates):.0f}",
            "labels/s",
            f"{vendor}, a4-30x30, median of {len(s3_rates)} runs of {per_round} labels, "
            f"{statistics.median(sizes) / 1024:.0f} KB PDF each, progress written per page",
        ),
        (
            "label print run onto the disk",
            f"{statistics.median(disk_rates):.0f}",
            "labels/s",
            "the same runs, alternating with the S3 ones",
        ),
        ("label print run: S3 ÷ disk", ratios.measured(), "ratio", ratios.note()),
    ]
