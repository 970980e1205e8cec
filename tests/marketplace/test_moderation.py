"""Moderators review producers and listings in the Wagtail admin; farmers are told."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from marketplace.models import ListingEvent, Producer, Product, add_months
from marketplace.services import warn_expiring_ocop_certificates
from marketplace.tasks import warn_expiring_ocop_certificates as warn_task

pytestmark = pytest.mark.django_db


def test_queue_lists_pending_producers_and_listings(
    client, moderator, make_producer, make_product, producer
):
    waiting = make_producer(verification=Producer.Verification.PENDING, name="HTX Mật ong")
    product = make_product(producer, name="Quế Văn Yên", review_state=Product.Review.PENDING)
    make_product(producer, name="Chè đã duyệt")
    client.force_login(moderator)
    html = client.get("/admin/marketplace/review/").content.decode()
    assert waiting.name in html and product.name in html
    assert "Chè đã duyệt" not in html


def test_approve_publishes_and_tells_the_farmer(
    client, moderator, producer, producer_user, make_product, catalog_page
):
    product = make_product(producer, name="Quế Văn Yên", review_state=Product.Review.PENDING)
    assert client.get(f"/san-pham/{product.slug}/").status_code == 404
    client.force_login(moderator)
    client.post(f"/admin/marketplace/review/product/{product.pk}/", {"decision": "approved"})
    product.refresh_from_db()
    assert product.review_state == Product.Review.APPROVED
    assert client.get(f"/san-pham/{product.slug}/").status_code == 200
    assert producer_user.notifications.filter(body__contains="Quế Văn Yên").exists()
    assert product.events.filter(action=ListingEvent.Action.APPROVED, actor=moderator).exists()


def test_reject_needs_a_reason_which_the_farmer_reads(
    client, moderator, producer, producer_user, make_product
):
    product = make_product(producer, review_state=Product.Review.PENDING)
    client.force_login(moderator)
    url = f"/admin/marketplace/review/product/{product.pk}/"
    client.post(url, {"decision": "rejected", "reason": ""})
    product.refresh_from_db()
    assert product.review_state == Product.Review.PENDING
    client.post(url, {"decision": "rejected", "reason": "Ảnh bị mờ"})
    product.refresh_from_db()
    assert product.review_state == Product.Review.REJECTED
    assert producer_user.notifications.filter(body__contains="Ảnh bị mờ").exists()
    client.force_login(producer_user)
    assert "Ảnh bị mờ" in client.get("/ban-hang/").content.decode()


def test_unpublish_later(client, moderator, producer, make_product, catalog_page):
    product = make_product(producer)
    client.force_login(moderator)
    client.post(
        f"/admin/marketplace/review/product/{product.pk}/",
        {"decision": "unpublished", "reason": "Hết mùa"},
    )
    product.refresh_from_db()
    assert product.review_state == Product.Review.UNPUBLISHED
    assert client.get(f"/san-pham/{product.slug}/").status_code == 404


def test_verify_producer(client, moderator, make_producer, producer_user):
    producer = make_producer(members=[producer_user], verification=Producer.Verification.PENDING)
    client.force_login(moderator)
    client.post(f"/admin/marketplace/review/producer/{producer.pk}/", {"decision": "verified"})
    producer.refresh_from_db()
    assert producer.verification == Producer.Verification.VERIFIED
    assert producer_user.notifications.exists()


def test_non_moderators_cannot_review(client, producer_user, helper_user, producer, make_product):
    product = make_product(producer, review_state=Product.Review.PENDING)
    for user in (producer_user, helper_user):
        client.force_login(user)
        response = client.post(
            f"/admin/marketplace/review/product/{product.pk}/", {"decision": "approved"}
        )
        assert response.status_code in (302, 403)
        assert client.get("/admin/marketplace/review/").status_code in (302, 403)
    product.refresh_from_db()
    assert product.review_state == Product.Review.PENDING


def test_moderator_sees_snippets_and_progress_report(client, moderator, producer, make_product):
    make_product(
        producer,
        ocop_stars=4,
        ocop_decision_number="1",
        ocop_decision_date=timezone.localdate() - timedelta(days=10),
        ocop_level="province",
    )
    make_product(
        producer,
        review_state=Product.Review.DRAFT,
        ocop_stars=3,
        ocop_decision_number="2",
        ocop_decision_date=timezone.localdate() - timedelta(days=10),
        ocop_level="province",
    )
    client.force_login(moderator)
    assert client.get("/admin/snippets/marketplace/product/").status_code == 200
    assert client.get("/admin/snippets/marketplace/producer/").status_code == 200
    assert client.get("/admin/snippets/marketplace/helpercommune/").status_code == 200
    report = client.get("/admin/marketplace/progress/")
    assert report.status_code == 200
    rows = report.context["provinces"]
    assert rows[0]["registered"] == 2 and rows[0]["published"] == 1 and rows[0]["percent"] == 50


def test_ocop_expiry_warning_is_sent_once(producer, producer_user, make_product):
    today = timezone.localdate()
    soon = make_product(
        producer,
        name="Chè sắp hết hạn",
        ocop_stars=4,
        ocop_decision_number="1",
        ocop_decision_date=add_months(today, -36) + timedelta(days=30),
        ocop_level="province",
    )
    make_product(
        producer,
        name="Chè còn lâu",
        ocop_stars=4,
        ocop_decision_number="2",
        ocop_decision_date=today - timedelta(days=200),
        ocop_level="province",
    )
    assert warn_task.delay().get() == 1
    assert warn_expiring_ocop_certificates() == 0
    warnings = Notification.objects.filter(recipient=producer_user)
    assert warnings.count() == 1 and "Chè sắp hết hạn" in warnings.get().body
    assert soon.events.filter(action=ListingEvent.Action.OCOP_EXPIRY_WARNED).count() == 1


def test_moderator_admin_screens_render(client, moderator, producer, make_product, helper_user):
    product = make_product(producer, review_state=Product.Review.APPROVED)
    client.force_login(moderator)
    for url in (
        f"/admin/snippets/marketplace/product/edit/{product.pk}/",
        f"/admin/snippets/marketplace/producer/edit/{producer.pk}/",
        "/admin/snippets/marketplace/helpercommune/add/",
        "/admin/snippets/marketplace/listingevent/",
        "/admin/marketplace/review/?state=approved&q=che",
    ):
        assert client.get(url).status_code == 200, url


def test_moderator_assigns_a_commune_to_a_helper(client, moderator, helper_user):
    from marketplace.models import HelperCommune

    client.force_login(moderator)
    response = client.post(
        "/admin/snippets/marketplace/helpercommune/add/",
        {"helper": helper_user.pk, "commune_code": "04672"},
    )
    assert response.status_code == 302
    assert HelperCommune.objects.get().helper == helper_user
    client.force_login(helper_user)
    assert client.get("/ban-hang/nong-dan/moi/").status_code == 200


def test_admin_edits_are_in_the_farmers_history(client, moderator, producer, make_product):
    product = make_product(producer, review_state=Product.Review.DRAFT)
    client.force_login(moderator)
    response = client.post(
        f"/admin/snippets/marketplace/producer/edit/{producer.pk}/",
        {
            "kind": "cooperative",
            "name": "HTX Trà Cổ Thụ",
            "slug": producer.slug,
            "story": "",
            "phone": "",
            "tax_code": "",
            "province_code": "15",
            "commune_code": "04672",
            "village": "",
            "street": "",
        },
    )
    assert response.status_code == 302
    assert producer.events.filter(
        action=ListingEvent.Action.PRODUCER_EDITED, actor=moderator
    ).exists()
    product.refresh_from_db()
    assert "htx tra co thu" in product.search_text  # found under the producer's new name


def test_farmer_is_told_in_vietnamese_whatever_the_moderators_language(
    client, moderator, producer, producer_user, make_product
):
    product = make_product(producer, name="Quế Mậu A", review_state=Product.Review.PENDING)
    client.force_login(moderator)
    client.cookies["django_language"] = "en"
    client.post(
        f"/admin/marketplace/review/product/{product.pk}/",
        {"decision": "rejected", "reason": "Ảnh mờ"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    message = producer_user.notifications.get()
    assert message.subject == "Sản phẩm của bạn chưa được duyệt"
    assert "Hãy sửa lại và gửi duyệt lần nữa" in message.body


# --- one decision for a new producer's listing; nothing preselected; the dashboard ------------


def _decision_options(html, select_id):
    """(value, label, selected) of each option of the decision list ``select_id``."""
    import re

    select = re.search(rf'<select name="decision" id="{select_id}">(.*?)</select>', html, re.S)
    assert select, select_id
    return [
        (value, label, bool(selected))
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(1)
        )
    ]


def test_a_new_producers_listing_is_approved_and_the_producer_verified_in_one_step(
    client, moderator, make_producer, producer_user, make_product, catalog_page
):
    waiting = make_producer(members=[producer_user], verification=Producer.Verification.PENDING)
    product = make_product(waiting, name="Quế Văn Yên", review_state=Product.Review.PENDING)
    client.force_login(moderator)
    html = client.get("/admin/marketplace/review/").content.decode()
    options = _decision_options(html, f"quyet-dinh-{product.pk}")
    assert ("approved+verified", "Duyệt tin và xác minh nhà sản xuất", False) in options

    response = client.post(
        f"/admin/marketplace/review/product/{product.pk}/",
        {"decision": "approved+verified", "back": "pending"},
        follow=True,
    )
    product.refresh_from_db()
    waiting.refresh_from_db()
    assert product.review_state == Product.Review.APPROVED
    assert waiting.verification == Producer.Verification.VERIFIED
    assert client.get(f"/san-pham/{product.slug}/").status_code == 200  # public at once
    history = list(waiting.events.filter(actor=moderator).values_list("action", flat=True))
    assert sorted(history) == sorted(
        [ListingEvent.Action.PRODUCER_VERIFIED, ListingEvent.Action.APPROVED]
    )
    page = response.content.decode()
    assert "chưa được xác minh" not in page  # no "producer not verified yet" warning


def test_approve_and_verify_is_offered_only_while_the_producer_awaits_verification(
    client, moderator, producer, make_product
):
    product = make_product(producer, review_state=Product.Review.PENDING)  # verified producer
    client.force_login(moderator)
    html = client.get("/admin/marketplace/review/").content.decode()
    values = [value for value, _label, _sel in _decision_options(html, f"quyet-dinh-{product.pk}")]
    assert values == ["", "approved", "rejected"]
    client.post(
        f"/admin/marketplace/review/product/{product.pk}/", {"decision": "approved+verified"}
    )
    product.refresh_from_db()
    assert product.review_state == Product.Review.PENDING


def test_approve_and_verify_saves_nothing_when_the_listing_cannot_be_approved(
    moderator, make_producer, make_product
):
    from marketplace.models import InvalidTransition
    from marketplace.services import approve_and_verify

    waiting = make_producer(verification=Producer.Verification.PENDING)
    draft = make_product(waiting, review_state=Product.Review.DRAFT)  # taken back meanwhile
    with pytest.raises(InvalidTransition):
        approve_and_verify(draft, moderator)
    waiting.refresh_from_db()
    assert waiting.verification == Producer.Verification.PENDING
    assert not waiting.events.exists()


def test_no_decision_is_preselected_and_none_chosen_is_refused_in_vietnamese(
    client, moderator, make_producer, producer, make_product
):
    waiting = make_producer(verification=Producer.Verification.PENDING)
    product = make_product(producer, review_state=Product.Review.PENDING)
    client.force_login(moderator)
    html = client.get("/admin/marketplace/review/").content.decode()
    for select_id in (f"quyet-dinh-{product.pk}", f"quyet-dinh-nsx-{waiting.pk}"):
        options = _decision_options(html, select_id)
        assert options[0][0] == "" and options[0][2], select_id  # the empty choice shows
        assert not any(selected for value, _label, selected in options if value)
    for url in (
        f"/admin/marketplace/review/product/{product.pk}/",
        f"/admin/marketplace/review/producer/{waiting.pk}/",
    ):
        response = client.post(url, {"decision": "", "reason": ""}, follow=True)
        assert "Hãy chọn một quyết định." in response.content.decode()
    product.refresh_from_db()
    waiting.refresh_from_db()
    assert product.review_state == Product.Review.PENDING
    assert waiting.verification == Producer.Verification.PENDING


def test_the_success_message_appears_once(client, moderator, producer, make_product):
    product = make_product(producer, name="Mật ong bạc hà", review_state=Product.Review.PENDING)
    client.force_login(moderator)
    response = client.post(
        f"/admin/marketplace/review/product/{product.pk}/", {"decision": "approved"}, follow=True
    )
    assert response.content.decode().count("Đã lưu: Mật ong bạc hà.") == 1
    # and is not shown again on the next page
    assert "Đã lưu: Mật ong bạc hà." not in client.get("/admin/").content.decode()


def test_the_dashboard_lists_the_queue_with_links(
    client, moderator, make_producer, producer, make_product
):
    waiting = make_producer(name="Hộ Giàng A Páo", verification=Producer.Verification.PENDING)
    pending = make_product(producer, name="Quế Văn Yên", review_state=Product.Review.PENDING)
    make_product(producer, name="Chè đã duyệt")
    client.force_login(moderator)
    html = client.get("/admin/").content.decode()
    assert "Hàng chờ duyệt" in html
    assert "Đang chờ duyệt: 1 tin đăng và 1 nhà sản xuất" in html
    assert f'href="/admin/marketplace/review/#tin-dang-{pending.pk}">Quế Văn Yên</a>' in html
    assert f'href="/admin/marketplace/review/#nha-san-xuat-{waiting.pk}">Hộ Giàng A Páo' in html
    assert "Chè đã duyệt" not in html
