"""Vietnamese first: the site speaks Vietnamese unless the person picked English with the
switch (a cookie). Only the label pages scanned by buyers anywhere follow the browser's
Accept-Language, as a GS1 resolver should. Also: requests carrying NUL bytes are refused, and
text responses are gzip-compressed."""

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware
from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.http import escape_leading_slashes


class LanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if request.path_info.startswith(tuple(settings.ACCEPT_LANGUAGE_PATH_PREFIXES)):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class CommonMiddleware(DjangoCommonMiddleware):
    """Django's, except for a POST (PUT, PATCH, DELETE …) to an address missing its final
    slash: it is sent on with 308, which keeps the method and the body, where Django raises
    an error with DEBUG on and turns it into a GET without."""

    def get_full_path_with_slash(self, request):
        return escape_leading_slashes(request.get_full_path(force_append_slash=True))

    def _keep_method(self, request, response):
        if request.method not in {"GET", "HEAD"} and response.status_code == 301:
            response.status_code = 308
        return response

    def process_request(self, request):
        response = super().process_request(request)
        return self._keep_method(request, response) if response is not None else None

    def process_response(self, request, response):
        redirect = super().process_response(request, response)
        return redirect if redirect is response else self._keep_method(request, redirect)


def refuse_nul_bytes(get_response):
    """A NUL byte in the address or the query string is never part of a real link, and
    PostgreSQL cannot compare text with one (a lookup would raise a database error): such a
    request is answered 400 before any view queries with it. Form fields refuse NUL already
    (Django's ProhibitNullCharactersValidator)."""

    def middleware(request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path_info or "%00" in query or "\x00" in query:
            return HttpResponseBadRequest("NUL byte in the address", content_type="text/plain")
        return get_response(request)

    return middleware


# What is worth compressing: markup and data. PDFs, images, XLSX and ZIP are compressed
# already (gzip would only cost time and, for a streamed file, its Content-Length).
COMPRESSIBLE_TYPES = (
    "text/",
    "application/json",
    "application/geo+json",
    "application/ld+json",
    "application/manifest+json",
    "application/javascript",
    "application/xml",
    "image/svg+xml",
)


class GZipMiddleware(DjangoGZipMiddleware):
    """Django's gzip (which pads each compressed response with up to 100 random bytes against
    BREACH, as CSRF tokens are masked anew on every response), for text responses only."""

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if not content_type.startswith(COMPRESSIBLE_TYPES):
            return response
        return super().process_response(request, response)
