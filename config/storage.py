"""The two places uploaded and generated files live.

``default`` holds public media (product, producer and growing-area photos, Wagtail images and
their renditions): anyone may fetch them by URL. ``private`` holds what only some people may
see (label print-run PDFs with genuine serials, trace-event documents, OCOP certificates,
import uploads, pickup-list PDFs and slips). A private file has no public URL: it is handed
out only by ``config.private.serve_private`` after an access check, streamed from disk or as
a presigned S3 URL that expires after ``PRIVATE_FILE_URL_SECONDS``.

The S3 backends are in ``config.s3_storage``, which loads boto3 (some 20 MB in every web and
worker process): only a site with a bucket imports it.

Private FileFields say ``storage=private_storage``: a callable, so migrations name the callable
and not a backend, and a lazy object, so a test that swaps ``STORAGES`` swaps the fields too.
"""

import sys
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _

PRIVATE_STORAGE_ALIAS = "private"
STORAGE_DOWN_MESSAGE = _(
    "The file could not be stored just now, so nothing was saved. Please try again in a few "
    "minutes."
)


class PrivateFileSystemStorage(FileSystemStorage):
    """A folder outside MEDIA_ROOT (PRIVATE_ROOT, var/private by default) that no URL maps
    to: asking it for a URL is a programming error, the file goes out through serve_private."""

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_ROOT":
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError("A private file has no URL: serve it with config.private.serve_private.")


class PrivateStorage(LazyObject):
    """storages["private"], looked up again whenever STORAGES changes."""

    def _setup(self):
        self._wrapped = storages[PRIVATE_STORAGE_ALIAS]


private_files = PrivateStorage()


def is_on_disk(storage):
    """True for a folder on this machine, False for a bucket (or a lazy storage of either)."""
    return isinstance(storage, FileSystemStorage)


def private_storage():
    """The storage of every private FileField (``storage=private_storage``)."""
    return private_files


def _reset_private(setting, **kwargs):
    if setting == "STORAGES":
        private_files._wrapped = empty


setting_changed.connect(_reset_private)


def storage_errors():
    """What a failed write to either storage raises: OSError (a full disk, a folder that
    cannot be written), and, once a bucket is in use (boto3 loaded), botocore's errors (a
    bucket that does not answer, a refused request)."""
    if "botocore" not in sys.modules:  # no bucket has been used: none of its errors can occur
        return (OSError,)
    from botocore.exceptions import BotoCoreError, ClientError

    return (OSError, BotoCoreError, ClientError)


def save_or_refuse(save, field=None):
    """Run ``save()`` (a write to a storage); a storage that cannot be written to becomes a
    ValidationError people can read instead of a server error, on the form field ``field``
    when given. Call it inside the transaction that creates the record, so the record goes
    with the file."""
    try:
        return save()
    except storage_errors() as exc:
        message = {field: STORAGE_DOWN_MESSAGE} if field else STORAGE_DOWN_MESSAGE
        raise ValidationError(message) from exc


@contextmanager
def atomic_removing_files_on_failure():
    """``transaction.atomic()`` for a save that stores files: yields a list, and the files of
    the images (or FieldFiles) appended to it are deleted when the block fails. The rollback
    removes their rows but not the files on disk or in the bucket. (Only this block's own
    failure is seen: an enclosing transaction that rolls back later does not remove them.)"""
    stored = []
    try:
        with transaction.atomic():
            yield stored
    except BaseException:
        for item in stored:
            field_file = item if isinstance(item, FieldFile) else item.file
            field_file.delete(save=False)
        raise
