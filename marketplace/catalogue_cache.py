"""What keeps the catalogue cheap at a million products: pages counted only up to a limit,
and anonymous visitors' pages kept briefly in Django's cache."""

import hashlib

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils.functional import cached_property
from django.utils.translation import get_language

from config.shared_pages import shareable

# Above this many listings the catalogue says "hơn 10.000 sản phẩm" instead of counting them
# all: counting every match of a common word at 1,000,000 products took 317 ms per page.
COUNT_LIMIT = 10_000
# A search counts less far ("hơn 1.000 sản phẩm"): its matches are scattered over the whole
# table, and at 1,000,000 listings reading 10,001 of them took ~150 ms on a busy machine.
SEARCH_COUNT_LIMIT = 1_000


class CappedPaginator(Paginator):
    """A paginator that counts at most ``limit`` + 1 rows (``SELECT COUNT(*)`` over a
    subquery with a LIMIT). Past the limit, ``count`` is the limit, ``more`` is true and the
    pages stop at the limit's last page: a visitor narrows the search instead.

    With ``remember_as`` (what the rows are: the search words and filters), the count is kept
    in the cache for CATALOGUE_COUNT_SECONDS and the next page of the same search, or the same
    search by anyone, counts nothing."""

    def __init__(self, object_list, per_page, limit=COUNT_LIMIT, remember_as=None):
        super().__init__(object_list, per_page)
        self.limit = limit
        self.remember_as = remember_as

    def _count_key(self):
        if self.remember_as is None or settings.CATALOGUE_COUNT_SECONDS <= 0:
            return None
        what = hashlib.sha256(repr(self.remember_as).encode()).hexdigest()
        return f"catalogue-count:{self.limit}:{what}"

    @cached_property
    def _counted(self):
        key = self._count_key()
        counted = cache.get(key) if key else None
        if counted is None:
            # unordered: counting needs no sort, and PostgreSQL stops at the limit
            counted = self.object_list.order_by()[: self.limit + 1].count()
            if key:
                cache.set(key, counted, settings.CATALOGUE_COUNT_SECONDS)
        return counted

    @cached_property
    def count(self):
        return min(self._counted, self.limit)

    @property
    def more(self):
        return self._counted > self.limit


# --- anonymous pages in the cache -----------------------------------------------------------


def cacheable(request):
    """Only an anonymous visitor's page, with no session (so no cart in the header) and no
    message waiting, is the same for every visitor and may come from the cache."""
    if settings.CATALOGUE_CACHE_SECONDS <= 0 or request.method != "GET":
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    if request.user.is_authenticated:
        return False
    return len(get_messages(request)) == 0


def _key(request):
    address = f"{get_language()}|{request.get_host()}|{request.get_full_path()}"
    return "catalogue-page:" + hashlib.sha256(address.encode()).hexdigest()


def middleware(get_response):
    """Serves the catalogue's listing page (``catalog_url()``, any query string) to anonymous
    visitors from the cache before Wagtail looks the page up (7 queries), and keeps what the
    view rendered. Placed below the CSP and frame-options middleware, so a page from the cache
    gets their headers like a rendered one."""

    # Uploads and static files are never the catalogue: they are answered without asking
    # where the catalogue lives (which may need the database).
    files = tuple(
        prefix for prefix in (settings.MEDIA_URL, settings.STATIC_URL) if prefix.startswith("/")
    )

    def catalogue_cache(request):
        from .models import catalog_url

        if request.path.startswith(files) or not cacheable(request):
            return get_response(request)
        if request.path != catalog_url():
            return get_response(request)
        response = cached_page(request)
        if response is None:
            response = get_response(request)
            keep_page(request, response)
        return response

    return catalogue_cache


def cached_page(request):
    """The cached response for this address; None when not cached."""
    content = cache.get(_key(request))
    return None if content is None else HttpResponse(content)


def keep_page(request, response):
    """Keep a rendered page for ``CATALOGUE_CACHE_SECONDS``, unless it holds something of
    this visitor's own (config/shared_pages.py)."""
    if response.status_code != 200 or response.streaming:
        return
    content = response.content.decode()
    if shareable(content):
        cache.set(_key(request), content, settings.CATALOGUE_CACHE_SECONDS)
