"""GET /healthz: is the database answering, is the broker answering, can the two file
storages (public media, private files) be reached?"""

import os

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

from .storage import is_on_disk


def database_ok():
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def broker_ok(timeout=2):
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:  # any failure to connect means the broker is not usable
        return False


# A storage answer is reused for a few seconds: probes come often, a bucket request costs.
STORAGE_CHECK_SECONDS = 10
STORAGE_CHECK_KEY = "healthz:storage"
STORAGE_MARKER = ".healthz"


def _storage_answers(storage):
    if not is_on_disk(storage):  # a bucket: one HEAD request for a small key
        storage.exists(STORAGE_MARKER)
        return True
    location = storage.path("")
    os.makedirs(location, exist_ok=True)
    return os.access(location, os.W_OK)


def storage_ok():
    """Both storages answer (a bucket a HEAD request, a folder exists and is writable);
    the answer is cached for STORAGE_CHECK_SECONDS."""
    cached = cache.get(STORAGE_CHECK_KEY)
    if cached is not None:
        return cached
    try:
        ok = all(_storage_answers(storages[alias]) for alias in ("default", "private"))
    except Exception:  # any failure to reach a storage means uploads and downloads fail
        ok = False
    cache.set(STORAGE_CHECK_KEY, ok, STORAGE_CHECK_SECONDS)
    return ok


@never_cache
def healthz(request):
    checks = {"database": database_ok(), "broker": broker_ok(), "storage": storage_ok()}
    healthy = all(checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        **{name: "up" if ok else "down" for name, ok in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)
