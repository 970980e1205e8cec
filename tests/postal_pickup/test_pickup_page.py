"""The staff's phone page /buu-dien/: their offices' jobs by day, commune and village, with the
farmer's phone and the cash to collect; the two buttons go through the services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from marketplace.models import SellerOrder
from postal_pickup import services
from postal_pickup.models import PickupJob

PAGE = "/buu-dien/"


@pytest.fixture
def job(office, seller_order):
    return services.create_job(seller_order)[0]


def test_staff_see_their_jobs_with_phone_and_cash(client, postal_staff, job):
    producer = job.seller_order.producer
    producer.phone = "+84912000003"
    producer.village = "Thôn Giàng A"
    producer.save()
    client.force_login(postal_staff)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="job-{job.pk}"' in page
    assert 'href="tel:+84912000003"' in page
    assert "Thôn Giàng A" in page
    assert job.seller_order.order.number in page
    assert f'data-day="{job.pickup_date:%Y-%m-%d}"' in page


def test_staff_of_another_office_see_nothing_of_it(client, job, make_office, make_user):
    other = make_user(Role.POSTAL_STAFF)
    make_office("HN01", communes=["00004"], staff=[other])
    client.force_login(other)
    page = client.get(PAGE).content.decode()
    assert job.sscc not in page and job.seller_order.order.number not in page
    response = client.post(f"{PAGE}{job.pk}/da-lay/", {"parcels": "1", "weight_grams": "900"})
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.status == PickupJob.Status.WAITING


@pytest.mark.parametrize("role", [None, Role.PRODUCER, Role.COMMUNITY_HELPER])
def test_people_other_than_postal_staff_are_refused(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(PAGE).status_code == 403


def test_the_page_asks_the_same_number_of_queries_for_one_job_or_five(
    client, postal_staff, office, make_product, producer, place, job
):
    client.force_login(postal_staff)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as one:
        client.get(PAGE)
    for _n in range(4):
        services.create_job(place([(make_product(producer, photos=0), 1)]).seller_orders.get())
    with CaptureQueriesContext(connection) as five:
        response = client.get(PAGE)
    assert response.content.decode().count('class="card parcel"') == 5
    assert len(five) == len(one)


def test_picked_up_ships_the_parcel(client, postal_staff, job):
    client.force_login(postal_staff)
    response = client.post(f"{PAGE}{job.pk}/da-lay/", {"parcels": "2", "weight_grams": "1100"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == PickupJob.Status.PICKED_UP and job.parcel_count == 2
    assert job.seller_order.status == SellerOrder.Status.SHIPPED
    assert f'id="job-{job.pk}"' not in client.get(PAGE).content.decode()


def test_a_bad_weight_changes_nothing(client, postal_staff, job):
    client.force_login(postal_staff)
    client.post(f"{PAGE}{job.pk}/da-lay/", {"parcels": "1", "weight_grams": "-5"})
    job.refresh_from_db()
    assert job.status == PickupJob.Status.WAITING and job.events.count() == 1


def test_could_not_collect_moves_it_to_a_later_day(client, postal_staff, job):
    client.force_login(postal_staff)
    before = job.pickup_date
    client.post(f"{PAGE}{job.pk}/khong-lay-duoc/", {"reason": "farmer_away", "note": ""})
    job.refresh_from_db()
    assert job.status == PickupJob.Status.FAILED and job.failures == 1
    assert job.pickup_date > before


def test_a_second_pick_up_says_it_is_not_possible(client, postal_staff, job):
    client.force_login(postal_staff)
    client.post(f"{PAGE}{job.pk}/da-lay/", {"parcels": "1", "weight_grams": "900"})
    response = client.post(
        f"{PAGE}{job.pk}/da-lay/", {"parcels": "1", "weight_grams": "900"}, follow=True
    )
    assert response.status_code == 200
    assert job.events.count() == 2
