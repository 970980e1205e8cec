"""Removing the files nobody may need any more, in both storages, and never one still named.

Run daily by the task ``config.clean_up_files`` (Celery beat) and by hand with
``manage.py clean_up_files [--dry-run]``. In order:

1. a voided label print run's PDF (it holds serials that no longer count) is deleted and the
   run no longer names it;
2. a growing-area import upload of a finished import older than ``IMPORT_UPLOAD_KEEP_DAYS``
   is deleted and the import no longer names it (its counts and errors stay);
3. a photo a farmer or helper uploaded through the site's forms that nothing refers to any
   more (a replaced product, producer or OCOP photo, the photos of a deleted draft) is
   forgotten from the image library, with its renditions;
4. every file under the folders the site writes to (``SWEPT``) that no FileField or
   ImageField of any model names (images, renditions, documents, print runs, imports, pickup
   lists) and that is older than ``GRACE`` is deleted. The grace period protects an upload
   whose record is not yet committed.

Whatever a model field still holds is read from the database just before the sweep, so a
referenced file is never removed.
"""

import logging
import posixpath
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.files.storage import storages
from django.db.models import FileField
from django.utils import timezone

from .media import PRIVATE_PREFIXES
from .storage import private_files

logger = logging.getLogger(__name__)

# A file younger than this may be an upload whose record is still being saved.
GRACE = timedelta(days=1)
# The folders of each storage the site writes to; anything else in a bucket is left alone.
SWEPT = {
    "default": ("original_images/", "images/", "documents/"),
    "private": PRIVATE_PREFIXES,
}


@dataclass
class CleanUp:
    """What one clean-up removed (or, in a dry run, would remove), storage alias and name."""

    voided_runs: list = field(default_factory=list)
    old_imports: list = field(default_factory=list)
    photos: list = field(default_factory=list)
    orphans: list = field(default_factory=list)

    def summary(self):
        return (
            f"voided print runs {len(self.voided_runs)}, old imports {len(self.old_imports)}, "
            f"unused photos {len(self.photos)}, files nothing names {len(self.orphans)}"
        )


def _alias(file_field):
    return "private" if file_field.storage is private_files else "default"


def referenced_names():
    """{storage alias: every file name a FileField or ImageField of any model holds}."""
    names = {"default": set(), "private": set()}
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if isinstance(model_field, FileField) and model_field.concrete:
                values = (
                    model._base_manager.exclude(**{model_field.attname: ""})
                    .exclude(**{f"{model_field.attname}__isnull": True})
                    .values_list(model_field.attname, flat=True)
                )
                names[_alias(model_field)].update(values.iterator())
    return names


def _stored(storage, folder):
    """Every file name under ``folder`` of ``storage`` (walked with listdir, disk or bucket)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield posixpath.join(folder, name)
    for sub in folders:
        yield from _stored(storage, posixpath.join(folder, sub))


def _release(queryset, field_name, dry_run, removed):
    """Delete the file each row's ``field_name`` holds and empty the field."""
    for row in queryset.exclude(**{field_name: ""}).iterator():
        file = getattr(row, field_name)
        removed.append(file.name)
        if not dry_run:
            file.delete(save=False)
            type(row)._base_manager.filter(pk=row.pk).update(**{field_name: ""})


def release_voided_print_runs(dry_run, removed):
    from traceability.models import LabelPrintRun

    _release(LabelPrintRun.objects.filter(voided_at__isnull=False), "pdf", dry_run, removed)


def release_old_imports(now, dry_run, removed):
    from growing_areas.models import ImportJob

    cutoff = now - timedelta(days=settings.IMPORT_UPLOAD_KEEP_DAYS)
    old = ImportJob.objects.filter(state__in=ImportJob.FINISHED, created_at__lt=cutoff)
    _release(old, "file", dry_run, removed)


def unused_photos(now):
    """Images uploaded by someone who is not staff (the site's photo forms), older than
    GRACE, that no foreign key of any model and no page or snippet (Wagtail's reference
    index) names. Images staff put in the library themselves are kept."""
    from wagtail.images import get_image_model
    from wagtail.models import ReferenceIndex

    image_model = get_image_model()
    candidates = image_model.objects.filter(
        created_at__lt=now - GRACE,
        uploaded_by_user__isnull=False,
        uploaded_by_user__is_staff=False,
    )
    rendition_model = image_model.get_rendition_model()
    for relation in image_model._meta.get_fields(include_hidden=True):
        if not (relation.is_relation and relation.auto_created and not relation.concrete):
            continue
        if relation.related_model is rendition_model or not hasattr(relation, "field"):
            continue
        pointing = relation.related_model._base_manager.filter(
            **{f"{relation.field.name}__isnull": False}
        ).values(relation.field.attname)
        candidates = candidates.exclude(pk__in=pointing)
    for image in candidates.iterator():
        if not ReferenceIndex.get_references_to(image).exists():
            yield image


def forget_unused_photos(now, dry_run, removed):
    for image in list(unused_photos(now)):
        removed.append(image.file.name)
        if not dry_run:
            image.delete()  # its renditions go with it; their files are swept next


def remove_orphans(now, dry_run, removed):
    referenced = referenced_names()
    cutoff = now - GRACE
    for alias, folders in SWEPT.items():
        storage = storages[alias]
        for folder in folders:
            for name in list(_stored(storage, folder.rstrip("/"))):
                if name in referenced[alias] or storage.get_modified_time(name) >= cutoff:
                    continue
                removed.append(f"{alias}:{name}")
                if not dry_run:
                    storage.delete(name)


def clean_up_files(dry_run=False, now=None):
    """Remove what the module docstring lists; return what was (or would be) removed."""
    now = now or timezone.now()
    report = CleanUp()
    release_voided_print_runs(dry_run, report.voided_runs)
    release_old_imports(now, dry_run, report.old_imports)
    forget_unused_photos(now, dry_run, report.photos)
    remove_orphans(now, dry_run, report.orphans)
    logger.info("file clean-up%s: %s", " (dry run)" if dry_run else "", report.summary())
    return report
