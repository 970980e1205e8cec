"""python manage.py move_private_files [--dry-run]

For a site upgraded from a release that kept label PDFs, trace documents, import uploads and
pickup lists with the public media: move each file a private field names from the media
storage into the private storage, under the same name. Safe to run again: a file already in
the private storage is left alone, and the media copy is removed only once the private one
is written."""

from django.apps import apps
from django.core.files.storage import storages
from django.core.management.base import BaseCommand
from django.db.models import FileField

from config.storage import private_files


def private_names():
    """Every file name a private FileField of any model holds."""
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, FileField) and field.storage is private_files:
                names = (
                    model._default_manager.exclude(**{field.name: ""})
                    .values_list(field.name, flat=True)
                    .iterator()
                )
                yield from (name for name in names if name)


class Command(BaseCommand):
    help = "Move private files (label PDFs, trace documents, imports, pickup lists) out of media."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="say what would move")

    def handle(self, *args, dry_run=False, **options):
        media, private = storages["default"], storages["private"]
        moved = already = missing = 0
        for name in private_names():
            if private.exists(name):
                already += 1
                if not dry_run and media.exists(name):
                    media.delete(name)
                continue
            if not media.exists(name):
                missing += 1
                self.stderr.write(f"missing: {name}")
                continue
            moved += 1
            if dry_run:
                self.stdout.write(f"would move: {name}")
                continue
            with media.open(name, "rb") as source:
                saved = private.save(name, source)
            if saved != name:  # the private storage chose another name: undo, keep the media copy
                private.delete(saved)
                raise RuntimeError(f"could not keep the name {name}")
            media.delete(name)
        self.stdout.write(f"moved {moved}, already private {already}, missing {missing}")
