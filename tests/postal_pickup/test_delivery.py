"""After pickup: in transit, out for delivery, delivered (the COD cash recorded, the seller
order delivered, the order completed), delivery failed, returned; the staff's page
/buu-dien/dang-giao/ and its buttons; the buyer's timeline."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from marketplace.models import InvalidTransition, Order, SellerOrder
from postal_pickup import services
from postal_pickup.models import PickupJob, PickupJobEvent

PAGE = "/buu-dien/dang-giao/"
S = PickupJob.Status


@pytest.fixture
def job(office, seller_order, postal_staff):
    job = services.create_job(seller_order)[0]
    return services.mark_picked_up(job, postal_staff, 1, 900)


def status_url(job):
    return f"/buu-dien/{job.pk}/trang-thai/"


def test_a_parcel_goes_on_through_transit_to_delivery(job, postal_staff):
    services.advance(job, postal_staff, S.IN_TRANSIT)
    services.advance(job, postal_staff, S.OUT_FOR_DELIVERY, note="Tuyến 3")
    job.refresh_from_db()
    assert job.status == S.OUT_FOR_DELIVERY
    assert list(job.events.values_list("to_status", flat=True))[-2:] == [
        "in_transit",
        "out_for_delivery",
    ]
    last = job.events.last()
    assert last.actor == postal_staff and last.note == "Tuyến 3"
    assert job.seller_order.status == SellerOrder.Status.SHIPPED


def test_delivered_records_the_cash_and_completes_the_order(job, postal_staff):
    assert job.cod_amount > 0
    at = timezone.now() - timedelta(hours=1)
    services.advance(job, postal_staff, S.DELIVERED, at=at)
    job.refresh_from_db()
    assert job.status == S.DELIVERED and job.delivered_at == at
    assert job.cod_collected == job.cod_amount
    seller_order = SellerOrder.objects.get(pk=job.seller_order_id)
    assert seller_order.status == SellerOrder.Status.DELIVERED
    assert seller_order.order.status == Order.Status.COMPLETED


def test_a_prepaid_parcel_collects_no_cash(job, postal_staff):
    PickupJob.objects.filter(pk=job.pk).update(cod_amount=0)
    job.refresh_from_db()
    services.advance(job, postal_staff, S.DELIVERED)
    job.refresh_from_db()
    assert job.delivered_at is not None and job.cod_collected == 0


def test_a_failed_delivery_is_returned_to_the_farmer(job, postal_staff):
    for status in (S.OUT_FOR_DELIVERY, S.DELIVERY_FAILED, S.RETURNED):
        services.advance(job, postal_staff, status)
    job.refresh_from_db()
    assert job.status == S.RETURNED and job.cod_collected == 0 and job.delivered_at is None
    seller_order = SellerOrder.objects.get(pk=job.seller_order_id)
    assert seller_order.status == SellerOrder.Status.RETURNED
    assert seller_order.order.status == Order.Status.COMPLETED


@pytest.mark.parametrize(
    ("steps", "impossible"),
    [
        ((), S.RETURNED),  # picked up → returned: it never went out
        ((S.DELIVERED,), S.IN_TRANSIT),  # nothing after delivered
        ((S.OUT_FOR_DELIVERY,), S.IN_TRANSIT),  # never backwards
    ],
)
def test_an_impossible_step_changes_nothing(job, postal_staff, steps, impossible):
    for status in steps:
        services.advance(job, postal_staff, status)
    job.refresh_from_db()
    before = (job.status, job.events.count(), job.seller_order.status, job.cod_collected)
    with pytest.raises(InvalidTransition):
        services.advance(job, postal_staff, impossible)
    job.refresh_from_db()
    assert (job.status, job.events.count(), job.seller_order.status, job.cod_collected) == before


def test_a_waiting_parcel_cannot_be_delivered(office, seller_order, postal_staff):
    job = services.create_job(seller_order)[0]
    with pytest.raises(InvalidTransition):
        services.advance(job, postal_staff, S.DELIVERED)
    job.refresh_from_db()
    assert job.status == S.WAITING and job.events.count() == 1


def test_pickup_is_not_a_step_of_advance(office, seller_order, postal_staff):
    job = services.create_job(seller_order)[0]
    with pytest.raises(InvalidTransition):
        services.advance(job, postal_staff, S.PICKED_UP)
    job.refresh_from_db()
    assert job.status == S.WAITING


# --- The staff's page -------------------------------------------------------------------------


def test_the_page_lists_parcels_on_the_way_with_their_next_steps(client, postal_staff, job):
    client.force_login(postal_staff)
    page = client.get(PAGE).content.decode()
    assert f'id="job-{job.pk}"' in page and job.sscc in page
    assert f'action="{status_url(job)}"' in page
    for status in (S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERED):
        assert f'name="status" value="{status}"' in page
    assert f'name="status" value="{S.RETURNED}"' not in page


def test_the_pickup_list_links_to_the_page(client, postal_staff, office):
    client.force_login(postal_staff)
    assert f'href="{PAGE}"' in client.get("/buu-dien/").content.decode()


def test_delivered_and_waiting_parcels_are_not_on_the_page(
    client, postal_staff, job, office, make_product, producer, place
):
    waiting = services.create_job(
        place([(make_product(producer, photos=0), 1)]).seller_orders.get()
    )[0]
    services.advance(job, postal_staff, S.DELIVERED)
    client.force_login(postal_staff)
    page = client.get(PAGE).content.decode()
    assert f'id="job-{job.pk}"' not in page and f'id="job-{waiting.pk}"' not in page


def test_a_button_moves_the_parcel(client, postal_staff, job):
    client.force_login(postal_staff)
    response = client.post(status_url(job), {"status": "out_for_delivery", "note": "Sáng"})
    assert response.status_code == 302 and response["Location"].endswith(f"#job-{job.pk}")
    job.refresh_from_db()
    assert job.status == S.OUT_FOR_DELIVERY and job.events.last().note == "Sáng"


def test_an_impossible_button_is_refused_in_vietnamese(client, postal_staff, job):
    client.force_login(postal_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    response = client.post(status_url(job), {"status": "returned"}, follow=True)
    job.refresh_from_db()
    assert job.status == S.PICKED_UP
    assert "không thể chuyển" in response.content.decode().lower()


def test_a_status_that_is_no_step_is_refused(client, postal_staff, job):
    client.force_login(postal_staff)
    response = client.post(status_url(job), {"status": "waiting"}, follow=True)
    job.refresh_from_db()
    assert job.status == S.PICKED_UP
    assert response.status_code == 200


def test_staff_of_another_office_cannot_move_the_parcel(client, job, make_office, make_user):
    other = make_user(Role.POSTAL_STAFF)
    make_office("HN01", communes=["00004"], staff=[other])
    client.force_login(other)
    assert job.sscc not in client.get(PAGE).content.decode()
    assert client.post(status_url(job), {"status": "in_transit"}).status_code == 403
    job.refresh_from_db()
    assert job.status == S.PICKED_UP


@pytest.mark.parametrize("role", [None, Role.PRODUCER, Role.COMMUNITY_HELPER])
def test_people_other_than_postal_staff_are_refused(client, make_user, role, job):
    client.force_login(make_user(role))
    assert client.get(PAGE).status_code == 403
    assert client.post(status_url(job), {"status": "in_transit"}).status_code == 403


def test_the_button_returns_to_the_page_it_was_pressed_on(client, postal_staff, job):
    client.force_login(postal_staff)
    response = client.post(status_url(job), {"status": "in_transit", "next": "/buu-dien/"})
    assert response["Location"] == "/buu-dien/"
    response = client.post(
        status_url(job), {"status": "out_for_delivery", "next": "https://evil.example/"}
    )
    assert "evil" not in response["Location"]


def make_on_the_way(count, office, make_product, producer, place, postal_staff):
    for _n in range(count):
        seller_order = place([(make_product(producer, photos=0), 1)]).seller_orders.get()
        job = services.create_job(seller_order)[0]
        services.mark_picked_up(job, postal_staff, 1, 500)


def test_the_page_asks_the_same_number_of_queries_for_one_parcel_or_six(
    client,
    postal_staff,
    office,
    make_product,
    producer,
    place,
    job,
    django_assert_num_queries,
):
    client.force_login(postal_staff)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as one:
        client.get(PAGE)
    make_on_the_way(5, office, make_product, producer, place, postal_staff)
    with django_assert_num_queries(len(one)):
        response = client.get(PAGE)
    assert response.content.decode().count('class="card parcel"') == 6


# --- The buyer's timeline -----------------------------------------------------------------------


def test_the_buyer_sees_each_step_without_names_of_staff(client, job, postal_staff):
    postal_staff.full_name = "Bưu tá Lò Văn Bình"
    postal_staff.save()
    for status in (S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERY_FAILED, S.OUT_FOR_DELIVERY):
        services.advance(job, postal_staff, status, note="Gọi 0912000999")
    services.advance(job, postal_staff, S.DELIVERED)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    order = job.seller_order.order
    response = client.get(order.get_absolute_url())
    steps = [step.what for step in response.context["timeline"]]
    name = job.seller_order.producer.name
    assert steps[-6:] == [
        f"Your parcel from {name} is on its way",
        f"Your parcel from {name} is out for delivery today",
        f"Delivery of your parcel from {name} failed; it will be tried again",
        f"Your parcel from {name} is out for delivery today",
        f"Your parcel from {name} was delivered",
        "Order completed",
    ]
    page = response.content.decode()
    assert "Lò Văn Bình" not in page and "0912000999" not in page
    assert "is on its way" in page


def test_a_carrier_clock_running_ahead_does_not_put_delivered_before_on_its_way(client, job):
    services.apply_carrier_event(
        job.sscc, "in_transit", timezone.now() + timedelta(minutes=3), event_id="fast"
    )
    services.advance(job, None, S.DELIVERED)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(job.seller_order.order.get_absolute_url())
    steps = [step.what for step in response.context["timeline"]]
    name = job.seller_order.producer.name
    assert steps[-3:] == [
        f"Your parcel from {name} is on its way",
        f"Your parcel from {name} was delivered",
        "Order completed",
    ]


def test_an_ignored_carrier_event_is_not_a_step(client, job):
    services.apply_carrier_event(
        job.sscc, "in_transit", timezone.now() - timedelta(days=3), event_id="old"
    )
    assert PickupJobEvent.objects.filter(job=job, note__contains="old").exists()
    assert PickupJob.objects.get(pk=job.pk).status == S.PICKED_UP
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(job.seller_order.order.get_absolute_url())
    assert not [step for step in response.context["timeline"] if "on its way" in step.what]
