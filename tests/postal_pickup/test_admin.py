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


# --- The moderators' queue: assign an office and put the job back on its list --------------


@pytest.fixture
def queued(seller_order, make_office):
    make_office("KHAC", communes=["00004"])
    job, _created = services.create_job(seller_order)
    assert job.needs_moderator and job.office is None
    return job


def assign_url(job):
    return f"{JOBS}assign/{job.pk}/"


def test_the_queue_shows_the_assign_action(client, moderator, queued):
    client.force_login(moderator)
    page = client.get(JOBS + "?needs_moderator=true").content.decode()
    assert queued.sscc in page and assign_url(queued) in page
    assert assign_url(queued) in client.get(f"{JOBS}inspect/{queued.pk}/").content.decode()


def test_a_moderator_assigns_an_office_and_the_job_is_back_on_its_list(
    client, moderator, queued, office, postal_staff
):
    client.force_login(moderator)
    response = client.post(
        assign_url(queued), {"office": office.pk, "reason": "Xã mới sáp nhập vào Văn Chấn"}
    )
    assert response.status_code == 302
    queued.refresh_from_db()
    assert queued.office == office and not queued.needs_moderator
    assert queued.pickup_date >= services.local_date(services.timezone.now())
    event = queued.events.last()
    assert event.actor == moderator and "Xã mới sáp nhập vào Văn Chấn" in event.note
    assert office.name in event.note
    client.force_login(postal_staff)
    assert f'id="job-{queued.pk}"' in client.get("/buu-dien/").content.decode()


def test_assigning_needs_a_reason(client, moderator, queued, office):
    client.force_login(moderator)
    response = client.post(assign_url(queued), {"office": office.pk, "reason": ""})
    assert response.status_code == 200
    queued.refresh_from_db()
    assert queued.office is None and queued.needs_moderator and queued.events.count() == 1


def test_a_parcel_already_picked_up_cannot_be_assigned(
    client, moderator, office, seller_order, postal_staff, make_office
):
    job, _created = services.create_job(seller_order)
    services.mark_picked_up(job, postal_staff, 1, 900)
    other = make_office("KHAC", communes=["00004"])
    client.force_login(moderator)
    response = client.post(assign_url(job), {"office": other.pk, "reason": "Nhầm"})
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.office == office


@pytest.mark.parametrize("role", [None, Role.POSTAL_STAFF, Role.PRODUCER, Role.COMMUNITY_HELPER])
def test_nobody_but_moderators_opens_or_uses_the_assign_action(
    client, make_user, queued, office, role
):
    client.force_login(make_user(role))
    assert client.get(assign_url(queued)).status_code in (302, 403)
    response = client.post(assign_url(queued), {"office": office.pk, "reason": "Thử"})
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "login" in response["Location"] or "dang-nhap" in response["Location"]
    queued.refresh_from_db()
    assert queued.office is None and queued.needs_moderator


def test_anonymous_people_are_sent_to_log_in(client, queued):
    response = client.get(assign_url(queued))
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_admin_user_who_is_no_moderator_cannot_assign(client, make_user, queued, office):
    from django.contrib.auth.models import Permission

    editor = make_user(None)
    editor.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200  # inside the admin, yet
    refused = (403, 302)  # Wagtail turns the refusal into a redirect to the dashboard
    response = client.get(assign_url(queued))
    assert response.status_code in refused and assign_url(queued) not in response.get(
        "Location", ""
    )
    response = client.post(assign_url(queued), {"office": office.pk, "reason": "Thử"})
    assert response.status_code in refused
    queued.refresh_from_db()
    assert queued.office is None and queued.needs_moderator
