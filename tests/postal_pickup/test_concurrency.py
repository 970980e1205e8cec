"""The order-confirmed signal and the sweep reaching one seller order at the same moment make
one job, and SSCCs taken at once are all different.

PostgreSQL only (``make test-services``): SQLite serialises writers and has no row locks."""

import threading
import time

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


def at_once(*works):
    """Run each of ``works`` in its own thread, released at once; their results (or the
    error each raised)."""
    barrier = threading.Barrier(len(works))
    results = [None] * len(works)

    def run(index):
        try:
            barrier.wait(timeout=30)
            results[index] = works[index]()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def together(count, work):
    """Run ``work()`` in ``count`` threads released at once; their results."""
    return at_once(*[work] * count)


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


def test_a_cancellation_and_a_pickup_at_once_one_wins_whole(
    office, postal_staff, moderator, make_product, producer, place
):
    from marketplace.checkout import cancel_order
    from marketplace.models import InvalidTransition, Order, SellerOrder

    for _round in range(4):
        order = place([(make_product(producer, photos=0), 1)])
        job = services.create_job(order.seller_orders.get())[0]
        cancelled, picked_up = at_once(
            lambda order=order: cancel_order(order, actor=moderator, reason="Khách đổi ý"),
            lambda job=job: services.mark_picked_up(job, postal_staff, 1, 500),
        )
        refused = [r for r in (cancelled, picked_up) if isinstance(r, InvalidTransition)]
        assert len(refused) == 1, (cancelled, picked_up)  # never a deadlock, never both
        order.refresh_from_db()
        job.refresh_from_db()
        seller_order = order.seller_orders.get()
        if refused[0] is picked_up:
            assert order.status == Order.Status.CANCELLED
            assert seller_order.status == SellerOrder.Status.CANCELLED
            assert job.status == PickupJob.Status.CANCELLED
        else:
            assert order.status == Order.Status.CONFIRMED
            assert seller_order.status == SellerOrder.Status.SHIPPED
            assert job.status == PickupJob.Status.PICKED_UP


def wait_until_a_session_waits_for_a_lock(timeout=30):
    """From inside a transaction: poll ``pg_locks`` (read afresh on each call, unlike
    ``pg_stat_activity``) until another session waits for a lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("nobody waited for a lock")


def test_a_list_being_drawn_up_and_a_cancellation_never_wait_in_a_circle(
    office, moderator, make_product, make_producer, producer, place
):
    """One order, two farms' parcels. The first is on the day's list; the list is being drawn
    up again to add the second (the list locked, the row inserted, not yet committed). The
    order is cancelled meanwhile: the cancellation locks both jobs, then waits for the list.
    When drawing up commits, PostgreSQL checks the new row's foreign key with a key-share lock
    on the second job. A plain FOR UPDATE on the jobs would block that check and the two would
    wait for each other (a deadlock, one of them killed); the cancellation's no-key lock lets
    the list commit, then the cancellation goes on."""
    from django.db import transaction

    from marketplace.checkout import cancel_order
    from postal_pickup import pickup_lists
    from postal_pickup.models import PickupList, PickupListRow

    neighbour = make_producer(name="Hộ Lò Thị Mai")
    order = place([(make_product(producer, photos=0), 1), (make_product(neighbour, photos=0), 1)])
    first, second = [
        services.create_job(seller_order)[0] for seller_order in order.seller_orders.order_by("pk")
    ]
    the_list = PickupList.objects.create(
        office=office, day=max(first.pickup_date, second.pickup_date)
    )
    PickupListRow.objects.create(pickup_list=the_list, job=first, position=1)
    half_drawn = threading.Event()

    def draw_up_the_second():
        with transaction.atomic():
            PickupList.objects.select_for_update().get(pk=the_list.pk)
            PickupListRow.objects.create(pickup_list=the_list, job=second, position=2)
            half_drawn.set()
            wait_until_a_session_waits_for_a_lock()  # the cancellation, for the list
        return "drawn"

    def cancel():
        assert half_drawn.wait(timeout=30)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '20s'")
            cancel_order(order, actor=moderator, reason="Khách đổi ý")
        return "cancelled"

    assert at_once(draw_up_the_second, cancel) == ["drawn", "cancelled"]
    assert set(PickupJob.objects.values_list("status", flat=True)) == {"cancelled"}
    assert pickup_lists.stops_of(the_list) == []
