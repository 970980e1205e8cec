"""Handing out a private file once a view has checked who is asking.

Every view that gives out a label PDF, a pickup list, its slips, a trace document or an import
upload loads its object through ``accounts.access`` and then calls ``serve_private``. On disk
the file is streamed by Django (no URL maps to the private folder); in S3 the answer is a
redirect to a presigned URL that stops working after ``PRIVATE_FILE_URL_SECONDS``, so a kept
or shared link dies quickly and a guessed object key is refused by the bucket.
"""

import posixpath

from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header

from .media import MEDIA_CSP, media_headers
from .storage import is_on_disk


def serve_private(request, fieldfile, filename=None):
    """The file of ``fieldfile`` (a private FileField's value) as a download called
    ``filename`` (its stored name by default): streamed from disk, or a redirect to a
    presigned URL of the bucket. 404 when the field is empty or the file is gone. The caller
    has already checked that ``request.user`` may have it."""
    if not fieldfile:
        raise Http404
    name = fieldfile.name
    storage = fieldfile.storage
    download_name = filename or posixpath.basename(name)
    headers = media_headers(download_name)
    headers["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=download_name
    )
    if is_on_disk(storage):
        try:
            handle = storage.open(name, "rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        response = FileResponse(handle)
        for header, value in headers.items():
            response[header] = value
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = MEDIA_CSP
    else:
        url = storage.url(
            name,
            parameters={
                "ResponseContentType": headers["Content-Type"],
                "ResponseContentDisposition": headers["Content-Disposition"],
            },
        )
        response = HttpResponseRedirect(url)
    # Neither the file nor the short-lived link may be kept by a shared cache.
    patch_cache_control(response, private=True, no_store=True)
    return response
