"""The all-or-nothing save of an import: new codes created, known codes updated in place, every
status set or changed recorded in the history, all in one transaction, in bulk through the ORM
(never a query per row), a chunk of rows at a time."""

from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import GrowingArea, StatusChange
from .rows import FIELDS_OF_COLUMN, holder_type_for

# Rows written (or looked up) per query.
CHUNK = 500


# Errors an import keeps to show (the rest are counted): a file wrong on every line of 100,000
# rows must not hold 100,000 messages. As many as an ImportJob stores.
MAX_KEPT_ERRORS = 1000


@dataclass
class ImportReport:
    filename: str
    dry_run: bool = False
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # the first MAX_KEPT_ERRORS, in file order
    error_count: int = 0  # all of them

    @property
    def ok(self):
        return not self.error_count

    @property
    def saved(self):
        return self.ok and not self.dry_run

    def add_errors(self, errors):
        self.error_count += len(errors)
        self.errors.extend(errors[: max(0, MAX_KEPT_ERRORS - len(self.errors))])

    @property
    def hidden_errors(self):
        """How many errors were counted but not kept."""
        return self.error_count - len(self.errors)

    def error_dicts(self, limit=None):
        errors = self.errors if limit is None else self.errors[:limit]
        return [asdict(e) for e in errors]


def _chunks(items):
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _existing_by_code(codes, lock=False):
    found = {}
    areas = GrowingArea.objects.select_for_update() if lock else GrowingArea.objects.all()
    for chunk in _chunks(codes):
        found.update((a.code, a) for a in areas.filter(code__in=chunk))
    return found


def updated_fields(columns):
    """The model fields an import with these columns sets on a code already registered: a
    column missing from the file leaves its fields alone."""
    return sorted({f for column in columns for f in FIELDS_OF_COLUMN[column]} - {"code"})


def save_rows(chunks, report, columns, *, dry_run=False, user=None):
    """Create or update one GrowingArea per row (the values rows.RowReader gave, each with its
    ``status``; ``chunks`` gives them a list at a time, each code once in the whole file) and
    fill ``report``'s counts. One transaction: if any write fails, nothing is saved (the
    exception propagates). With ``dry_run`` the counts are computed and nothing is written.
    Only one chunk's areas are in memory at a time."""
    now = timezone.now()
    reasons = {
        "created": _("Registered by importing “%(file)s”.") % {"file": report.filename},
        "changed": _("Changed by importing “%(file)s”.") % {"file": report.filename},
    }
    fields = updated_fields(columns)
    with transaction.atomic():
        for rows in chunks:
            _save_chunk(rows, report, fields, now, reasons, dry_run=dry_run, user=user)
    return report


def _save_chunk(rows, report, fields, now, reasons, *, dry_run, user):
    existing = _existing_by_code((values["code"] for values in rows), lock=not dry_run)
    to_create, history = [], []
    to_update = defaultdict(list)  # the fields that changed -> the areas where they did
    for values in rows:
        values = dict(values)
        status = values.pop("status")
        holder_type = holder_type_for(values["holder_name"]) if "holder_name" in values else ""
        area = existing.get(values["code"])
        if area is None:
            area = GrowingArea(
                **values,
                holder_type=holder_type,
                status=status or GrowingArea.Status.ACTIVE,
                updated_at=now,
            )
            area.set_extent()  # bulk_create does not call save()
            to_create.append(area)
            continue
        values["holder_type"] = holder_type or area.holder_type
        changed = [
            name
            for name in [*fields, "holder_type"]
            if name in values and getattr(area, name) != values[name]
        ]
        for name in changed:
            setattr(area, name, values[name])
        if area.set_extent():
            changed.extend(GrowingArea.EXTENT_FIELDS)
        if status and status != area.status:
            history.append(
                StatusChange(
                    area=area,
                    from_status=area.status,
                    to_status=status,
                    reason=reasons["changed"],
                    changed_by=user,
                    changed_at=now,
                )
            )
            area.status = status
            changed.append("status")
        if changed:
            area.updated_at = now
            to_update[tuple(changed)].append(area)
        else:
            report.unchanged += 1
    report.created += len(to_create)
    report.updated += sum(len(areas) for areas in to_update.values())
    if dry_run:
        return
    for chunk in _chunks(to_create):
        GrowingArea.objects.bulk_create(chunk)
    if any(a.pk is None for a in to_create):  # a database that returns no ids
        ids = {code: a.pk for code, a in _existing_by_code(a.code for a in to_create).items()}
        for area in to_create:
            area.pk = ids[area.code]
    history.extend(
        StatusChange(
            area=area,
            from_status="",
            to_status=area.status,
            reason=reasons["created"],
            changed_by=user,
            changed_at=now,
        )
        for area in to_create
    )
    # Rows that changed the same fields are written together: a re-import usually changes
    # one or two columns, and a narrow UPDATE is much cheaper than one of every column.
    for changed, areas in to_update.items():
        for chunk in _chunks(areas):
            GrowingArea.objects.bulk_update(chunk, [*changed, "updated_at"])
    for chunk in _chunks(history):
        StatusChange.objects.bulk_create(chunk)
