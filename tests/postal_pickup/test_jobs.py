"""One pickup job per seller order, at the office serving the farmer's commune; unserved
communes and repeated failures go to the moderators; pickup ships the seller order."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Notification
from marketplace.checkout import cancel_order, set_seller_order_status
from marketplace.models import InvalidTransition, Order, SellerOrder
from marketplace.signals import order_confirmed
from postal_pickup import services
from postal_pickup.models import PickupJob, PickupJobEvent
from postal_pickup.sscc import is_valid_sscc
from postal_pickup.tasks import create_missing_jobs

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def confirm_signal(seller_order):
    order = seller_order.order
    order_confirmed.send(sender=Order, order=order, seller_orders=[seller_order])


def test_placing_an_order_makes_its_job_at_the_office_serving_the_farm(
    office, make_product, producer, place, django_capture_on_commit_callbacks
):
    product = make_product(producer, photos=0, shipping_weight_grams=400)
    with django_capture_on_commit_callbacks(execute=True):
        order = place([(product, 2)])
    seller_order = order.seller_orders.get()
    job = PickupJob.objects.get(seller_order=seller_order)
    assert job.office == office and not job.needs_moderator
    assert job.status == PickupJob.Status.WAITING
    assert is_valid_sscc(job.sscc)
    assert job.expected_weight_grams == seller_order.weight_grams
    assert job.cod_amount == seller_order.cod_amount == order.total
    assert list(job.events.values_list("from_status", "to_status")) == [("", "waiting")]


def test_the_signal_sent_twice_makes_one_job(office, seller_order):
    confirm_signal(seller_order)
    first = PickupJob.objects.get()
    confirm_signal(seller_order)
    assert PickupJob.objects.get() == first
    assert PickupJobEvent.objects.count() == 1


def test_the_sweep_makes_the_job_a_lost_signal_left_out_and_only_once(office, seller_order):
    assert not PickupJob.objects.exists()
    assert create_missing_jobs() == 1
    assert PickupJob.objects.get().seller_order == seller_order
    assert create_missing_jobs() == 0
    assert PickupJob.objects.count() == 1


def test_the_sweep_leaves_unconfirmed_and_cancelled_parcels_alone(office, seller_order):
    cancel_order(seller_order.order, actor=None, reason="Khách đổi ý")
    assert create_missing_jobs() == 0
    assert not PickupJob.objects.exists()


def test_a_commune_no_office_serves_goes_to_the_moderators_never_lost(
    seller_order, make_office, moderator
):
    make_office("KHAC", communes=["00004"])  # an office, but for another commune
    job, created = services.create_job(seller_order)
    assert created and job.office is None and job.needs_moderator
    message = Notification.objects.get(recipient=moderator)
    assert seller_order.order.number in message.body


def test_a_served_commune_sends_the_moderators_nothing(office, seller_order, moderator):
    services.create_job(seller_order)
    assert not Notification.objects.filter(recipient=moderator).exists()


def test_a_job_made_late_is_never_dated_in_the_past(office, seller_order):
    later = datetime(2099, 12, 2, 8, 0, tzinfo=HANOI)  # a Wednesday, long after confirming
    job, _created = services.create_job(seller_order, now=later)
    assert job.pickup_date == date(2099, 12, 2)


def test_picking_up_ships_the_parcel_and_keeps_who_and_what(office, seller_order, postal_staff):
    job, _created = services.create_job(seller_order)
    services.mark_picked_up(job, postal_staff, parcels=1, weight_grams=950)
    job.refresh_from_db()
    seller_order.refresh_from_db()
    assert job.status == PickupJob.Status.PICKED_UP
    assert (job.parcel_count, job.actual_weight_grams) == (1, 950)
    assert seller_order.status == SellerOrder.Status.SHIPPED
    assert job.events.last().actor == postal_staff


def test_picking_up_twice_is_refused_and_changes_nothing(office, seller_order, postal_staff):
    job, _created = services.create_job(seller_order)
    services.mark_picked_up(job, postal_staff, parcels=1, weight_grams=950)
    with pytest.raises(InvalidTransition):
        services.mark_picked_up(job, postal_staff, parcels=3, weight_grams=5000)
    job.refresh_from_db()
    assert job.parcel_count == 1
    assert job.events.count() == 2


def test_a_cancelled_order_cannot_be_picked_up(office, seller_order, postal_staff):
    job, _created = services.create_job(seller_order)
    cancel_order(seller_order.order, actor=None, reason="Khách đổi ý")
    for act in (
        lambda: services.mark_picked_up(job, postal_staff, parcels=1, weight_grams=900),
        lambda: services.mark_failed(job, postal_staff, services.FailureReason.FARMER_AWAY),
    ):
        with pytest.raises(InvalidTransition):
            act()
    job.refresh_from_db()
    assert job.status == PickupJob.Status.CANCELLED
    assert job.events.count() == 2


def test_cancelling_the_order_calls_off_its_pickup_with_who_and_why(
    office, seller_order, moderator
):
    job, _created = services.create_job(seller_order)
    cancel_order(seller_order.order, actor=moderator, reason="Khách gọi điện huỷ")
    job.refresh_from_db()
    assert job.status == PickupJob.Status.CANCELLED
    event = job.events.order_by("pk").last()
    assert (event.from_status, event.to_status) == ("waiting", "cancelled")
    assert (event.actor, event.note) == (moderator, "Khách gọi điện huỷ")
    assert services.cancel_jobs([seller_order], moderator, "again") == 0  # once only


def test_a_failed_pickup_is_called_off_too_and_leaves_the_moderators_queue(
    office, seller_order, postal_staff, moderator
):
    job, _created = services.create_job(seller_order)
    for _attempt in range(3):
        job = services.mark_failed(job, postal_staff, services.FailureReason.FARMER_AWAY)
    assert job.needs_moderator
    cancel_order(seller_order.order, actor=moderator, reason="Không liên lạc được")
    job.refresh_from_db()
    assert job.status == PickupJob.Status.CANCELLED and not job.needs_moderator
    with pytest.raises(InvalidTransition, match="Đơn hàng này đã bị huỷ"):
        services.assign_office(job, moderator, office, "thử lại")


def test_a_pickup_that_cannot_be_called_off_keeps_the_order_as_it_was(
    office, seller_order, moderator, monkeypatch
):
    """The jobs are called off inside the cancelling transaction: all or nothing."""
    from postal_pickup import pickup_lists

    job, _created = services.create_job(seller_order)
    stock = seller_order.lines.get().product.quantity_available

    def broken(job):
        raise RuntimeError("database gone")

    monkeypatch.setattr(pickup_lists, "withdraw", broken)
    with pytest.raises(RuntimeError):
        cancel_order(seller_order.order, actor=moderator, reason="Khách đổi ý")
    seller_order.refresh_from_db()
    job.refresh_from_db()
    assert seller_order.order.status == Order.Status.CONFIRMED
    assert seller_order.status == SellerOrder.Status.TO_PACK
    assert job.status == PickupJob.Status.WAITING and job.events.count() == 1
    assert seller_order.lines.get().product.quantity_available == stock


def test_a_packed_parcel_is_picked_up_too(office, seller_order, postal_staff, producer_user):
    set_seller_order_status(seller_order, SellerOrder.Status.PACKED, actor=producer_user)
    job, _created = services.create_job(seller_order)
    services.mark_picked_up(job, postal_staff, parcels=2, weight_grams=1200)
    seller_order.refresh_from_db()
    assert seller_order.status == SellerOrder.Status.SHIPPED


def test_a_failed_pickup_moves_to_the_next_working_day(office, seller_order, postal_staff):
    job, _created = services.create_job(seller_order)
    friday = datetime(2099, 12, 4, 10, 0, tzinfo=HANOI)
    job = services.mark_failed(job, postal_staff, services.FailureReason.FARMER_AWAY, now=friday)
    assert job.status == PickupJob.Status.FAILED
    assert job.pickup_date == date(2099, 12, 5)
    assert job.failures == 1 and not job.needs_moderator
    reasons = dict(services.FailureReason.choices())
    assert str(reasons[services.FailureReason.FARMER_AWAY]) in job.events.last().note


def test_the_third_failure_goes_to_the_moderators(office, seller_order, postal_staff, moderator):
    job, _created = services.create_job(seller_order)
    day = datetime(2099, 12, 1, 10, 0, tzinfo=HANOI)
    for _attempt in range(2):
        job = services.mark_failed(job, postal_staff, services.FailureReason.NOT_PACKED, now=day)
    assert not job.needs_moderator
    assert not Notification.objects.filter(recipient=moderator).exists()
    job = services.mark_failed(job, postal_staff, services.FailureReason.OTHER, now=day)
    assert job.failures == 3 and job.needs_moderator
    assert job.office == office  # kept, so the moderators see who tried
    assert Notification.objects.filter(recipient=moderator).count() == 1
