"""Settings of the gunicorn server the traceability bench starts: the test profile's settings
against the bench's scratch database (BENCH_DATABASE_NAME), with /bench-bare/ added and the
counterfeit thresholds out of reach, each request coming through one trusted proxy."""

import os

from config.test_settings import *  # noqa: F403
from config.test_settings import DATABASES

DATABASES["default"]["NAME"] = os.environ["BENCH_DATABASE_NAME"]
ROOT_URLCONF = "tests.bench.gunicorn_urls"
ALLOWED_HOSTS = ["*"]
TRACEABILITY_MAX_SCANS_PER_LABEL = 10**9
TRACEABILITY_MAX_NETWORKS_PER_LABEL = 10**9
TRUSTED_PROXY_COUNT = 1
