"""Settings for the test suite: the embedded runtime, tasks run in-process unless a test
starts a real worker. Everything else still comes from the environment, so the same suite
runs against PostgreSQL and Redis when DATABASE_URL and CELERY_BROKER_URL say so."""

import os

os.environ.setdefault("DJANGO_ENV", "test")

from config.settings import *  # noqa: E402,F403

# A test sees the catalogue it just made, not a page or a count kept by the request before: the
# tests of the caches themselves turn them on (tests/marketplace/test_catalogue_scale.py).
CATALOGUE_CACHE_SECONDS = 0
CATALOGUE_COUNT_SECONDS = 0
