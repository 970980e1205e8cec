"""Operations on the growing-area registry that views, tasks, commands and the admin call."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .importing import UnreadableFile, open_sheet
from .importing.rows import RowError, RowReader
from .importing.spill import SeenCodes, Spill
from .importing.write import ImportReport, save_rows
from .models import EXPIRY_WARNING_DAYS, Certification, GrowingArea, ImportJob

# --- status ----------------------------------------------------------------------------------


def change_status(area, new_status, *, reason, by=None):
    """Change an area's status under a row lock and record who, when and why. Raises
    ValidationError (nothing saved) without a reason or when the status would not change."""
    with transaction.atomic():
        locked = GrowingArea.objects.select_for_update().get(pk=area.pk)
        change = locked.change_status(new_status, reason=reason, by=by)
    area.status = locked.status
    return change


# --- import ----------------------------------------------------------------------------------

PROGRESS_EVERY = 250


def import_growing_areas(data, filename, *, dry_run=False, user=None, progress=None):
    """Import a CSV or XLSX file of growing areas (``data``: its bytes, or the file open in
    binary mode); return an ImportReport.

    All or nothing: when any row is wrong, nothing is saved and ``report.errors`` lists the
    problems with their line and column (the first ``MAX_KEPT_ERRORS``; ``report.error_count``
    counts them all). Codes already registered are updated in place (a file imported twice
    changes nothing the second time). Columns missing from the file leave the existing values
    alone. ``progress(done, total)`` is called while rows are checked.

    The memory it holds does not grow with the file: the file is streamed in three passes
    over temporary files, each holding one chunk of rows at a time. The first reads the
    file (its limits checked) and counts the rows; the second checks every row, reporting
    progress, and keeps only the codes seen (for duplicates) and the errors; the third, only
    when no row was wrong, saves the checked rows in one transaction, chunk by chunk. Checking
    before the transaction keeps it short, and the progress bar's updates visible to others.
    """
    report = ImportReport(filename=filename, dry_run=dry_run)
    with Spill() as read_rows, Spill() as checked_rows:
        try:
            with open_sheet(data, filename) as sheet:
                columns = sheet.columns
                for row in sheet.rows:
                    read_rows.append(row)
        except UnreadableFile as problem:
            report.add_errors([RowError(problem.line or 0, "", "", problem.message)])
            return report
        report.total_rows = read_rows.count
        if progress:
            progress(0, report.total_rows)
        _check_rows(read_rows, columns, report, checked_rows, progress)
        read_rows.close()
        if not report.ok:
            return report
        try:
            save_rows(checked_rows.chunks(), report, columns, dry_run=dry_run, user=user)
        except IntegrityError:
            # another import registered one of these codes while this one ran
            report.created = report.updated = report.unchanged = 0
            report.add_errors(
                [
                    RowError(
                        0,
                        "",
                        "",
                        _("Another import changed the same codes at the same time. Try again."),
                    )
                ]
            )
    return report


def _check_rows(rows, columns, report, checked, progress):
    """Check every row read, adding its errors to ``report``; append the values of the rows to
    ``checked`` while none was wrong (after the first error nothing will be saved)."""
    reader = RowReader(columns)
    # code -> the line it was first seen on (what a duplicate's message says), on disk
    with SeenCodes() as seen:
        for done, (line, cells) in enumerate(rows, start=1):
            values, errors = reader.parse(line, cells)
            code = values.get("code")
            first_line = seen.first_line(code) if code else None
            if first_line is not None:
                errors.insert(
                    0,
                    RowError(
                        line,
                        "code",
                        columns["code"],
                        _("The code %(code)s is already on line %(line)d of this file.")
                        % {"code": code, "line": first_line},
                    ),
                )
            elif code:
                seen.add(code, line)
            report.add_errors(errors)
            if report.ok:
                checked.append(values)
            if progress and (done % PROGRESS_EVERY == 0 or done == report.total_rows):
                progress(done, report.total_rows)


def run_import_job(job_id):
    """Run an admin upload once and keep its progress and report on the ImportJob; return its
    final state, or None when the job was not waiting (a message delivered twice, or a job
    another worker has taken). A job whose worker died is put back to waiting by
    requeue_stale_imports, and since an import is all or nothing (and updates the codes it
    already saved), running it again from the start is safe."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != ImportJob.State.PENDING:
            return None
        job.state = ImportJob.State.VALIDATING
        job.save(update_fields=["state", "updated_at"])

    def progress(done, total):
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=done, total_rows=total, updated_at=timezone.now()
        )
        if done == total:
            ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.SAVING)

    try:
        with job.file.open("rb") as handle:  # read as a stream, never whole
            report = import_growing_areas(
                handle,
                job.original_name,
                dry_run=job.dry_run,
                user=job.created_by,
                progress=progress,
            )
    except Exception:
        # the import saved nothing (it is one transaction); say so instead of leaving the
        # progress bar waiting, then let the error reach the logs
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.FAILED,
            finished_at=timezone.now(),
            error_count=1,
            errors=[
                {
                    "line": 0,
                    "column": "",
                    "letter": "",
                    "message": _(
                        "The import stopped on an unexpected error and saved nothing. "
                        "Try again; if it happens again, tell the site's administrators."
                    ),
                }
            ],
        )
        raise
    job.refresh_from_db()
    job.total_rows = report.total_rows
    job.processed_rows = report.total_rows
    job.created_count = report.created
    job.updated_count = report.updated
    job.error_count = report.error_count
    job.errors = report.error_dicts(limit=ImportJob.MAX_STORED_ERRORS)
    job.state = ImportJob.State.SUCCEEDED if report.ok else ImportJob.State.FAILED
    job.finished_at = timezone.now()
    job.save()
    return job.state


# --- expiry ----------------------------------------------------------------------------------

DIGEST_LIMIT = 50


def expiry_digest(today=None):
    """(subject, body) of the message about areas and certifications expiring within 60 days,
    or None when nothing expires."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=EXPIRY_WARNING_DAYS)
    areas = list(
        GrowingArea.objects.exclude(status=GrowingArea.Status.REVOKED)
        .expiring_within(EXPIRY_WARNING_DAYS, today)
        .order_by("valid_until", "code")
        .only("code", "name", "commune_code", "province_code", "valid_until")
    )
    certificates = list(
        Certification.objects.filter(valid_until__gte=today, valid_until__lte=horizon)
        .exclude(area__status=GrowingArea.Status.REVOKED)
        .select_related("area")
        .order_by("valid_until", "area__code")
    )
    if not areas and not certificates:
        return None
    subject = _("Growing areas expiring before %(date)s") % {"date": date_format(horizon, "d/m/Y")}
    lines = []
    if areas:
        lines.append(
            _("%(count)d growing-area codes expire within %(days)d days:")
            % {"count": len(areas), "days": EXPIRY_WARNING_DAYS}
        )
        lines += [
            f"- {a.code} · {a.name} ({a.location_text}): {date_format(a.valid_until, 'd/m/Y')}"
            for a in areas[:DIGEST_LIMIT]
        ]
        if len(areas) > DIGEST_LIMIT:
            lines.append(_("… and %(count)d more.") % {"count": len(areas) - DIGEST_LIMIT})
    if certificates:
        if lines:
            lines.append("")
        lines.append(
            _("%(count)d certifications expire within %(days)d days:")
            % {"count": len(certificates), "days": EXPIRY_WARNING_DAYS}
        )
        lines += [
            f"- {c.area.code} · {c.get_scheme_display()} {c.number}: "
            f"{date_format(c.valid_until, 'd/m/Y')}"
            for c in certificates[:DIGEST_LIMIT]
        ]
        if len(certificates) > DIGEST_LIMIT:
            lines.append(_("… and %(count)d more.") % {"count": len(certificates) - DIGEST_LIMIT})
    return subject, "\n".join(lines)


def notify_expiring(today=None):
    """Tell moderators what expires within 60 days; at most once a day, so a retried or
    doubled task does not send the message twice. Returns the notifications sent."""
    from accounts.models import Notification
    from accounts.notifications import notify_role
    from accounts.roles import Role

    today = today or timezone.localdate()
    digest = expiry_digest(today)
    if digest is None:
        return []
    subject, body = digest
    # the subject names the day (its horizon), so one row per day says it was sent
    if Notification.objects.filter(subject=subject[:200]).exists():
        return []
    return notify_role(Role.MODERATOR, subject, body)
