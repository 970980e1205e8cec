"""Serving what people uploaded without letting it act as a page or a script.

Uploads are re-encoded and renamed by marketplace.photos, but files stored before that (or put
in MEDIA_ROOT by hand) may still be HTML or JavaScript under any name. So the type a file is
served with never comes from a guess: only the extensions below are served as themselves,
everything else is a download of application/octet-stream, and the browser is told not to sniff
and not to run anything.
"""

import posixpath
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpResponseNotModified
from django.utils._os import safe_join
from django.utils.http import content_disposition_header, http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

# The only types a stored file is served as; the keys are lower-case extensions.
IMAGE_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "avif": "image/avif",
}
SAFE_TYPES = {**IMAGE_TYPES, "pdf": "application/pdf"}
DOWNLOAD_TYPE = "application/octet-stream"
# Where private files were written before they had their own storage (config.storage): a
# copy left in MEDIA_ROOT by an older release is never served as public media.
PRIVATE_PREFIXES = (
    "truy-xuat/tem/",
    "truy-xuat/tai-lieu/",
    "buu-dien/",
    "growing_areas/imports/",
    "ocop/",
)
# Nothing in a served file may run, load or be framed, even when a browser renders it itself.
MEDIA_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"


def media_headers(name):
    """The Content-Type and, for anything that is not an image, the Content-Disposition
    a stored file called ``name`` is served with, wherever it is served from."""
    extension = posixpath.splitext(name)[1].lower().lstrip(".")
    content_type = SAFE_TYPES.get(extension, DOWNLOAD_TYPE)
    headers = {"Content-Type": content_type}
    if extension not in IMAGE_TYPES:
        headers["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=posixpath.basename(name)
        )
    return headers


@require_safe
def serve_media(request, path):
    """A file under MEDIA_ROOT with the headers of media_headers(), nosniff and a sandboxing
    CSP; 404 for anything outside MEDIA_ROOT or missing, and for the old places of private
    files."""
    if posixpath.normpath(path).lstrip("/").startswith(PRIVATE_PREFIXES):
        raise Http404
    try:
        full_path = Path(safe_join(settings.MEDIA_ROOT, path))
    except (SuspiciousFileOperation, ValueError) as exc:  # outside MEDIA_ROOT, or a NUL byte
        raise Http404 from exc
    if not full_path.is_file():
        raise Http404
    stat = full_path.stat()
    if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), stat.st_mtime):
        response = HttpResponseNotModified()
    else:
        response = FileResponse(full_path.open("rb"))
        response["Content-Length"] = str(stat.st_size)
    for header, value in media_headers(path).items():
        response[header] = value
    response["Last-Modified"] = http_date(stat.st_mtime)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    return response
