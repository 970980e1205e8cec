"""A real S3 server for the storage tests: moto's server mode, started once per test session
in this process on a free 127.0.0.1 port, emptied before each test that uses it. Nothing
leaves the machine: the storages are pointed at it with dummy credentials.

``live_s3`` switches both storages (public media and private files) to S3 against it, with
the public media bucket readable by anyone (the bucket policy a site sets, README "Moving to
S3") and the private bucket left private.
"""

import json
import os
from dataclasses import dataclass

import boto3
import pytest
import requests
from botocore.config import Config
from django.conf import settings as django_settings
from django.core.cache import cache

from config.storage_settings import s3_storages

PUBLIC_BUCKET = "chophien-media"
PRIVATE_BUCKET = "chophien-private"
REGION = "ap-southeast-1"
ACCESS_KEY = "kiem-thu"
SECRET_KEY = "bi-mat-kiem-thu"


def public_read_policy(bucket):
    """The bucket policy that makes public media readable by anyone, and nothing else."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                }
            ],
        }
    )


@pytest.fixture(scope="session")
def moto_server():
    """The base URL of moto's S3 server on 127.0.0.1 for the whole session."""
    from moto.server import ThreadedMotoServer

    # botocore must never look for real credentials or a real region while the tests run
    os.environ.setdefault("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class LiveS3:
    """The running server, its two buckets, and a client that acts as the site's own."""

    endpoint: str
    public_bucket: str = PUBLIC_BUCKET
    private_bucket: str = PRIVATE_BUCKET

    @property
    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(signature_version="s3v4"),
        )

    def keys(self, bucket):
        answer = self.client.list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in answer.get("Contents", []))

    def body(self, bucket, key):
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def url(self, bucket, key):
        """The plain, unsigned URL of an object: what someone who guessed or kept it has."""
        return f"{self.endpoint}/{bucket}/{key}"


def live_s3_storages(endpoint, **extra):
    """STORAGES with both storages in the moto buckets (no CDN: URLs point at the bucket)."""
    storages_setting = s3_storages(
        bucket=PUBLIC_BUCKET,
        private_bucket=PRIVATE_BUCKET,
        endpoint_url=endpoint,
        region=REGION,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        **extra,
    )
    for alias in ("default", "private"):
        # a failure is reported at once, never retried for seconds (a client_config replaces
        # the storage's signature_version, so it is said again)
        storages_setting[alias]["OPTIONS"]["client_config"] = Config(
            connect_timeout=2,
            read_timeout=5,
            retries={"max_attempts": 1},
            signature_version="s3v4",
        )
    return {**django_settings.STORAGES, **storages_setting}


@pytest.fixture
def live_s3(moto_server, settings):
    """Both storages in S3 against the session's moto server, its buckets empty."""
    requests.post(f"{moto_server}/moto-api/reset", timeout=5).raise_for_status()
    # Wagtail caches renditions: one cached by an earlier test on disk names no object here
    cache.clear()
    s3 = LiveS3(moto_server)
    client = s3.client
    for bucket in (PUBLIC_BUCKET, PRIVATE_BUCKET):
        client.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
    client.put_bucket_policy(Bucket=PUBLIC_BUCKET, Policy=public_read_policy(PUBLIC_BUCKET))
    settings.AWS_STORAGE_BUCKET_NAME = PUBLIC_BUCKET
    settings.AWS_PRIVATE_BUCKET_NAME = PRIVATE_BUCKET
    settings.STORAGES = live_s3_storages(moto_server)
    return s3
