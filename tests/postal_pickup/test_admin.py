"""Moderators keep the post offices and look at the jobs in the Wagtail admin, the
moderators' queue first; jobs are not edited there."""

import pytest
from django.db import IntegrityError

from accounts.roles import Role
from postal_pickup import services
from postal_pickup.models import PostOffice, ServedCommune

JOBS = "/admin/snippets/postal_pickup/pickupjob/"
OFFICES = "/admin/snippets/postal_pickup/postoffice/"


def office_form(staff, communes, **fields):
    data = {
        "code": "VC02",
        "name": "Bưu điện Sơn Thịnh",
        "province_code": "15",
        "commune_code": communes[0],
        "village": "",
        "street": "Tổ 3",
        "phone": "02163870111",
        "staff": [user.pk for user in staff],
        "served_communes-TOTAL_FORMS": str(len(communes)),
        "served_communes-INITIAL_FORMS": "0",
        "served_communes-MIN_NUM_FORMS": "0",
        "served_communes-MAX_NUM_FORMS": "1000",
    }
    for index, commune in enumerate(communes):
        data[f"served_communes-{index}-commune_code"] = commune
        data[f"served_communes-{index}-id"] = ""
        data[f"served_communes-{index}-ORDER"] = str(index + 1)
        data[f"served_communes-{index}-DELETE"] = ""
    data.update(fields)
    return data


def test_a_moderator_adds_an_office_with_its_communes_and_staff(client, moderator, postal_staff):
    client.force_login(moderator)
    response = client.post(OFFICES + "add/", office_form([postal_staff], ["04672", "02686"]))
    assert response.status_code == 302
    office = PostOffice.objects.get(code="VC02")
    assert set(office.served_communes.values_list("commune_code", flat=True)) == {
        "04672",
        "02686",
    }
    assert list(office.staff.all()) == [postal_staff]


def test_a_commune_has_one_office(make_office):
    make_office("A", communes=["04672"])
    with pytest.raises(IntegrityError):
        ServedCommune.objects.create(office=make_office("B"), commune_code="04672")


def test_the_job_list_puts_the_moderators_queue_first(
    client, moderator, make_office, make_product, make_producer, place, office
):
    served = make_product(make_producer(), photos=0)
    unserved = make_product(make_producer(commune_code="02686"), photos=0)
    for product in (served, unserved):
        services.create_job(place([(product, 1)]).seller_orders.get())
    client.force_login(moderator)
    response = client.get(JOBS)
    assert response.status_code == 200
    page = response.content.decode()
    queued = services.PickupJob.objects.get(office__isnull=True).sscc
    assigned = services.PickupJob.objects.get(office=office).sscc
    assert page.index(queued) < page.index(assigned)


def test_jobs_are_looked_at_not_edited(client, moderator, office, seller_order):
    job, _created = services.create_job(seller_order)
    client.force_login(moderator)
    assert client.get(f"{JOBS}inspect/{job.pk}/").status_code == 200
    assert client.get(f"{JOBS}edit/{job.pk}/").status_code in (302, 403)


def test_postal_staff_stay_out_of_the_admin(client, make_user):
    client.force_login(make_user(Role.POSTAL_STAFF))
    assert client.get(JOBS).status_code == 302


def test_a_commune_another_office_serves_is_refused_with_a_message(client, moderator, make_office):
    make_office("VC01", communes=["04672"])
    client.force_login(moderator)
    response = client.post(OFFICES + "add/", office_form([], ["04672"]))
    assert response.status_code == 200
    assert not PostOffice.objects.filter(code="VC02").exists()
    formset = response.context["form"].formsets["served_communes"]
    assert formset.errors[0]["commune_code"]
