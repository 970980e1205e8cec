"""The "Đặt hàng" button pressed several times at once from one phone (an impatient double
tap, a flaky connection resending the form): every press lands on the same order, and only one
order is made. The presses run in threads on PostgreSQL (``make test-services``); SQLite takes
one writer at a time, so there they are sent one after the other (tests/concurrency.py)."""

import pytest
from django.test import Client

from marketplace.models import Order
from tests.concurrency import post_together
from tests.marketplace.test_checkout_views import (
    ADDRESS,
    CONTACT,
    HANOI,
    PAYMENT,
    REVIEW,
    review_form,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def root_collection():
    """Transactional tests flush what migrations made, the photos' root collection too."""
    from wagtail.models import Collection

    return Collection.get_first_root_node() or Collection.add_root(name="Root")


def test_five_presses_at_once_make_one_order(producer, make_product, catalog_page):
    tea = make_product(producer, photos=0, quantity_available=10)
    buyer = Client(raise_request_exception=False)
    buyer.post("/gio-hang/them/", {"product": tea.pk, "quantity": "2"})
    buyer.post(CONTACT, {"name": "Nguyễn Thu Hà", "phone": "0912 345 678"})
    buyer.post(ADDRESS, HANOI)
    buyer.post(PAYMENT, {"method": "cod"})
    form = review_form(buyer.get(REVIEW))

    presses = []
    for _n in range(5):  # the same phone: the same session cookie on every press
        press = Client(raise_request_exception=False)
        press.cookies = buyer.cookies
        presses.append(press)
    responses = post_together(presses, REVIEW, form)

    order = Order.objects.get()
    assert [r.status_code for r in responses] == [302] * 5
    assert {r["Location"] for r in responses} == {f"{order.get_absolute_url()}?moi=1"}
    tea.refresh_from_db()
    assert tea.quantity_available == 8
