"""The order-confirmed signal and the sweep reaching one seller order at the same moment make
one job, and SSCCs taken at once are all different.

PostgreSQL only (``make test-services``): SQLite serialises writers and has no row locks."""

import threading

import pytest
from django.db import connection

from postal_pickup import services
from postal_pickup.models import PickupJob
from postal_pickup.sscc import allocate_sscc

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises writers and has no row locks: run with make test-services",
    ),
]


@pytest.fixture(autouse=True)
def root_collection():
    """Transactional tests flush what migrations made, the photos' root collection too."""
    from wagtail.models import Collection

    return Collection.get_first_root_node() or Collection.add_root(name="Root")


@pytest.fixture(autouse=True)
def no_receiver():
    """Placing commits at once here, so the receiver would make the job before the race."""
    from marketplace.signals import order_confirmed

    order_confirmed.disconnect(dispatch_uid="postal_pickup_jobs")
    yield
    from postal_pickup.receivers import create_jobs_for_order

    order_confirmed.connect(create_jobs_for_order, dispatch_uid="postal_pickup_jobs")


def together(count, work):
    """Run ``work()`` in ``count`` threads released at once; their results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=30)
            results[index] = work()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_five_creators_at_once_make_one_job(office, seller_order):
    results = together(5, lambda: services.create_job(seller_order))
    assert PickupJob.objects.count() == 1
    job = PickupJob.objects.get()
    assert [created for _job, created in results].count(True) == 1
    assert {found.pk for found, _created in results} == {job.pk}
    assert job.events.count() == 1


def test_sscc_taken_at_once_are_all_different(db):
    numbers = together(8, allocate_sscc)
    assert len(set(numbers)) == 8


def test_five_workers_drawing_up_one_list_at_once_make_one_list_one_row_per_job(
    office, seller_order, make_product, producer, place
):
    """The morning task delivered five times at once (a retried message, two beats)."""
    from django.utils import timezone

    from postal_pickup import pickup_lists
    from postal_pickup.models import PickupList, PickupListRow

    jobs = [services.create_job(seller_order)[0]]
    for _n in range(3):
        order = place([(make_product(producer, photos=0), 1)])
        jobs.append(services.create_job(order.seller_orders.get())[0])
    day = max(job.pickup_date for job in jobs)
    results = together(5, lambda: pickup_lists.draw_up(office, day)[1])
    assert PickupList.objects.count() == 1
    assert PickupListRow.objects.count() == 4
    assert sorted(results) == [0, 0, 0, 0, 4]  # one worker added every row
    the_list = PickupList.objects.get()
    assert the_list.staff_notified_at is not None
    assert the_list.staff_notified_at <= timezone.now()
    assert not PickupListRow.objects.filter(farmer_notified_at__isnull=True).exists()
