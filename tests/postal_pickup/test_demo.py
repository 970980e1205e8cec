"""seed_demo: Bưu điện Văn Chấn serves the demo communes, the demo postal staff works there,
and every demo parcel waiting for the post office has one job, however often it runs."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.access import scoped
from accounts.models import User
from marketplace.models import SellerOrder
from postal_pickup.models import PickupJob, PostOffice

pytestmark = pytest.mark.django_db


def test_seed_demo_sets_up_the_post_office_once():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # a second run changes nothing
    office = PostOffice.objects.get()
    assert office.name == "Bưu điện Văn Chấn"
    assert set(office.served_communes.values_list("commune_code", flat=True)) >= {"04672"}
    staff = User.objects.get(phone="+84912000006")
    assert list(office.staff.all()) == [staff]
    waiting = SellerOrder.objects.filter(status__in=["to_pack", "packed"])
    assert waiting.exists()
    assert PickupJob.objects.count() == waiting.count()
    assert set(scoped(staff, PickupJob)) == set(PickupJob.objects.filter(office=office))
