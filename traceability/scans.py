"""Scans: every view of a label URL logged (at most one INSERT in the request), its counters
and counterfeit flags recomputed from the log by a task, moderators told once, and the sweep
that recounts labels whose task was lost."""

import hashlib
import hmac
import ipaddress
import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role

from .models import Label, Scan

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
# How far back the beat sweep looks for scans whose label was not recounted (a lost task).
SCAN_SWEEP_LOOKBACK = timedelta(hours=1)


def record_scan(*, gtin, lot, serial, label=None, batch=None, ip="", user_agent=""):
    """Log one view of a label URL, and for a known label queue the recount of its counters
    (``count_label_scans``) once the scan is committed. Returns the Scan, or None when the same
    network viewed the same label URL within SCAN_REPEAT_WINDOW: a reload, or a loop of
    requests, adds nothing.

    At most one SELECT and one INSERT: no shared row is updated inside the request. Link
    previews and crawlers (a label URL pasted in Zalo or Facebook is fetched by their robots)
    are logged but never counted, so sharing a label cannot make it look copied."""
    if label is not None:
        outcome = Scan.Outcome.VOIDED if label.is_voided else Scan.Outcome.GENUINE
    else:
        outcome = Scan.Outcome.UNKNOWN_SERIAL if batch else Scan.Outcome.UNKNOWN_LOT
    digest = network_hash(ip)
    family = browser_family(user_agent)
    counted = label is not None and family != "bot"
    now = timezone.now()
    lot, serial = lot[:20], serial[:20]
    recent = Scan.objects.filter(network_hash=digest, scanned_at__gte=now - SCAN_REPEAT_WINDOW)
    if label is not None:
        recent = recent.filter(label=label)
    else:
        recent = recent.filter(label=None, gtin=gtin, lot=lot, serial=serial)
    # a robot's preview must not hide the person who opens the label next on that network
    if family == "bot":
        recent = recent.filter(browser_family="bot")
    else:
        recent = recent.exclude(browser_family="bot")
    if recent.exists():
        return None
    scan = Scan.objects.create(
        scanned_at=now,
        label=label,
        gtin=gtin,
        lot=lot,
        serial=serial,
        outcome=outcome,
        network_hash=digest,
        browser_family=family,
    )
    if counted:
        from .tasks import count_label_scans

        transaction.on_commit(lambda: count_label_scans.delay(label.pk))
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
        if newly_flagged:
            _tell_moderators(label)
    return label


def labels_with_uncounted_scans():
    """Labels scanned within SCAN_SWEEP_LOOKBACK whose counters miss a newer scan (their
    recount task was lost): what the beat sweep sends to ``count_label_scans`` again."""
    since = timezone.now() - SCAN_SWEEP_LOOKBACK
    counted = ~Q(scans__browser_family="bot")
    recent = Scan.objects.filter(scanned_at__gte=since, label__isnull=False).exclude(
        browser_family="bot"
    )
    return list(
        Label.objects.filter(pk__in=recent.values("label_id"))
        .annotate(newest=Max("scans__scanned_at", filter=counted))
        .filter(Q(scans_counted_until__isnull=True) | Q(scans_counted_until__lt=F("newest")))
        .values_list("pk", flat=True)
    )


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
