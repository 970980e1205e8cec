"""A real S3 server for the storage tests: moto's server mode, started once per test session
in this process on a free 127.0.0.1 port, emptied before each test that uses it. Nothing
leaves the machine: the storages are pointed at it with dummy credentials.

``live_s3`` switches both storages (public media and private files) to S3 against it, with
the public media bucket readable by anyone (the bucket policy a site sets, README "Moving to
S3") and the private bucket left private.

moto answers any presigned URL, however old, so its server stands behind ``PresignedLinkGate``,
which checks a presigned link as S3 does: signed with the site's secret over the link as handed
out, and not past its deadline. The gate's clock can be moved on, so a test sees a link expire
without waiting.
"""

import datetime
import hmac
import json
import os
import threading
from dataclasses import dataclass
from urllib.parse import unquote

import boto3
import pytest
import requests
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
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


class PresignedLinkGate:
    """A WSGI layer in front of moto: a request carrying a presigned signature is answered
    only if the signature is the one the site's secret gives for that very link (method, path,
    every query parameter, host) and the link's moment plus lifetime (X-Amz-Date +
    X-Amz-Expires) has not passed, as S3 does; otherwise 403 AccessDenied, as S3 says it."""

    def __init__(self, app):
        self.app = app
        self.skipped = datetime.timedelta()

    def now(self):
        return datetime.datetime.now(datetime.UTC) + self.skipped

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        refusal = self.refusal(environ, query) if "X-Amz-Signature=" in query else None
        if refusal is None:
            return self.app(environ, start_response)
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Error><Code>AccessDenied</Code><Message>{refusal}</Message></Error>"
        ).encode()
        headers = [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
        start_response("403 Forbidden", headers)
        return [body]

    def refusal(self, environ, query):
        pairs = [pair.partition("=") for pair in query.split("&")]
        params = {key: unquote(value) for key, _, value in pairs}
        access_key, _day, region, service, _ = params["X-Amz-Credential"].split("/")
        if access_key != ACCESS_KEY:
            return "The AWS Access Key Id you provided does not exist in our records."
        lifetime = int(params["X-Amz-Expires"])
        signer = S3SigV4QueryAuth(Credentials(ACCESS_KEY, SECRET_KEY), service, region, lifetime)
        path = (environ.get("RAW_URI") or environ["PATH_INFO"]).partition("?")[0]
        unsigned = "&".join(f"{key}={value}" for key, _, value in pairs if key != "X-Amz-Signature")
        host = environ["HTTP_HOST"]
        request = AWSRequest(
            method=environ["REQUEST_METHOD"],
            url=f"http://{host}{path}?{unsigned}",
            headers={"host": host},
        )
        request.context["timestamp"] = params["X-Amz-Date"]
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if not hmac.compare_digest(expected, params["X-Amz-Signature"]):
            return "The request signature we calculated does not match the signature you provided."
        issued = datetime.datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
        deadline = issued.replace(tzinfo=datetime.UTC) + datetime.timedelta(seconds=lifetime)
        if self.now() > deadline:
            return "Request has expired"
        return None


GATE = None  # the session's gate, once moto_server has started


@pytest.fixture(scope="session")
def moto_server():
    """The base URL of moto's S3 server, behind the presigned-link gate, on 127.0.0.1 for the
    whole session."""
    global GATE
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    # botocore must never look for real credentials or a real region while the tests run
    os.environ.setdefault("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    GATE = PresignedLinkGate(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, GATE, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    thread.join()


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

    @staticmethod
    def now():
        """The server's moment, naive UTC as botocore's clock gives it."""
        return GATE.now().replace(tzinfo=None)

    @staticmethod
    def skip_ahead(seconds):
        """Move the server's clock on, as if the seconds had passed."""
        GATE.skipped += datetime.timedelta(seconds=seconds)


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
    GATE.skipped = datetime.timedelta()
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
