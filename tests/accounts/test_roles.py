import pytest
from django.contrib.auth.models import Group, Permission

from accounts.roles import ROLE_PERMISSIONS, Role
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


@pytest.mark.django_db
def test_after_migrating_every_group_holds_the_permissions_its_role_names():
    for role in Role:
        held = set(
            Group.objects.get(name=role.value).permissions.values_list(
                "content_type__app_label", "codename"
            )
        )
        assert {tuple(d.split(".")) for d in ROLE_PERMISSIONS[role]} <= held, role


def test_granting_a_role_runs_a_few_queries_whatever_the_permissions(
    make_user, django_assert_max_num_queries
):
    user = make_user()
    with django_assert_max_num_queries(3):  # the group, the user's groups, the new link
        grant_role(user, Role.MODERATOR)
    assert user.has_role(Role.MODERATOR)


def test_a_farmer_signing_up_runs_a_small_fixed_number_of_queries(
    moderator, django_assert_max_num_queries
):
    from marketplace.services import register_farmer

    # 21 today (the account, its group, the producer, its history, the moderators' message);
    # 67 when every sign-up re-synced every role group's permissions
    with django_assert_max_num_queries(30):
        register_farmer(
            phone="0977000111",
            password="mat-khau-thu-nghiem-9",
            full_name="Lò Văn Pả",
            province_code="15",
            commune_code="04672",
        )


def test_a_permission_a_moderator_removed_stays_removed_after_sign_ups(make_user, moderator):
    from marketplace.services import register_farmer

    group = Group.objects.get(name=Role.MODERATOR.value)
    removed = Permission.objects.get(
        content_type__app_label="marketplace", codename="change_producer"
    )
    group.permissions.remove(removed)
    register_farmer(
        phone="0977000112",
        password="mat-khau-thu-nghiem-9",
        full_name="Giàng Thị Dua",
        province_code="15",
        commune_code="04672",
    )
    make_user(Role.MODERATOR)
    assert not group.permissions.filter(pk=removed.pk).exists()


def test_migrate_gives_the_groups_back_what_the_code_declares(moderator):
    """A permission added to ROLE_PERMISSIONS reaches an existing database at the next
    migrate: the groups are synced in post_migrate, not on sign-up."""
    from django.core.management.sql import emit_post_migrate_signal

    group = Group.objects.get(name=Role.MODERATOR.value)
    group.permissions.clear()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert group.permissions.filter(codename="access_admin").exists()
    assert group.permissions.filter(codename="change_growingarea").exists()


def test_old_migrations_grant_their_own_frozen_permission_lists():
    """A migration that imported today's ROLE_PERMISSIONS would grant, on a fresh database,
    permissions of models that did not exist yet when it was written."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    granting = [
        path
        for path in root.glob("*/migrations/0*.py")
        if "grant_role_permissions" in path.read_text() or "Group" in path.read_text()
    ]
    assert len(granting) >= 4  # accounts, growing_areas, marketplace, traceability
    for path in granting:
        source = path.read_text()
        assert "ROLE_PERMISSIONS" not in source and "accounts.roles" not in source, path
        assert "ensure_role_groups" not in source, path
