"""The farmer's seller desk: where each parcel is with the post office, and the cash collected
on delivery (owed and paid). A farmer sees only their own producer's jobs and figures."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.access import scoped
from accounts.roles import Role
from postal_pickup import remittance, services
from postal_pickup.access import FOLLOW
from postal_pickup.models import PickupJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(office, seller_order):
    return services.create_job(seller_order)[0]


@pytest.fixture
def farmer(client, producer_user):
    client.force_login(producer_user)
    return client


@pytest.fixture
def other_farmer(client, make_user, make_producer):
    """A farmer of another producer, logged in, with a parcel of their own."""
    user = make_user(Role.PRODUCER, full_name="Giàng A Páo")
    make_producer(members=[user], name="Hộ nuôi ong Giàng A Páo")
    client.force_login(user)
    return client, user


def section(response, marker):
    """The html of the desk section holding ``marker`` (the pages are in Vietnamese)."""
    found = [s["html"] for s in response.context["sections"] if marker in s["html"]]
    assert len(found) <= 1
    return found[0] if found else ""


def pickups(response):
    return section(response, 'class="desk-list pickups"')


def test_the_farmer_sees_when_the_post_office_comes(farmer, job):
    html = pickups(farmer.get(reverse("marketplace:desk")))
    assert job.seller_order.order.number in html
    assert 'data-status="waiting"' in html and f"{job.pickup_date:%d/%m}" in html
    assert 'data-packed="no"' in html


def test_the_farmer_marks_the_parcel_packed_and_the_desk_says_so(farmer, job):
    response = farmer.post(
        reverse("marketplace:seller_order_step", args=[job.seller_order.pk]), {"buoc": "packed"}
    )
    assert response.status_code == 302
    job.seller_order.refresh_from_db()
    assert job.seller_order.status == "packed"
    assert 'data-packed="yes"' in pickups(farmer.get(reverse("marketplace:desk")))


def test_a_failed_pickup_says_why_and_when_it_is_tried_again(farmer, job, postal_staff):
    job = services.mark_failed(job, postal_staff, services.FailureReason.FARMER_AWAY)
    html = pickups(farmer.get(reverse("marketplace:desk")))
    reason = job.events.order_by("pk").last().note
    assert 'data-status="failed"' in html
    assert f"({reason})" in html and f"{job.pickup_date:%d/%m}" in html


def test_the_later_states_are_shown(farmer, job, postal_staff):
    services.mark_picked_up(job, postal_staff, 1, 900)
    assert 'data-status="picked_up"' in pickups(farmer.get(reverse("marketplace:desk")))
    when = datetime(2026, 12, 3, 15, tzinfo=timezone.get_current_timezone())
    PickupJob.objects.filter(pk=job.pk).update(status="delivered", delivered_at=when)
    html = pickups(farmer.get(reverse("marketplace:desk")))
    assert 'data-status="delivered"' in html and "03/12/2026" in html


def test_another_farmer_never_sees_the_job(other_farmer, job):
    client, user = other_farmer
    assert not scoped(user, PickupJob, FOLLOW).exists()
    response = client.get(reverse("marketplace:desk"))
    assert job.seller_order.order.number not in response.content.decode()
    assert pickups(response) == ""


@pytest.mark.parametrize("role", [Role.POSTAL_STAFF, Role.COMMUNITY_HELPER, None])
def test_nobody_but_the_farmer_follows_the_job(job, make_user, role, moderator):
    assert not scoped(make_user(role), PickupJob, FOLLOW).exists()
    assert list(scoped(moderator, PickupJob, FOLLOW)) == [job]


# --- the cash collected on delivery ----------------------------------------------------------


@pytest.fixture
def delivered(job, settings):
    settings.POSTAL_COD_FEE_PERCENT = "1"
    settings.POSTAL_COD_FEE_MIN = 5000
    when = datetime(2026, 11, 20, 9, tzinfo=timezone.get_current_timezone())
    PickupJob.objects.filter(pk=job.pk).update(
        status="delivered", delivered_at=when, cod_collected=900_000
    )
    return job


def cod(response):
    return section(response, 'class="cod-owed"')


def test_the_farmer_sees_what_is_owed_then_what_was_paid(farmer, delivered, producer, moderator):
    html = cod(farmer.get(reverse("marketplace:desk")))
    assert 'data-owed="891000"' in html  # 900 000 less the 1 % fee
    assert 'data-month="2026-11"' in html
    paid = remittance.mark_paid(
        producer, date(2026, 11, 1), date(2026, 11, 30), by=moderator, reference="UNC 77"
    )
    html = cod(farmer.get(reverse("marketplace:desk")))
    assert 'data-owed="0"' in html
    assert f'data-remittance="{paid.pk}"' in html and "UNC 77" in html


def test_another_farmer_never_sees_the_cash(other_farmer, delivered, producer, moderator):
    remittance.mark_paid(producer, date(2026, 11, 1), date(2026, 11, 30), by=moderator)
    client, _user = other_farmer
    response = client.get(reverse("marketplace:desk"))
    assert cod(response) == ""
    assert "891.000" not in response.content.decode()


def test_nothing_delivered_means_no_cash_section(farmer, job):
    assert cod(farmer.get(reverse("marketplace:desk"))) == ""


def test_a_parcel_delivered_long_ago_leaves_the_desk(farmer, job):
    from datetime import timedelta

    long_ago = timezone.now() - timedelta(days=20)
    PickupJob.objects.filter(pk=job.pk).update(
        status="delivered", delivered_at=long_ago, updated_at=long_ago
    )
    assert pickups(farmer.get(reverse("marketplace:desk"))) == ""
    PickupJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(days=2))
    assert 'data-status="delivered"' in pickups(farmer.get(reverse("marketplace:desk")))


def test_a_cancelled_parcel_says_so_then_leaves_the_desk(farmer, job, moderator):
    from datetime import timedelta

    from marketplace.checkout import cancel_order

    cancel_order(job.seller_order.order, actor=moderator, reason="Khách đổi ý")
    assert 'data-status="cancelled"' in pickups(farmer.get(reverse("marketplace:desk")))
    PickupJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(days=20))
    assert pickups(farmer.get(reverse("marketplace:desk"))) == ""
