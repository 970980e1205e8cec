"""python manage.py issue_labels GTIN LOT --count N --layout a4-30x30 --out FILE.pdf"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from traceability import gtins, printing
from traceability.gs1 import GS1Error, validate_gtin
from traceability.labels import LAYOUTS
from traceability.models import MAX_LABELS_PER_RUN, Batch


class Command(BaseCommand):
    help = "Issue a run of QR labels for a batch and write the label sheets to a PDF file."

    def add_arguments(self, parser):
        parser.add_argument("gtin", help="the product's GTIN (8, 12, 13 or 14 digits)")
        parser.add_argument("lot", help="the batch's lot code")
        parser.add_argument("--count", type=int, required=True, help=f"1 to {MAX_LABELS_PER_RUN}")
        parser.add_argument("--layout", choices=sorted(LAYOUTS), default="a4-30x30")
        parser.add_argument("--out", required=True, help="where to write the PDF")

    def handle(self, *args, gtin, lot, count, layout, out, **options):
        try:
            gtin = validate_gtin(gtin)
        except GS1Error as error:
            raise CommandError(str(error)) from None
        product = gtins.find_product(gtin)
        batch = Batch.objects.filter(product=product, lot=lot).first() if product else None
        if batch is None:
            raise CommandError(f"No batch {lot!r} of a product with GTIN {gtin}.")
        try:
            run = printing.issue_labels(batch, count, layout, build=False)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None

        def progress(done, total):
            self.stderr.write(f"\r{done}/{total}", ending="")

        run = printing.build_print_run(run.pk, progress=progress)
        self.stderr.write("")
        Path(out).write_bytes(run.pdf.read())
        run.pdf.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"{count} labels of lot {lot} written to {out} (print run {run.pk})."
            )
        )
