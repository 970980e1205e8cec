"""seed_demo: an office serves each demo commune, each office has its own postal staff login,
and every demo parcel waiting for the post office has one job at the right office, however
often it runs."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.access import scoped
from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from accounts.roles import Role
from marketplace.models import Producer, SellerOrder
from postal_pickup.models import PickupJob, PostOffice, ServedCommune

pytestmark = pytest.mark.django_db

STAFF = {
    "LC-VANCHAN": "+84912000006",
    "LC-MUCANGCHAI": "+84912000008",
    "LC-MAUA": "+84912000009",
}


def test_seed_demo_sets_up_the_post_offices_once():
    out = StringIO()
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=out)  # a second run changes nothing
    assert PostOffice.objects.count() == 3
    assert PostOffice.objects.get(code="LC-VANCHAN").name == "Bưu điện Văn Chấn"
    # every demo producer's commune is served, each by one office
    communes = set(Producer.objects.values_list("commune_code", flat=True))
    served = dict(ServedCommune.objects.values_list("commune_code", "office__code"))
    assert communes <= set(served)
    assert served["04672"] == "LC-VANCHAN" and served["04456"] == "LC-MUCANGCHAI"
    for code, phone in STAFF.items():
        office = PostOffice.objects.get(code=code)
        staff = User.objects.get(phone=phone)
        assert list(office.staff.all()) == [staff]
        assert staff.has_role(Role.POSTAL_STAFF)
        assert staff.check_password(DEMO_PASSWORD)
        # the logins printed at the end name every office's staff
        assert staff.phone_display in out.getvalue()
        assert set(scoped(staff, PickupJob)) == set(PickupJob.objects.filter(office=office))
    waiting = SellerOrder.objects.filter(status__in=["to_pack", "packed"])
    assert waiting.exists()
    assert PickupJob.objects.count() == waiting.count()
    for job in PickupJob.objects.select_related("seller_order__producer", "office"):
        assert job.office.code == served[job.seller_order.producer.commune_code]
