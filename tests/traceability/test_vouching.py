"""Who may vouch: labels are printed only for a listing the moderators approved, of a verified
producer; a suspended producer prints and records nothing; the provenance page warns for an
unreviewed product or producer instead of saying the label is the producer's own."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace import services as marketplace_services
from marketplace.models import Producer, Product
from traceability import printing, services
from traceability.models import Batch, Label, LabelPrintRun, TraceEvent

from .conftest import GTIN, photo_upload

pytestmark = pytest.mark.django_db

GENUINE = "Tem này do chính nhà sản xuất phát hành."
SUSPENDED_PAGE = "Nền tảng đã đình chỉ nhà sản xuất HTX Chè Shan Tuyết Văn Chấn."
UNVERIFIED_PAGE = "Nền tảng chưa xác minh nhà sản xuất HTX Chè Shan Tuyết Văn Chấn"
UNAPPROVED_PAGE = "Sản phẩm này chưa được người kiểm duyệt của nền tảng duyệt"
SUSPENDED_PRINT = "HTX Chè Shan Tuyết Văn Chấn đang bị nền tảng đình chỉ: không thể in tem."
SUSPENDED_RECORD = (
    "HTX Chè Shan Tuyết Văn Chấn đang bị nền tảng đình chỉ: không thể ghi lô hàng hay công đoạn nào"
)
UNVERIFIED_PRINT = "Chỉ in được tem sau khi nền tảng đã xác minh HTX Chè Shan Tuyết Văn Chấn."
UNAPPROVED_PRINT = "Chỉ in được tem sau khi người kiểm duyệt đã duyệt sản phẩm"


@pytest.fixture
def farmer(client, producer_user):
    client.force_login(producer_user)
    return client


def page(client, path):
    return client.get(path, HTTP_ACCEPT_LANGUAGE="vi").content.decode()


def label_path(label):
    return f"/01/{GTIN}/10/{label.batch.lot}/21/{label.serial}"


def print_labels(client, batch, count=5):
    return client.post(
        f"/ban-hang/lo-hang/{batch.pk}/in-tem/",
        {"count": count, "layout": "a4-50x50"},
        HTTP_ACCEPT_LANGUAGE="vi",
    )


def record_step(client, batch, kind="inspection"):
    return client.post(
        f"/ban-hang/lo-hang/{batch.pk}/buoc-moi/",
        {
            "kind": kind,
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "certificate_number": "KN-2026-017",
        },
        HTTP_ACCEPT_LANGUAGE="vi",
    )


def new_batch(client, product, area):
    return client.post(
        "/ban-hang/lo-hang/moi/",
        {
            "product": product.pk,
            "growing_area": area.pk,
            "lot": "",
            "harvest_date": (timezone.localdate() - timedelta(days=3)).isoformat(),
            "quantity": "40",
            "unit": "kg",
        },
        HTTP_ACCEPT_LANGUAGE="vi",
    )


def suspend(producer, moderator):
    return marketplace_services.review_producer(
        producer, moderator, Producer.Verification.SUSPENDED, note="Gian lận nguồn gốc"
    )


# --- printing -------------------------------------------------------------------------------


def test_an_approved_listing_of_a_verified_producer_gets_labels(farmer, batch):
    response = print_labels(farmer, batch)
    assert response.status_code == 302
    assert LabelPrintRun.objects.get().labels.count() == 5


@pytest.mark.parametrize("state", ["draft", "pending", "rejected"])
def test_no_labels_for_a_listing_never_approved(farmer, make_product, area, producer_user, state):
    product = make_product(review_state=state, gtin="")
    batch = services.record_batch(  # farmers keep records before review
        product=product,
        growing_area=area,
        harvest_date=date(2026, 3, 15),
        quantity=Decimal("10"),
        unit="kg",
        by=producer_user,
    )
    desk = page(farmer, f"/ban-hang/lo-hang/{batch.pk}/")
    assert UNAPPROVED_PRINT in desk and f'action="/ban-hang/lo-hang/{batch.pk}/in-tem/"' not in desk
    response = print_labels(farmer, batch)
    assert response.status_code == 400
    assert UNAPPROVED_PRINT in response.content.decode()
    assert not LabelPrintRun.objects.exists() and not Label.objects.exists()


def test_no_labels_while_the_producer_is_not_verified(farmer, batch, tea_producer):
    Producer.objects.filter(pk=tea_producer.pk).update(verification=Producer.Verification.PENDING)
    with pytest.raises(ValidationError) as refused:
        printing.issue_labels(batch, 5, "a4-50x50", build=False)
    assert refused.value.code == "not_vouched"
    response = print_labels(farmer, batch)
    assert response.status_code == 400 and UNVERIFIED_PRINT in response.content.decode()
    assert not LabelPrintRun.objects.exists()


def test_an_unpublished_listing_gets_no_new_labels_even_after_an_edit(
    farmer, batch, tea, moderator, producer_user
):
    marketplace_services.review_listing(tea, moderator, "unpublished", reason="Ảnh sai sản phẩm")
    assert print_labels(farmer, batch).status_code == 400
    # the farmer's edit sends it back to draft, but does not undo the moderator's decision
    tea.refresh_from_db()
    tea.description = "Búp chè hái tay."
    marketplace_services.update_listing(tea, producer_user, ["description"])
    assert Product.objects.get(pk=tea.pk).review_state == "draft"
    response = print_labels(farmer, batch)
    assert response.status_code == 400 and UNAPPROVED_PRINT in response.content.decode()
    assert not LabelPrintRun.objects.exists()


def approved_by_a_moderator(product, moderator):
    """Through the review queue, as in real life (the fixture writes the state directly)."""
    marketplace_services.review_listing(product, moderator, "unpublished", reason="Kiểm tra")
    marketplace_services.review_listing(product, moderator, "approved")
    product.refresh_from_db()
    assert product.published_at is not None


def test_an_approved_listing_edited_since_still_gets_labels(farmer, tea, moderator, batch):
    """Approved once, then edited by the farmer and waiting for a new review: the platform
    approved the product, so its labels can still be printed."""
    approved_by_a_moderator(tea, moderator)
    tea.unit = "gói 500 g"
    marketplace_services.update_listing(tea, tea.producer.members.get(), ["unit"])
    tea.refresh_from_db()
    assert tea.review_state == "draft" and not tea.is_public
    assert print_labels(farmer, batch).status_code == 302


def test_a_rejected_edit_stops_new_labels_until_approved_again(farmer, tea, moderator, batch):
    approved_by_a_moderator(tea, moderator)
    owner = tea.producer.members.get()
    marketplace_services.add_photos(tea, [photo_upload()], owner)  # an edit: back to draft
    marketplace_services.submit_for_review(tea, owner)
    marketplace_services.review_listing(tea, moderator, "rejected", reason="Ảnh mờ")
    assert print_labels(farmer, batch).status_code == 400
    marketplace_services.submit_for_review(tea, owner)
    marketplace_services.review_listing(tea, moderator, "approved")
    assert print_labels(farmer, batch).status_code == 302


# --- a suspended producer -------------------------------------------------------------------


def test_a_suspended_producer_can_print_and_record_nothing(
    farmer, batch, tea, area, tea_producer, moderator, producer_user
):
    suspend(tea_producer, moderator)
    desk = page(farmer, f"/ban-hang/lo-hang/{batch.pk}/")
    assert SUSPENDED_PRINT in desk and SUSPENDED_RECORD in desk
    assert f'action="/ban-hang/lo-hang/{batch.pk}/buoc-moi/"' not in desk
    assert f'action="/ban-hang/lo-hang/{batch.pk}/in-tem/"' not in desk

    response = print_labels(farmer, batch)
    assert response.status_code == 400 and SUSPENDED_PRINT in response.content.decode()
    response = record_step(farmer, batch)
    assert response.status_code == 400 and SUSPENDED_RECORD in response.content.decode()
    response = new_batch(farmer, tea, area)
    assert response.status_code == 200 and SUSPENDED_RECORD in response.content.decode()

    assert not LabelPrintRun.objects.exists()
    assert list(TraceEvent.objects.values_list("kind", flat=True)) == ["harvest"]
    assert Batch.objects.count() == 1
    with pytest.raises(ValidationError):
        services.record_event(
            batch,
            kind="inspection",
            occurred_at=timezone.now(),
            by=moderator,
            certificate_number="KN-1",
        )
    with pytest.raises(ValidationError):
        printing.issue_labels(batch, 1, "a4-50x50", by=moderator, build=False)


def test_a_verified_again_producer_records_and_prints_again(farmer, batch, tea_producer, moderator):
    suspend(tea_producer, moderator)
    marketplace_services.review_producer(tea_producer, moderator, "verified", note="Đã xác minh")
    assert record_step(farmer, batch).status_code == 302
    assert print_labels(farmer, batch).status_code == 302


def test_an_unverified_farmer_keeps_records_before_review(farmer, make_product, area, tea_producer):
    Producer.objects.filter(pk=tea_producer.pk).update(verification=Producer.Verification.PENDING)
    product = make_product(review_state="draft", gtin="")
    assert new_batch(farmer, product, area).status_code == 302
    batch = Batch.objects.get()
    assert record_step(farmer, batch, kind="drying").status_code == 302
    assert batch.events.count() == 2


# --- the provenance page --------------------------------------------------------------------


def test_a_label_page_of_a_suspended_producer_warns_and_vouches_for_nothing(
    client, label, tea_producer, moderator
):
    before = page(client, label_path(label))
    assert GENUINE in before and SUSPENDED_PAGE not in before
    suspend(tea_producer, moderator)
    after = page(client, label_path(label))
    assert SUSPENDED_PAGE in after and 'role="alert"' in after
    assert GENUINE not in after
    lot_page = page(client, f"/01/{GTIN}/10/{label.batch.lot}")
    product_page = page(client, f"/01/{GTIN}")
    assert SUSPENDED_PAGE in lot_page and SUSPENDED_PAGE in product_page


def test_a_label_page_of_a_product_never_approved_warns(client, label, tea):
    """Labels printed before the rule (or by hand) for a listing moderators never approved."""
    Product.objects.filter(pk=tea.pk).update(review_state="draft", published_at=None)
    html = page(client, label_path(label))
    assert UNAPPROVED_PAGE in html and GENUINE not in html


def test_a_label_page_of_an_unverified_producer_warns(client, label, tea_producer):
    Producer.objects.filter(pk=tea_producer.pk).update(verification=Producer.Verification.PENDING)
    html = page(client, label_path(label))
    assert UNVERIFIED_PAGE in html and GENUINE not in html


def test_the_warning_is_in_english_for_english_browsers(client, label, tea_producer, moderator):
    suspend(tea_producer, moderator)
    html = client.get(label_path(label), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The platform has suspended the producer HTX Chè Shan Tuyết Văn Chấn." in html
    assert "This label was issued by the producer." not in html
