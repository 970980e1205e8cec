"""What the label page keeps in the cache besides its template fragments: the growing area's
certificates, read once per area rather than on every scan (saving or deleting a certificate,
or saving the area, forgets them; the bound only limits a change made by a bulk update), and
whole label pages (below)."""

import threading
import time
import uuid
from collections import OrderedDict

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.utils.text import compress_string

from config.shared_pages import shareable

CERTIFICATES_SECONDS = 600


def _certificates_key(area_id):
    return f"trace:certificates:{area_id}"


def area_certificates(area):
    """The area's certificates, from the cache when the area has not changed since."""
    stamp = area.updated_at.timestamp() if area.updated_at else 0
    cached = cache.get(_certificates_key(area.pk))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    certificates = list(area.certifications.all())
    cache.set(_certificates_key(area.pk), (stamp, certificates), CERTIFICATES_SECONDS)
    return certificates


def forget_certificates(sender, instance, **kwargs):
    """post_save / post_delete of a Certification: the next label page reads them again."""
    cache.delete(_certificates_key(instance.area_id))


# --- whole label pages ----------------------------------------------------------------------
# A label page (/01/…/21/<serial>, no query) is the same for every anonymous visitor with no
# session but for the scan it logs: it is kept whole per address and language, compressed once,
# and a repeat view costs the scan's INSERT and, at most once a second, one cache read.
# Saving anything the page shows (label, print run, batch, step, product, producer, photo,
# area, certificate, site settings) and each recount of the scans forget every kept page at
# once; a bulk change that sends no signal shows within PAGE_SECONDS.
PAGE_SECONDS = 60
GENERATION_KEY = "trace:pages:generation"


def _page_key(path, language):
    return f"trace:page:{language}:{path}"


# Where the cache is a server shared by the web processes (Redis), each process also keeps
# the pages it served last in its own memory: a repeat view then asks the cache nothing, and
# the shared generation is read at most once every LOCAL_CHECK_SECONDS, so a change shows
# within that time in the other processes (at once in the one that made it).
LOCAL_CHECK_SECONDS = 1.0
LOCAL_PAGES = 500


class _Local:
    def __init__(self):
        self.pages = OrderedDict()
        self.generation = None
        self.read_at = None
        self.lock = threading.Lock()


_local = _Local()


def _shared_cache():
    return not isinstance(caches["default"], LocMemCache)


def _generation():
    """The pages' generation, read from the shared cache at most once a LOCAL_CHECK_SECONDS."""
    now = time.monotonic()
    if _local.read_at is None or now - _local.read_at >= LOCAL_CHECK_SECONDS:
        _local.generation, _local.read_at = cache.get(GENERATION_KEY), now
    return _local.generation


def _remember(key, page):
    """Keep ``page`` in this process too, for PAGE_SECONDS at most, as in the shared cache."""
    with _local.lock:
        _local.pages[key] = (page, time.monotonic() + PAGE_SECONDS)
        _local.pages.move_to_end(key)
        while len(_local.pages) > LOCAL_PAGES:
            _local.pages.popitem(last=False)


def kept_page(path, language):
    """(the pages' generation now, the page kept for ``path`` if it is still current)."""
    key = _page_key(path, language)
    if not _shared_cache():
        found = cache.get_many([GENERATION_KEY, key])
        generation, page = found.get(GENERATION_KEY), found.get(key)
        return generation, page if page is not None and page["generation"] == generation else None
    generation = _generation()
    page, until = _local.pages.get(key, (None, 0))
    if page is None or page["generation"] != generation or time.monotonic() >= until:
        page = cache.get(key)
        if page is None or page["generation"] != generation:
            return generation, None
        _remember(key, page)
    return generation, page


def keep_page(path, language, generation, page):
    """Keep ``page`` (a dict: body, link header, what the scan log needs) as of
    ``generation``, read before the page was built, so a change made meanwhile is not hidden;
    with it the body gzipped once, for every visitor whose browser accepts gzip. A body with
    anything of one visitor's own is not kept (config/shared_pages.py)."""
    if not shareable(page["body"]):
        return
    # No secret in the body, so no padding against BREACH is needed (config.middleware)
    page = {**page, "gzipped": compress_string(page["body"].encode()), "generation": generation}
    cache.set(_page_key(path, language), page, PAGE_SECONDS)
    if _shared_cache():
        _remember(_page_key(path, language), page)


def forget_pages(*args, **kwargs):
    """Every kept label page is built again on its next view. (A view built while the change
    was still being committed may keep the old page, for PAGE_SECONDS at most.)"""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
    _local.read_at = None  # this process reads the new generation at once
