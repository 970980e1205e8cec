"""Scans: every view of a label URL logged (at most one INSERT in the request, nothing else
written); the drain, a beat task every minute, recounts the labels scanned since its watermark
from the log, flags the copied ones and tells moderators once."""

import functools
import hashlib
import hmac
import ipaddress
import re
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role

from . import page_cache
from .models import Label, Scan, ScanDrain

_BROWSERS = [
    ("bot", re.compile(r"bot|crawl|spider|preview|externalhit|curl|wget|python", re.I)),
    ("Zalo", re.compile(r"Zalo", re.I)),
    ("Facebook", re.compile(r"FBAN|FBAV|FB_IAB", re.I)),
    ("Cốc Cốc", re.compile(r"coc_coc", re.I)),
    ("Samsung Internet", re.compile(r"SamsungBrowser", re.I)),
    ("Edge", re.compile(r"Edg(e|A|iOS)?/", re.I)),
    ("Opera", re.compile(r"OPR/|Opera", re.I)),
    ("Firefox", re.compile(r"Firefox|FxiOS", re.I)),
    ("Chrome", re.compile(r"Chrome|CriOS", re.I)),
    ("Safari", re.compile(r"Safari", re.I)),
]


def browser_family(user_agent):
    """A coarse browser name from the User-Agent; nothing finer is kept."""
    for name, pattern in _BROWSERS:
        if pattern.search(user_agent or ""):
            return name
    return "other"


def network_hash(ip):
    """A keyed hash of the address's network (/24 for IPv4, /48 for IPv6): counts distinct
    networks without keeping anyone's address. Keyed with SCAN_HASH_KEY, not SECRET_KEY, so a
    network keeps its hash when SECRET_KEY is rotated."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        prefix = "unknown"
    else:
        bits = 24 if address.version == 4 else 48
        prefix = str(ipaddress.ip_network(f"{address}/{bits}", strict=False))
    key = settings.SCAN_HASH_KEY.encode()
    return hmac.new(key, prefix.encode(), hashlib.sha256).hexdigest()[:32]


def label_flags(label):
    """Why a label looks copied, in plain words, from its stored counters (empty when it does
    not). Many scans flag it only when several networks made them: one network's volume (a
    shop showing the label, a script) is not a copy."""
    reasons = []
    if (
        label.scan_count > settings.TRACEABILITY_MAX_SCANS_PER_LABEL
        and label.network_count >= settings.TRACEABILITY_MIN_NETWORKS_TO_FLAG
    ):
        reasons.append("too_many_scans")
    if label.network_count > settings.TRACEABILITY_MAX_NETWORKS_PER_LABEL:
        reasons.append("too_many_networks")
    return reasons


# A second view of the same label URL from the same network within this window is not logged.
SCAN_REPEAT_WINDOW = timedelta(minutes=5)
# A scan older than this is committed: no label view holds its transaction open so long. The
# drain's watermark only passes scans this old, so one committed late is never skipped.
SCAN_SETTLE = timedelta(minutes=2)
# Labels recounted per transaction by the drain.
DRAIN_CHUNK = 200


def outcome(label, batch):
    """What a view of a label URL found: the label, voided or not, or no such serial or lot."""
    if label is not None:
        return Scan.Outcome.VOIDED if label.is_voided else Scan.Outcome.GENUINE
    return Scan.Outcome.UNKNOWN_SERIAL if batch else Scan.Outcome.UNKNOWN_LOT


def record_scan(*, gtin, lot, serial, label=None, batch=None, ip="", user_agent=""):
    """Log one view of a label URL; the drain (``drain_scans``, every minute) counts it.
    Returns the Scan, or None when the same network viewed the same label URL within
    SCAN_REPEAT_WINDOW: a reload, or a loop of requests, adds nothing.

    Link previews and crawlers (a label URL pasted in Zalo or Facebook is fetched by their
    robots) are logged but never counted, so sharing a label cannot make it look copied."""
    return log_scan(
        label_id=label.pk if label is not None else None,
        outcome=outcome(label, batch),
        gtin=gtin,
        lot=lot,
        serial=serial,
        ip=ip,
        user_agent=user_agent,
    )


@functools.cache
def _insert_sql(by_label, asynchronous):
    """One statement: the scan's INSERT, unless the same network logged the same label URL
    (by the same kind of browser: robot or not) within the window.

    ``asynchronous`` (PostgreSQL, and only when the statement is its own transaction) commits
    it without waiting for the disk (synchronous_commit off for that transaction alone): the
    request no longer waits on a flush per scan. A crash of the database server itself (not of
    a web process) may lose the scans of its last fraction of a second (at most three times
    wal_writer_delay, 0.6 s by default); the database stays consistent, and nothing else is
    written this way."""
    meta = Scan._meta
    quote = connection.ops.quote_name
    fields = ["scanned_at", "label", "gtin", "lot", "serial", "outcome", "network_hash"]
    column = {name: quote(meta.get_field(name).column) for name in [*fields, "browser_family"]}
    if by_label:
        same_url = f"{column['label']} = %s"
    else:
        same_url = f"{column['label']} IS NULL AND " + " AND ".join(
            f"{column[name]} = %s" for name in ("gtin", "lot", "serial")
        )
    table = quote(meta.db_table)
    # set_config(…, true) holds until the end of this statement's own transaction
    quick = (
        " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS quick"
        if asynchronous
        else ""
    )
    # names from the model's own metadata, values all passed as parameters
    return (
        f"INSERT INTO {table} ({', '.join(column.values())}) "  # noqa: S608
        f"SELECT {', '.join(['%s'] * len(column))}{quick} WHERE NOT EXISTS (SELECT 1 FROM {table} "
        f"WHERE {column['network_hash']} = %s AND {column['scanned_at']} >= %s "
        f"AND {same_url} AND ({column['browser_family']} = %s) = %s) "
        f"RETURNING {quote(meta.pk.column)}"
    )


def log_scan(*, label_id, outcome, gtin, lot, serial, ip="", user_agent=""):
    """``record_scan`` from what a cached label page kept: the label's id and outcome.

    One statement, an INSERT that checks the window itself, and no task message: no shared
    row is written inside the request, so buyers scanning one label at once never wait on
    each other."""
    digest = network_hash(ip)
    family = browser_family(user_agent)
    now = timezone.now()
    lot, serial = lot[:20], serial[:20]
    at = connection.ops.adapt_datetimefield_value(now)
    since = connection.ops.adapt_datetimefield_value(now - SCAN_REPEAT_WINDOW)
    same_url = [label_id] if label_id is not None else [gtin, lot, serial]
    # a robot's preview must not hide the person who opens the label next on that network
    params = [at, label_id, gtin, lot, serial, outcome, digest, family]
    params += [digest, since, *same_url, "bot", family == "bot"]
    with connection.cursor() as cursor:
        # inside a caller's transaction the setting would hold for all of it: not there
        asynchronous = connection.vendor == "postgresql" and not connection.in_atomic_block
        cursor.execute(_insert_sql(label_id is not None, asynchronous), params)
        row = cursor.fetchone()
    if row is None:
        return None
    scan = Scan(
        pk=row[0],
        scanned_at=now,
        label_id=label_id,
        gtin=gtin,
        lot=lot,
        serial=serial,
        outcome=outcome,
        network_hash=digest,
        browser_family=family,
    )
    scan._state.adding = False
    scan._state.db = connection.alias
    return scan


def count_label_scans(label_id):
    """Recompute a label's counters from the scan log and, the first time they make it look
    copied, flag it and tell every moderator (once, under the label's row lock). Idempotent.

    A network adds at most TRACEABILITY_SCANS_PER_NETWORK_PER_DAY scans per day (Vietnam
    time) to ``scan_count``; robots' scans are not counted. Returns the label, or None."""
    with transaction.atomic():
        # by pk only: the default ordering joins the nullable print run, which PostgreSQL
        # refuses to lock
        label = Label.objects.select_for_update().filter(pk=label_id).order_by("pk").first()
        if label is None:
            return None
        per_network_day = (
            label.scans.exclude(browser_family="bot")
            .annotate(day=TruncDate("scanned_at", tzinfo=timezone.get_default_timezone()))
            .values("network_hash", "day")
            .annotate(scans=Count("pk"), first=Min("scanned_at"), last=Max("scanned_at"))
            .order_by()
        )
        cap = settings.TRACEABILITY_SCANS_PER_NETWORK_PER_DAY
        scans, networks, first, last = 0, set(), None, None
        for row in per_network_day:
            scans += min(row["scans"], cap)
            networks.add(row["network_hash"])
            first = min(first, row["first"]) if first else row["first"]
            last = max(last, row["last"]) if last else row["last"]
        changed = {
            "scan_count": scans,
            "network_count": len(networks),
            "first_scanned_at": first,
            "scans_counted_until": last,
        }
        moved = any(getattr(label, field) != value for field, value in changed.items())
        for field, value in changed.items():
            setattr(label, field, value)
        reasons = label_flags(label)
        newly_flagged = bool(reasons) and label.flagged_at is None
        if newly_flagged:
            label.flagged_at = timezone.now()
            label.flag_reason = ", ".join(reasons)
            changed.update(flagged_at=label.flagged_at, flag_reason=label.flag_reason)
        # only these columns: a voiding made meanwhile must not be overwritten
        Label.objects.filter(pk=label.pk).update(**changed)
        if moved or newly_flagged:
            page_cache.forget_pages()  # the page shows the new count
        if newly_flagged:
            _tell_moderators(label)
    return label


def drain_scans(*, recount=None):
    """Count the scans logged since the watermark: recount (``count_label_scans``) every
    label scanned after it, then move the watermark past the settled scans. Returns how many
    labels were recounted.

    Never loses or double-counts a scan: counters are recomputed from the whole log, not
    incremented, and the watermark moves only after every label it covers was recounted, so
    a drain killed mid-way recounts the same labels again. It passes only scans older than
    SCAN_SETTLE (certainly committed); newer ones are recounted again at the next run, so a
    scan whose INSERT commits after a later id was seen is still counted.

    ``recount`` replaces count_label_scans (tests inject a failure with it)."""
    recount = recount or count_label_scans
    started = timezone.now()
    drain, _created = ScanDrain.objects.get_or_create(pk=1)
    pending = Scan.objects.filter(pk__gt=drain.counted_through)
    settle_line = started - SCAN_SETTLE
    newest_settled = _first_id(pending.filter(scanned_at__lt=settle_line).order_by("-pk"))
    oldest_unsettled = _first_id(pending.filter(scanned_at__gte=settle_line).order_by("pk"))
    through = newest_settled or drain.counted_through
    if oldest_unsettled and oldest_unsettled <= through:
        through = oldest_unsettled - 1
    label_ids = sorted(
        pending.filter(label__isnull=False)
        .exclude(browser_family="bot")
        .values_list("label_id", flat=True)
        .order_by()
        .distinct()
    )
    for index in range(0, len(label_ids), DRAIN_CHUNK):
        # each chunk commits on its own: the counters a buyer sees do not wait for the rest
        with transaction.atomic():
            for label_id in label_ids[index : index + DRAIN_CHUNK]:
                recount(label_id)
    # Forward only: two drains at once (a slow one overlapping the next minute's) each
    # recounted everything up to their own mark, so the higher mark is safe to keep.
    ScanDrain.objects.filter(pk=1, counted_through__lt=through).update(
        counted_through=through, drained_at=started
    )
    return len(label_ids)


def _first_id(scans):
    return scans.values_list("pk", flat=True).first()


def _tell_moderators(label):
    from accounts.notifications import notify_role

    notify_role(
        Role.MODERATOR,
        _("Label %(serial)s may be copied") % {"serial": label.serial},
        _(
            "Label %(serial)s (lot %(lot)s) has been scanned %(scans)d times from %(networks)d "
            "networks. See the flagged labels in the admin."
        )
        % {
            "serial": label.serial,
            "lot": label.batch.lot,
            "scans": label.scan_count,
            "networks": label.network_count,
        },
    )
