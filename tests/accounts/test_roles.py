import pytest
from django.contrib.auth.models import Group

from accounts.roles import Role
from accounts.services import ensure_role_groups, grant_role


@pytest.mark.django_db
def test_every_role_has_its_group_after_migrating():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


@pytest.mark.django_db
def test_ensuring_groups_twice_changes_nothing():
    ensure_role_groups()
    before = Group.objects.count()
    ensure_role_groups()
    assert Group.objects.count() == before


def test_roles_are_read_from_groups(make_user):
    user = make_user()
    assert user.roles == []
    grant_role(user, Role.COMMUNITY_HELPER)
    assert user.has_role(Role.COMMUNITY_HELPER)
    assert not user.has_role(Role.MODERATOR)
    assert user.roles == [Role.COMMUNITY_HELPER]


def test_a_moderator_reaches_the_wagtail_admin(client, moderator):
    assert not moderator.is_superuser
    client.force_login(moderator)
    response = client.get("/admin/")
    assert response.status_code == 200


@pytest.mark.parametrize("role", [Role.PRODUCER, Role.COMMUNITY_HELPER, Role.POSTAL_STAFF])
def test_other_roles_are_kept_out_of_the_admin(client, make_user, role):
    client.force_login(make_user(role))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_admin_login_takes_a_phone_number(client, make_user):
    moderator = make_user(Role.MODERATOR, phone="0977111222")
    response = client.post(
        "/admin/login/", {"username": "0977 111 222", "password": "mat-khau-thu-nghiem-9"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(moderator.pk)
