"""Two moderators marking the same producer's period paid at the same moment pay it once, and
a parcel is never in two remittances.

PostgreSQL only (``make test-services``): SQLite serialises writers and has no row locks."""

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from postal_pickup import remittance
from postal_pickup.models import CodRemittance, CodRemittanceLine, PickupJob
from postal_pickup.services import create_job
from tests.postal_pickup.test_concurrency import (  # noqa: F401  (fixtures used here)
    no_receiver,
    root_collection,
    together,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises writers and has no row locks: run with make test-services",
    ),
]


@pytest.fixture
def delivered(office, producer, make_product, place):
    """Three delivered COD parcels of the producer, in December."""
    jobs = []
    for day in (2, 9, 16):
        order = place([(make_product(producer, photos=0), 1)])
        job, _created = create_job(order.seller_orders.get())
        when = datetime(2026, 12, day, 10, tzinfo=timezone.get_current_timezone())
        PickupJob.objects.filter(pk=job.pk).update(
            status=PickupJob.Status.DELIVERED, delivered_at=when, cod_collected=400_000
        )
        jobs.append(job)
    return jobs


def _pay(producer, by, start, end):
    try:
        return remittance.mark_paid(producer, start, end, by=by)
    except ValidationError as error:
        return error.code


def test_two_moderators_marking_the_same_period_paid_pay_it_once(
    delivered, producer, make_user, moderator
):
    from accounts.roles import Role

    other = make_user(Role.MODERATOR, full_name="Kiểm duyệt viên 2")
    people = iter([moderator, other])
    results = together(
        2, lambda: _pay(producer, next(people), date(2026, 12, 1), date(2026, 12, 31))
    )
    paid = [r for r in results if isinstance(r, CodRemittance)]
    assert len(paid) == 1
    assert [r for r in results if not isinstance(r, CodRemittance)] == ["already_paid"]
    assert CodRemittance.objects.count() == 1
    assert CodRemittanceLine.objects.count() == 3
    assert CodRemittance.objects.get().collected == 1_200_000


def test_overlapping_periods_paid_at_once_never_pay_a_parcel_twice(delivered, producer, moderator):
    periods = iter(
        [(date(2026, 12, 1), date(2026, 12, 31)), (date(2026, 12, 5), date(2026, 12, 20))]
    )
    together(2, lambda: _pay(producer, moderator, *next(periods)))
    lines = CodRemittanceLine.objects.all()
    assert sorted(line.job_id for line in lines) == sorted(job.pk for job in delivered)
    assert sum(r.collected for r in CodRemittance.objects.all()) == 1_200_000
