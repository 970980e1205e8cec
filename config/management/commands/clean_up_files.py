"""python manage.py clean_up_files [--dry-run]

What the daily task config.clean_up_files does (config/file_cleanup.py), by hand: removes the
PDFs of voided print runs, finished import uploads older than IMPORT_UPLOAD_KEEP_DAYS, photos
nothing uses any more and every file no field names, in both storages. ``--dry-run`` lists
what would go and removes nothing."""

from django.core.management.base import BaseCommand

from config.file_cleanup import clean_up_files


class Command(BaseCommand):
    help = "Remove files nothing refers to any more (voided print runs, old imports, orphans)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list, remove nothing")

    def handle(self, *args, dry_run=False, **options):
        report = clean_up_files(dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        for name in [*report.voided_runs, *report.old_imports, *report.photos, *report.orphans]:
            self.stdout.write(f"{verb}: {name}")
        self.stdout.write(report.summary())
