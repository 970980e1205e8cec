"""The staff's pickup list: the jobs still to collect at the offices a person works for, by
day, then commune and village (a sensible route: one village after another)."""

from itertools import groupby

from django.utils import timezone

from accounts.access import scoped

from .models import PickupJob, PickupList


def jobs_to_collect(user):
    """Jobs of the person's offices still to collect, oldest day first, in one query."""
    return (
        scoped(user, PickupJob)
        .filter(status__in=PickupJob.TO_COLLECT, needs_moderator=False, office__isnull=False)
        .select_related("office", "seller_order__order", "seller_order__producer")
        .order_by(
            "pickup_date",
            "seller_order__producer__commune_code",
            "seller_order__producer__village",
            "seller_order__producer__name",
            "pk",
        )
    )


def by_day_and_place(jobs, today=None):
    """[(day, [(commune, village, [jobs])])]; a job left from an earlier day is today's."""
    today = today or timezone.localdate()
    days = []
    for day, day_jobs in groupby(jobs, key=lambda job: max(job.pickup_date, today)):
        stops = [
            (producer_commune, village, list(place_jobs))
            for (producer_commune, village), place_jobs in groupby(
                day_jobs,
                key=lambda job: (
                    job.seller_order.producer.commune,
                    job.seller_order.producer.village,
                ),
            )
        ]
        days.append((day, stops))
    return days


def paper_lists(user, today):
    """The drawn-up lists of the person's offices from ``today`` on, in one query."""
    return list(
        scoped(user, PickupList)
        .filter(day__gte=today)
        .select_related("office")
        .order_by("day", "office__name")
    )
