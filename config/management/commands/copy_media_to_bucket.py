"""python manage.py copy_media_to_bucket [--dry-run]

For a site moving to S3 (README "Moving to S3"): with AWS_STORAGE_BUCKET_NAME set, copy every
file of the local MEDIA_ROOT into the public media bucket and every file of PRIVATE_ROOT into
the private bucket (or the private prefix), under the same names, so the records keep naming
them. Safe to run again and to interrupt: an object already in the bucket with the same size
is skipped. A private file an older release left in MEDIA_ROOT is never copied to the public
bucket (move it first with move_private_files)."""

from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from config.media import PRIVATE_PREFIXES
from config.storage import is_on_disk


def local_files(root):
    """(name, path) of every file under ``root``, names with forward slashes, sorted."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(
        (path.relative_to(root).as_posix(), path) for path in root.rglob("*") if path.is_file()
    )


class Command(BaseCommand):
    help = "Copy local media and private files into the S3 buckets (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list what would be copied")

    def handle(self, *args, dry_run=False, **options):
        media, private = storages["default"], storages["private"]
        if is_on_disk(media) or is_on_disk(private):
            raise CommandError("Set AWS_STORAGE_BUCKET_NAME first: the storages are on disk.")
        in_media = local_files(settings.MEDIA_ROOT)
        work = [
            (media, name, path) for name, path in in_media if not name.startswith(PRIVATE_PREFIXES)
        ]
        left = len(in_media) - len(work)
        work += [(private, name, path) for name, path in local_files(settings.PRIVATE_ROOT)]
        copied = already = 0
        for done, (storage, name, path) in enumerate(work, start=1):
            if storage.exists(name) and storage.size(name) == path.stat().st_size:
                already += 1
            elif dry_run:
                copied += 1
                self.stdout.write(f"would copy: {name}")
            else:
                copied += 1
                with path.open("rb") as handle:
                    # _save writes under exactly this name, replacing a partial copy
                    storage._save(name, File(handle, name=name))
            self.stderr.write(f"\r{done}/{len(work)}", ending="")
        self.stderr.write("")
        verb = "would copy" if dry_run else "copied"
        self.stdout.write(f"{verb} {copied}, already in the bucket {already}")
        if left:
            self.stderr.write(f"left {left} private files in media: run move_private_files first")
