"""Moderators and administrators manage people in the admin by phone number."""

import pytest

from accounts.models import User
from accounts.roles import Role


@pytest.fixture
def admin_client(client, db):
    admin = User.objects.create_superuser("0912000009", "mat-khau-quan-tri-9", full_name="Quản trị")
    client.force_login(admin)
    return client


def test_wagtail_creates_a_user_from_a_phone_number(admin_client):
    form = admin_client.get("/admin/users/new/").content.decode()
    assert 'name="phone"' in form
    assert 'name="first_name"' not in form
    from django.contrib.auth.models import Group

    helper_group = Group.objects.get(name=Role.COMMUNITY_HELPER.value)
    response = admin_client.post(
        "/admin/users/new/",
        {
            "phone": "0912 111 222",
            "full_name": "Hoàng Thị Lan",
            "email": "",
            "password1": "khong-de-doan-123",
            "password2": "khong-de-doan-123",
            "groups": [helper_group.pk],
        },
    )
    assert response.status_code == 302
    user = User.objects.get(phone="+84912111222")
    assert user.full_name == "Hoàng Thị Lan"
    assert user.has_role(Role.COMMUNITY_HELPER)
    assert user.check_password("khong-de-doan-123")


def test_wagtail_refuses_a_second_account_for_the_same_number(admin_client, make_user):
    make_user(phone="0912111222")
    response = admin_client.post(
        "/admin/users/new/",
        {
            "phone": "+84 912 111 222",
            "full_name": "Trùng số",
            "password1": "khong-de-doan-123",
            "password2": "khong-de-doan-123",
        },
    )
    assert response.status_code == 200
    assert User.objects.filter(phone="+84912111222").count() == 1


def test_wagtail_edits_a_user(admin_client, make_user):
    user = make_user(phone="0912333444", full_name="Tên cũ")
    response = admin_client.post(
        f"/admin/users/edit/{user.pk}/",
        {"phone": "0912333444", "full_name": "Tên mới", "email": "", "is_active": "on"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.full_name == "Tên mới"


def test_django_admin_lists_and_adds_users(admin_client):
    assert admin_client.get("/django-admin/accounts/user/").status_code == 200
    response = admin_client.post(
        "/django-admin/accounts/user/add/",
        {
            "phone": "0912555666",
            "full_name": "Người mới",
            "password1": "khong-de-doan-123",
            "password2": "khong-de-doan-123",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(phone="+84912555666").exists()
