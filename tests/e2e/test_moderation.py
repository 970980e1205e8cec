"""A moderator on a 360×640 phone: the dashboard shows the review queue, a new farmer's
listing is approved and the farmer verified in one decision, nothing is preselected, and the
queue fits the screen."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.roles import Role
from marketplace.models import ListingEvent, Producer, Product
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, shot

LISTING = "Tinh dầu quế Mậu A"


@pytest.mark.django_db(transaction=True)
def test_one_step_moderation_on_a_phone(live_server, phone, make_user):
    call_command("seed_demo", stdout=io.StringIO())
    moderator = make_user(Role.MODERATOR, phone="0977000222", full_name="Kiểm duyệt")
    product = Product.objects.select_related("producer").get(name=LISTING)
    assert product.review_state == Product.Review.PENDING
    producer = product.producer
    # a farmer who has just signed up: neither the listing nor the producer is decided yet
    Producer.objects.filter(pk=producer.pk).update(verification=Producer.Verification.PENDING)

    page = phone.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.locator("[name=username]").fill(moderator.phone)
    page.locator("[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("[type=submit]").first.click()

    # The dashboard shows what waits, linked to the queue.
    panel = page.locator("#review-queue-section")
    shot(page, "50-dashboard-queue")
    expect(panel.get_by_role("link", name=LISTING)).to_be_visible()
    with page.expect_navigation():
        panel.get_by_role("link", name=LISTING).click()
    shot(page, "51-review-queue-phone")

    # Nothing on the queue is wider than the phone.
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= PHONE["width"], overflow

    card = page.locator(f"#tin-dang-{product.pk}")
    decision = card.get_by_label("Quyết định")
    assert decision.input_value() == ""  # nothing preselected
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    # Sending without a choice is refused in Vietnamese and changes nothing.
    with page.expect_navigation():
        card.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Hãy chọn một quyết định.")).to_be_visible()
    product.refresh_from_db()
    assert product.review_state == Product.Review.PENDING

    card = page.locator(f"#tin-dang-{product.pk}")
    card.get_by_label("Quyết định").select_option(label="Duyệt tin và xác minh nhà sản xuất")
    card.get_by_label("Lý do").fill("Hồ sơ đầy đủ")
    shot(page, "52-approve-and-verify-chosen")
    with page.expect_navigation():
        card.get_by_role("button", name="Lưu").click()
    shot(page, "53-approved-and-verified")
    assert page.get_by_text(f"Đã lưu: {LISTING}.").count() == 1  # said once
    assert not page.get_by_text("chưa được xác minh").count()

    product.refresh_from_db()
    producer.refresh_from_db()
    assert product.review_state == Product.Review.APPROVED
    assert producer.verification == Producer.Verification.VERIFIED
    decided = producer.events.filter(actor=moderator).values_list("action", flat=True)
    assert sorted(decided) == sorted(
        [ListingEvent.Action.PRODUCER_VERIFIED, ListingEvent.Action.APPROVED]
    )
    # the queue no longer offers either decision
    assert not page.locator(f"#tin-dang-{product.pk}").count()
    assert not page.locator(f"#nha-san-xuat-{producer.pk}").count()
