"""python manage.py import_growing_areas FILE [--dry-run]"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from growing_areas.services import import_growing_areas


class Command(BaseCommand):
    help = (
        "Import growing areas from a CSV or XLSX file. All or nothing: if any row is wrong, "
        "nothing is saved and every problem is listed. Codes already registered are updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv or .xlsx file whose first row names the columns")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report; save nothing"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        with translation.override(settings.LANGUAGE_CODE), handle:
            report = import_growing_areas(handle, path.name, dry_run=options["dry_run"])
            if not report.ok:
                for error in report.errors:
                    self.stderr.write(str(error))
                if report.hidden_errors:
                    self.stderr.write(
                        translation.gettext("… and %(count)s more.")
                        % {"count": report.hidden_errors}
                    )
                raise CommandError(
                    translation.gettext("%(count)d errors: nothing was saved.")
                    % {"count": report.error_count}
                )
            summary = translation.gettext(
                "%(rows)d rows: %(created)d new areas, %(updated)d updated, "
                "%(unchanged)d unchanged."
            ) % {
                "rows": report.total_rows,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            }
            if report.dry_run:
                summary += " " + translation.gettext("Dry run: nothing was saved.")
            self.stdout.write(self.style.SUCCESS(summary))
