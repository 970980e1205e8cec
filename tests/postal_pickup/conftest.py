"""Fixtures for the postal side: a confirmed cash-on-delivery order from a Văn Chấn farm, the
post office serving it, and its staff."""

import pytest

from accounts.roles import Role
from postal_pickup.models import PostOffice, ServedCommune
from tests.marketplace.conftest import (  # noqa: F401  (fixtures used here)
    delivery,
    empty_cache,
    make_producer,
    make_product,
    media_in_tmp,
    place,
    producer,
)

VAN_CHAN = "04672"


@pytest.fixture
def make_office(db):
    def make(code, communes=(), staff=(), **fields):
        fields.setdefault("name", f"Bưu điện {code}")
        fields.setdefault("province_code", "15")
        fields.setdefault("commune_code", communes[0] if communes else VAN_CHAN)
        fields.setdefault("phone", "+842163870000")
        office = PostOffice.objects.create(code=code, **fields)
        for commune in communes:
            ServedCommune.objects.create(office=office, commune_code=commune)
        office.staff.add(*staff)
        return office

    return make


@pytest.fixture
def postal_staff(make_user):
    return make_user(Role.POSTAL_STAFF, full_name="Nhân viên Bưu điện Văn Chấn")


@pytest.fixture
def office(make_office, postal_staff):
    return make_office("VC01", communes=[VAN_CHAN], staff=[postal_staff])


@pytest.fixture
def seller_order(make_product, producer, place, django_capture_on_commit_callbacks):  # noqa: F811
    """A confirmed COD order's seller order, placed without running the after-commit work (so
    no job exists yet unless a test makes it)."""
    product = make_product(producer, photos=0)
    with django_capture_on_commit_callbacks(execute=False):
        order = place([(product, 2)])
    return order.seller_orders.select_related("order", "producer").get()
