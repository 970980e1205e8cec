"""The COD remittance: the cash the carrier collected at delivery, paid back to each producer
per period, less the carrier's COD fee.

A parcel counts in a period when it is a delivered COD job (cash collected) whose
``delivered_at`` falls, in local time, between the period's first and last day (both
included). A job is paid in at most one remittance (``CodRemittanceLine.job`` is unique), so
overlapping periods or two moderators at once cannot pay it twice. Money is integer VND: the
fee of each parcel is rounded half up to the dong, then summed.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import Producer

from .models import CodRemittance, CodRemittanceLine, PickupJob


def cod_fee(collected):
    """The carrier's fee for collecting ``collected`` dong on one parcel: the percentage,
    rounded half up to a whole dong, at least the minimum, never more than the cash."""
    if collected <= 0:
        return 0
    percent = Decimal(settings.POSTAL_COD_FEE_PERCENT)
    fee = int((Decimal(collected) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return min(collected, max(fee, settings.POSTAL_COD_FEE_MIN))


def period_bounds(start, end):
    """The aware datetimes [from, to) of the local days ``start``..``end``."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def check_period(start, end):
    if end < start:
        raise ValidationError(_("The period ends before it starts."), code="bad_period")


def delivered_cod_jobs(start=None, end=None):
    """Delivered jobs whose cash was collected (in the period, when one is given)."""
    jobs = PickupJob.objects.filter(status=PickupJob.Status.DELIVERED, cod_collected__gt=0)
    if start is not None:
        low, high = period_bounds(start, end)
        jobs = jobs.filter(delivered_at__gte=low, delivered_at__lt=high)
    return jobs


def unremitted(jobs):
    """The jobs not paid in any remittance (a subquery, so the rows can be locked)."""
    return jobs.filter(~Exists(CodRemittanceLine.objects.filter(job=OuterRef("pk"))))


@dataclass
class ProducerTotals:
    producer: Producer
    jobs: list = field(default_factory=list)
    collected: int = 0
    fees: int = 0
    remittance: CodRemittance | None = None

    @property
    def net(self):
        return self.collected - self.fees

    @property
    def parcels(self):
        return len(self.jobs)

    def add(self, job):
        self.jobs.append(job)
        self.collected += job.cod_collected
        self.fees += cod_fee(job.cod_collected)


def report(start, end):
    """Per producer, what is owed for the period (delivered COD parcels not yet remitted),
    and the period's remittances already paid (each with its ``parcels`` count): a list of
    ProducerTotals by producer name. Two queries whatever the number of parcels."""
    check_period(start, end)
    rows = {}
    jobs = unremitted(delivered_cod_jobs(start, end)).select_related("seller_order__producer")
    for job in jobs.order_by("delivered_at", "pk"):
        producer = job.seller_order.producer
        rows.setdefault(producer.pk, ProducerTotals(producer)).add(job)
    paid = (
        CodRemittance.objects.filter(period_start=start, period_end=end)
        .select_related("producer", "paid_by")
        .annotate(parcels=Count("lines"))
    )
    for remittance in paid:
        row = rows.setdefault(remittance.producer_id, ProducerTotals(remittance.producer))
        row.remittance = remittance
    return sorted(rows.values(), key=lambda row: (row.producer.name, row.producer.pk))


def mark_paid(producer, start, end, *, by, reference=""):
    """Record that ``producer`` was paid for the period's delivered COD parcels not paid
    before: one CodRemittance with a line per parcel. Refused when the period was already
    marked paid for this producer, or holds nothing to pay. Two moderators at once: the
    producer's row is locked first, so the second waits and then finds the period paid."""
    check_period(start, end)
    reference = " ".join((reference or "").split())[:100]
    try:
        with transaction.atomic():
            Producer.objects.select_for_update().filter(pk=producer.pk).first()
            if CodRemittance.objects.filter(
                producer=producer, period_start=start, period_end=end
            ).exists():
                raise ValidationError(
                    _("%(producer)s was already paid for this period.")
                    % {"producer": producer.name},
                    code="already_paid",
                )
            jobs = list(
                unremitted(delivered_cod_jobs(start, end))
                .filter(seller_order__producer=producer)
                .select_for_update()
                .order_by("pk")
            )
            if not jobs:
                raise ValidationError(
                    _("%(producer)s has no cash collected to pay for this period.")
                    % {"producer": producer.name},
                    code="nothing_to_pay",
                )
            totals = ProducerTotals(producer)
            for job in jobs:
                totals.add(job)
            remittance = CodRemittance.objects.create(
                producer=producer,
                period_start=start,
                period_end=end,
                collected=totals.collected,
                fees=totals.fees,
                net=totals.net,
                reference=reference,
                paid_by=by,
            )
            CodRemittanceLine.objects.bulk_create(
                CodRemittanceLine(
                    remittance=remittance,
                    job=job,
                    collected=job.cod_collected,
                    fee=cod_fee(job.cod_collected),
                )
                for job in jobs
            )
    except IntegrityError as error:  # another period's payment took a parcel meanwhile
        raise ValidationError(
            _("%(producer)s was already paid for some of these parcels.")
            % {"producer": producer.name},
            code="already_paid",
        ) from error
    return remittance


def owed_by_month(producer):
    """What the producer is owed, not yet paid: [(first day of the month, parcels,
    collected, fees, net)], oldest first, in one query."""
    months = defaultdict(lambda: [0, 0, 0])
    jobs = unremitted(delivered_cod_jobs()).filter(seller_order__producer=producer)
    for delivered_at, collected in jobs.values_list("delivered_at", "cod_collected"):
        month = timezone.localtime(delivered_at).date().replace(day=1)
        months[month][0] += 1
        months[month][1] += collected
        months[month][2] += cod_fee(collected)
    return [
        {
            "month": month,
            "parcels": parcels,
            "collected": collected,
            "fees": fees,
            "net": collected - fees,
        }
        for month, (parcels, collected, fees) in sorted(months.items())
    ]
