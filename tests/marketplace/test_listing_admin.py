"""Listings are made by their producer on the phone form; in the Wagtail admin moderators (and
superusers) list, inspect, edit and delete them, but never add or copy one: there is no button
for it and the address is a 404, not a 500 (the admin form cannot name the producer)."""

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.roles import Role
from marketplace.models import Product

from .conftest import admin_edit_form

pytestmark = pytest.mark.django_db

LISTINGS = "/admin/snippets/marketplace/product/"


@pytest.fixture(params=["moderator", "superuser"])
def admin_user(request, make_user):
    if request.param == "superuser":
        return make_user(is_superuser=True, is_staff=True, full_name="Quản trị")
    return make_user(Role.MODERATOR, full_name="Kiểm duyệt viên")


def test_the_listing_page_offers_no_add_or_copy(client, admin_user, producer, make_product):
    client.force_login(admin_user)
    empty = client.get(LISTINGS)
    assert empty.status_code == 200
    assert f"{LISTINGS}add/" not in empty.content.decode()  # not even "why not add one?"

    product = make_product(producer, name="Chè Shan Tuyết")
    page = client.get(LISTINGS)
    html = page.content.decode()
    assert page.status_code == 200 and "Chè Shan Tuyết" in html
    assert f"{LISTINGS}add/" not in html
    assert f"{LISTINGS}copy/" not in html
    assert f"{LISTINGS}edit/{product.pk}/" in html


def test_the_add_and_copy_addresses_are_not_found(client, admin_user, producer, make_product):
    product = make_product(producer)
    client.force_login(admin_user)
    assert client.get(f"{LISTINGS}add/").status_code == 404
    response = client.post(
        f"{LISTINGS}add/", admin_edit_form(product, name="Chè mới", slug="che-moi", gtin="")
    )
    assert response.status_code == 404
    assert client.get(f"{LISTINGS}copy/{product.pk}/").status_code == 404
    assert list(Product.objects.all()) == [product]


def test_the_edit_and_inspect_pages_still_work(client, admin_user, producer, make_product):
    product = make_product(producer, name="Chè búp")
    client.force_login(admin_user)
    assert client.get(f"{LISTINGS}edit/{product.pk}/").status_code == 200
    assert client.get(f"{LISTINGS}inspect/{product.pk}/").status_code == 200
    response = client.post(
        f"{LISTINGS}edit/{product.pk}/", admin_edit_form(product, name="Chè búp khô")
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name == "Chè búp khô"


def test_a_superuser_still_deletes_a_listing(client, make_user, producer, make_product):
    product = make_product(producer)
    client.force_login(make_user(is_superuser=True, is_staff=True))
    assert client.get(f"{LISTINGS}delete/{product.pk}/").status_code == 200
    assert client.post(f"{LISTINGS}delete/{product.pk}/").status_code == 302
    assert not Product.objects.filter(pk=product.pk).exists()


def test_moderators_hold_no_add_permission_and_the_group_editor_offers_none(
    client, moderator, make_user
):
    add = Permission.objects.get(content_type__app_label="marketplace", codename="add_product")
    change = Permission.objects.get(
        content_type__app_label="marketplace", codename="change_product"
    )
    assert not moderator.has_perm("marketplace.add_product")
    assert moderator.has_perm("marketplace.change_product")

    client.force_login(make_user(is_superuser=True, is_staff=True))
    group = Group.objects.get(name=Role.MODERATOR.value)
    html = client.get(f"/admin/groups/edit/{group.pk}/").content.decode()
    assert f'value="{change.pk}"' in html
    assert f'value="{add.pk}"' not in html
