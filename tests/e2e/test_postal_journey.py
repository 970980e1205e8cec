"""One parcel from "Đặt hàng" to the buyer's door, on 360×640 phones: a guest buys the demo tea
(cash on delivery); the farmer sees the post office's pickup on the seller desk and marks the
parcel packed; the morning lists are drawn up; the postal staff of the farm's office find it on
today's list, open the QR code of its slip (``/00/<sscc>``), land on the job's page and mark it
picked up; the carrier's signed webhook moves it in transit, then delivered; the buyer's
tracking page shows every step. Staff of another office opening the same QR link see only the
public status, no names or phones."""

import io
import re
from datetime import datetime
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from marketplace.models import Order, Product, SellerOrder
from postal_pickup import carrier, documents, tasks
from postal_pickup.models import PickupJob, PickupList
from tests.e2e.buying import DEMO_FARMER, DEMO_TEA, buy, fits_the_phone
from tests.e2e.conftest import PHONE, shot
from tests.postal_pickup.carrier_support import HANOI, event_body
from tests.postal_pickup.carrier_support import URL as WEBHOOK
from tests.traceability.test_labels import decode_pdf

FARM_OFFICE_STAFF = "0912000006"  # Bưu điện Văn Chấn, which serves the tea's commune
OTHER_OFFICE_STAFF = "0912000008"  # Bưu điện Mù Cang Chải
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def log_in(browser, phone_number, next_path, server):
    """A new phone, signed in as ``phone_number``, on ``next_path``."""
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{server}/tai-khoan/dang-nhap/?next={next_path}")
    page.locator("[name=username]").fill(phone_number)
    page.locator("[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"**{next_path}")
    return context, page


def slip_link(job):
    """What the QR code on the job's printed slip opens, read back from the PDF."""
    out = io.BytesIO()
    documents.render_slip(documents.stop_for(job), out)
    [[link]] = decode_pdf(out.getvalue(), dpi=200)
    return link


def carrier_says(server, sscc, status):
    """The carrier's system posts a signed status event to the live server, as it happens."""
    body = event_body(sscc, status, occurred_at=datetime.now(HANOI))
    response = requests.post(
        f"{server}{WEBHOOK}",
        data=body,
        headers={
            "Content-Type": "application/json",
            **carrier.signed_headers(body, settings.CARRIER_WEBHOOK_SECRET),
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["duplicate"] is False


def vi(text, **values):
    with translation.override("vi"):
        return gettext(text) % values


@pytest.fixture
def every_day_is_a_working_day(settings):
    """The lists are drawn up for today whatever weekday the test runs on."""
    settings.POSTAL_WORKING_DAYS = EVERY_DAY


@pytest.mark.django_db(transaction=True)
def test_one_parcel_from_the_order_to_the_buyers_door(
    live_server, phone, browser, every_day_is_a_working_day
):
    server = live_server.url
    call_command("seed_demo", stdout=io.StringIO())
    tea = Product.objects.get(slug=DEMO_TEA)

    # A guest buys the tea, cash on delivery: the parcel gets its pickup job at the farm's office.
    buyer = phone.new_page()
    order, _total = buy(buyer, server, tea, 1, "cod", "postal-1")
    parcel = order.seller_orders.select_related("producer").get()
    job = PickupJob.objects.select_related("office").get(seller_order=parcel)
    assert job.office.staff.filter(phone="+84912000006").exists()
    assert job.status == PickupJob.Status.WAITING

    # The farmer, on their own phone, sees the post office's pickup on the seller desk.
    farmer_context, farmer = log_in(browser, DEMO_FARMER, "/ban-hang/", server)
    pickups = farmer.locator("section.desk-section", has_text="Bưu điện lấy hàng")
    pickup = pickups.locator(f"li.pickup[data-job='{job.pk}']")
    pickup.wait_for()
    expect(pickup).to_contain_text(order.number)
    expect(pickup.locator("[data-packed=no]")).to_be_visible()
    assert fits_the_phone(farmer)
    shot(farmer, "postal-2-farmer-desk")

    # ... packs it and says so on the orders page; the desk then shows it packed.
    farmer.goto(f"{server}/ban-hang/don-hang/")
    with farmer.expect_navigation():
        farmer.locator(f"#don-{parcel.pk} button[name=buoc][value=packed]").click()
    parcel.refresh_from_db()
    assert parcel.status == SellerOrder.Status.PACKED
    farmer.goto(f"{server}/ban-hang/")
    pickup.locator("[data-packed=yes]").wait_for()
    shot(farmer, "postal-3-farmer-packed")
    farmer_context.close()

    # The night passes: the pickup day has come, and the beat draws up the morning lists.
    today = timezone.localdate()
    PickupJob.objects.filter(pk=job.pk).update(pickup_date=today)
    assert tasks.draw_up_todays_lists() >= 1
    pickup_list = PickupList.objects.get(office=job.office, day=today)
    assert pickup_list.rows.filter(job=job).exists()

    # The farm's postal staff find it on today's list, packed, with the list to print.
    staff_context, staff = log_in(browser, FARM_OFFICE_STAFF, "/buu-dien/", server)
    today_section = staff.locator(f"section.pickup-day[data-day='{today:%Y-%m-%d}']")
    stop = today_section.locator(f"#job-{job.pk}")
    stop.wait_for()
    expect(stop.locator("[data-packed=yes]")).to_be_visible()
    expect(stop).to_contain_text(parcel.producer.name)
    expect(
        staff.locator(f".paper-lists a[href='/buu-dien/bang-ke/{pickup_list.pk}/']")
    ).to_be_visible()
    assert fits_the_phone(staff)
    shot(staff, "postal-4-staff-list")

    # At the farm they scan the slip's QR code and land on the job's page.
    link = slip_link(job)
    assert link == f"{settings.SITE_URL}/00/{job.sscc}"
    staff.goto(f"{server}{urlsplit(link).path}")
    staff.wait_for_url(f"**/buu-dien/{job.pk}/")
    expect(staff.locator("h1")).to_contain_text(order.number)
    assert fits_the_phone(staff)
    shot(staff, "postal-5-staff-job")

    # ... and mark it picked up: one parcel, weighed at the door.
    staff.locator("input[name=parcels]").fill("1")
    staff.locator("input[name=weight_grams]").fill("380")
    staff.get_by_role("button", name="Đã lấy hàng").click()
    staff.wait_for_url(re.compile(r"/buu-dien/#job-\d+$"))
    staff.locator("[role=status]", has_text=job.sscc).first.wait_for()
    assert staff.locator(f"#job-{job.pk}").count() == 0  # no longer to collect
    shot(staff, "postal-6-staff-picked-up")
    staff_context.close()
    job.refresh_from_db()
    parcel.refresh_from_db()
    assert job.status == PickupJob.Status.PICKED_UP
    assert (job.parcel_count, job.actual_weight_grams) == (1, 380)
    assert parcel.status == SellerOrder.Status.SHIPPED

    # The carrier's system reports the parcel in transit, then delivered.
    carrier_says(server, job.sscc, "in_transit")
    job.refresh_from_db()
    assert job.status == PickupJob.Status.IN_TRANSIT
    carrier_says(server, job.sscc, "delivered")
    job.refresh_from_db()
    order.refresh_from_db()
    assert job.status == PickupJob.Status.DELIVERED
    assert job.cod_collected == parcel.cod_amount
    assert order.status == Order.Status.COMPLETED

    # The buyer's tracking page tells every step, in order.
    buyer.goto(f"{server}/don-hang/{order.tracking_token}/")
    timeline = buyer.locator(".order-timeline li")
    timeline.first.wait_for()
    steps = timeline.all_inner_texts()
    farm = parcel.producer.name
    expected = [
        vi("Order received"),
        vi("%(producer)s has packed your parcel", producer=farm),
        vi("Your parcel from %(producer)s is with the post office", producer=farm),
        vi("Your parcel from %(producer)s is on its way", producer=farm),
        vi("Your parcel from %(producer)s was delivered", producer=farm),
    ]
    found = [next(n for n, text in enumerate(steps) if want in text) for want in expected]
    assert found == sorted(found), steps
    assert FARM_OFFICE_STAFF not in " ".join(steps)  # the page never says who did it
    assert fits_the_phone(buyer)
    shot(buyer, "postal-7-buyer-tracking")


@pytest.mark.django_db(transaction=True)
def test_staff_of_another_office_see_only_the_public_status(live_server, browser):
    server = live_server.url
    call_command("seed_demo", stdout=io.StringIO())
    job = (
        PickupJob.objects.select_related("seller_order__order", "seller_order__producer", "office")
        .exclude(office__staff__phone="+84912000008")
        .first()
    )
    assert job is not None  # the demo has parcels at Văn Chấn
    link = slip_link(job)

    context, page = log_in(browser, OTHER_OFFICE_STAFF, "/buu-dien/", server)
    page.goto(f"{server}{urlsplit(link).path}")
    page.locator(".parcel-status").wait_for()
    assert urlsplit(page.url).path == f"/00/{job.sscc}"
    text = page.locator("main").inner_text()
    assert job.sscc in text
    assert page.locator(".parcel-status").get_attribute("data-status") == job.status
    order = job.seller_order.order
    producer = job.seller_order.producer
    for private in (order.buyer_name, order.number, producer.name):
        assert private not in text
    for number in filter(None, (order.buyer_phone, producer.phone)):
        assert number[-6:] not in text  # no phone number, however written
    assert page.locator("main a[href^='tel:']").count() == 0
    assert page.locator("main form").count() == 0  # nothing to mark
    assert fits_the_phone(page)
    shot(page, "postal-8-other-office")
    context.close()
