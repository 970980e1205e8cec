"""Staff of office X never see office Y's jobs; moderators see all; nobody else any."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.access import get_for_actor, scoped
from accounts.roles import Role
from postal_pickup import services
from postal_pickup.models import PickupJob, PostOffice


@pytest.fixture
def other_office(make_office, make_user):
    return make_office("HN01", communes=["00004"], staff=[make_user(Role.POSTAL_STAFF)])


@pytest.fixture
def job(office, seller_order):
    return services.create_job(seller_order)[0]


def test_staff_see_the_jobs_of_their_own_office(job, postal_staff):
    assert list(scoped(postal_staff, PickupJob)) == [job]
    assert get_for_actor(postal_staff, PickupJob, pk=job.pk) == job


def test_staff_of_another_office_are_refused_the_job(job, other_office):
    stranger = other_office.staff.get()
    assert not scoped(stranger, PickupJob).exists()
    with pytest.raises(PermissionDenied):
        get_for_actor(stranger, PickupJob, pk=job.pk)
    with pytest.raises(Http404):
        get_for_actor(stranger, PickupJob, pk=job.pk + 1000)


def test_staff_see_only_their_own_offices(office, other_office, postal_staff):
    assert list(scoped(postal_staff, PostOffice)) == [office]


def test_a_job_in_the_moderators_queue_is_theirs_alone(seller_order, postal_staff, moderator):
    job, _created = services.create_job(seller_order)  # no office serves the commune
    assert not scoped(postal_staff, PickupJob).exists()
    assert get_for_actor(moderator, PickupJob, pk=job.pk) == job


@pytest.mark.parametrize("role", [None, Role.PRODUCER, Role.COMMUNITY_HELPER])
def test_nobody_else_sees_any_job(job, make_user, role):
    assert not scoped(make_user(role), PickupJob).exists()


def test_a_staff_member_who_lost_the_role_sees_nothing(job, postal_staff):
    postal_staff.groups.clear()
    postal_staff = type(postal_staff).objects.get(pk=postal_staff.pk)
    assert not scoped(postal_staff, PickupJob).exists()


def test_moderators_see_every_job(job, other_office, moderator):
    assert list(scoped(moderator, PickupJob)) == [job]
    assert scoped(moderator, PostOffice).count() == 2
