"""Each business rule about listings has one home (a model method or QuerySet) and every
page, receiver, task and admin screen asks it: who may see a listing, whether an OCOP
certificate is valid, what a moderator may decide, which growing areas a batch may name,
a product's address. And services write onto the row as it is now, not as a view loaded it."""

import ast
import itertools
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Notification
from growing_areas.models import GrowingArea
from marketplace import services
from marketplace.models import (
    InvalidTransition,
    ListingEvent,
    Producer,
    Product,
    ProductPhoto,
    ocop_valid_since,
)
from marketplace.services import warn_expiring_ocop_certificates

from .conftest import upload

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APPS = ["config", "accounts", "places", "growing_areas", "marketplace", "traceability"]


# --- Who may see a listing ------------------------------------------------------------------


def test_is_public_answers_like_the_public_queryset_for_every_state(make_producer, make_product):
    """The catalogue (QuerySet) and the resolver's product link (property) agree, including
    on the producer's verification."""
    for verification, review in itertools.product(Producer.Verification, Product.Review):
        product = make_product(make_producer(verification=verification), review_state=review)
        product = Product.objects.select_related("producer").get(pk=product.pk)
        in_catalogue = Product.objects.public().filter(pk=product.pk).exists()
        assert product.is_public == in_catalogue, (verification, review)
        assert in_catalogue == (
            review == Product.Review.APPROVED and verification == Producer.Verification.VERIFIED
        )


def test_a_suspended_producers_approved_listing_is_hidden_everywhere(
    client, make_producer, make_product, catalog_page
):
    producer = make_producer(verification=Producer.Verification.SUSPENDED)
    product = make_product(producer, name="Mật ong bạc hà", review_state=Product.Review.APPROVED)
    assert not product.is_public
    assert "Mật ong bạc hà" not in client.get("/san-pham/").content.decode()
    assert client.get(product.get_absolute_url()).status_code == 404


# --- OCOP validity --------------------------------------------------------------------------


def test_ocop_queryset_and_badge_agree_to_the_day_around_leap_days(make_producer, make_product):
    """29/02/2024 + 36 months ends on 27/02/2027; a filter that subtracts 36 months from today
    would keep it one day too long."""
    producer = make_producer()
    decisions = [date(2024, 2, 27) + timedelta(days=n) for n in range(5)] + [
        date(2023, 1, 31),
        date(2023, 3, 31),
        date(2022, 12, 31),
    ]
    products = [
        make_product(
            producer,
            photos=0,
            ocop_stars=4,
            ocop_decision_number=str(n),
            ocop_decision_date=day,
            ocop_level=Product.OcopLevel.PROVINCE,
        )
        for n, day in enumerate(decisions)
    ]
    for today in [date(2026, 1, 1) + timedelta(days=n) for n in range(500)]:
        valid = set(Product.objects.ocop_valid(today).values_list("pk", flat=True))
        assert valid == {p.pk for p in products if p.ocop_is_valid(today)}, today
    leap = products[2]
    assert leap.ocop_decision_date == date(2024, 2, 29)
    assert not Product.objects.ocop_valid(date(2027, 2, 28)).filter(pk=leap.pk).exists()
    assert ocop_valid_since(date(2027, 2, 28)) == date(2024, 3, 1)


def test_catalogue_star_filter_and_badge_end_on_the_same_day(
    client, make_producer, make_product, catalog_page
):
    today = timezone.localdate()
    producer = make_producer()
    fields = {"ocop_stars": 4, "ocop_level": Product.OcopLevel.PROVINCE}
    last_day = make_product(
        producer,
        name="Chè ngày cuối",
        ocop_decision_number="1",
        ocop_decision_date=ocop_valid_since(today),
        **fields,
    )
    ended = make_product(
        producer,
        name="Chè vừa hết hạn",
        ocop_decision_number="2",
        ocop_decision_date=ocop_valid_since(today) - timedelta(days=1),
        **fields,
    )
    html = client.get("/san-pham/?stars=4").content.decode()
    assert "Chè ngày cuối" in html and "Chè vừa hết hạn" not in html
    assert "badge-ocop" in client.get(last_day.get_absolute_url()).content.decode()
    assert "badge-ocop" not in client.get(ended.get_absolute_url()).content.decode()


def test_expiry_warning_goes_out_exactly_60_days_before_the_last_valid_day(
    producer, producer_user, make_product
):
    product = make_product(
        producer,
        ocop_stars=3,
        ocop_decision_number="7",
        ocop_decision_date=date(2024, 2, 29),
        ocop_level=Product.OcopLevel.PROVINCE,
    )
    assert product.ocop_valid_until == date(2027, 2, 27)
    assert warn_expiring_ocop_certificates(today=date(2026, 12, 28)) == 0  # 61 days before
    assert warn_expiring_ocop_certificates(today=date(2026, 12, 29)) == 1  # 60 days before
    assert warn_expiring_ocop_certificates(today=date(2027, 2, 27)) == 0  # warned once
    warning = Notification.objects.get(recipient=producer_user)
    assert "27/02/2027" in warning.body


def test_no_warning_for_a_certificate_already_ended(producer, make_product):
    make_product(
        producer,
        ocop_stars=3,
        ocop_decision_number="8",
        ocop_decision_date=date(2024, 2, 29),
        ocop_level=Product.OcopLevel.PROVINCE,
    )
    assert warn_expiring_ocop_certificates(today=date(2027, 2, 28)) == 0


# --- What moderators may decide -------------------------------------------------------------


def test_moderator_decisions_are_the_models_transitions():
    for state in Product.Review:
        targets = {target for target, _label in Product.decisions(state)}
        assert targets <= Product.TRANSITIONS[state]
        assert targets == Product.TRANSITIONS[state] & set(REVIEW_TARGETS)
    for state in Producer.Verification:
        targets = {target for target, _label in Producer.decisions(state)}
        assert targets == Producer.TRANSITIONS[state]
    assert [str(label) for _t, label in Product.decisions(Product.Review.UNPUBLISHED)] == [
        "Đăng bán lại"
    ]


REVIEW_TARGETS = [Product.Review.APPROVED, Product.Review.REJECTED, Product.Review.UNPUBLISHED]


def test_the_queue_offers_what_transitions_allow_and_nothing_else(
    client, moderator, producer, make_product, monkeypatch
):
    product = make_product(producer, name="Quế Văn Yên")  # approved
    client.force_login(moderator)
    html = client.get("/admin/marketplace/review/?state=approved").content.decode()
    assert "Quế Văn Yên" in html and "Gỡ xuống" in html
    # a published listing can no longer be unpublished: the button goes with the rule
    transitions = {**Product.TRANSITIONS, Product.Review.APPROVED: {Product.Review.DRAFT}}
    monkeypatch.setattr(Product, "TRANSITIONS", transitions)
    html = client.get("/admin/marketplace/review/?state=approved").content.decode()
    assert "Quế Văn Yên" in html and "Gỡ xuống" not in html
    client.post(
        f"/admin/marketplace/review/product/{product.pk}/",
        {"decision": "unpublished", "reason": "Hết mùa"},
    )
    product.refresh_from_db()
    assert product.review_state == Product.Review.APPROVED
    assert not product.events.filter(action=ListingEvent.Action.UNPUBLISHED).exists()


def test_a_decision_on_a_listing_decided_meanwhile_is_refused_cleanly(
    client, moderator, make_user, producer, make_product
):
    """Two moderators opened the queue; the first approved. The second's "reject", sent from
    the page they still had open, is refused by the model's transition, with a message."""
    product = make_product(producer, review_state=Product.Review.PENDING)
    services.review_listing(product, make_user("moderator"), Product.Review.APPROVED)
    with pytest.raises(InvalidTransition) as caught:
        services.review_listing(product, moderator, Product.Review.REJECTED, "Ảnh mờ")
    assert "không thể chuyển từ “Đang bán” sang “Bị từ chối”" in " ".join(caught.value.messages)
    product.refresh_from_db()
    assert product.review_state == Product.Review.APPROVED
    assert product.events.filter(action=ListingEvent.Action.APPROVED).count() == 1
    assert not product.events.filter(action=ListingEvent.Action.REJECTED).exists()
    client.force_login(moderator)
    response = client.post(
        f"/admin/marketplace/review/product/{product.pk}/",
        {"decision": "rejected", "reason": "Ảnh mờ"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Hãy chọn một quyết định." in response.content.decode()
    assert not product.events.filter(action=ListingEvent.Action.REJECTED).exists()


# --- Which growing areas a batch may come from ----------------------------------------------

_codes = itertools.count(1)


def make_area(**fields):
    fields.setdefault("code", f"LC-VC-RULE-{next(_codes):03d}")
    fields.setdefault("name", "Vùng chè Shan Tuyết")
    fields.setdefault("crop", "Chè")
    fields.setdefault("area_ha", Decimal("12.5"))
    fields.setdefault("province_code", "15")
    fields.setdefault("commune_code", "04672")
    fields.setdefault("holder_name", "HTX Chè Shan Tuyết Suối Giàng")
    fields.setdefault("issued_by", "Chi cục Trồng trọt và BVTV Lào Cai")
    fields.setdefault("issued_on", date(2024, 5, 1))
    return GrowingArea.objects.create(**fields)


def record(product, area):
    from traceability import services as traceability_services

    return traceability_services.record_batch(
        product=product,
        growing_area=area,
        harvest_date=date(2026, 3, 15),
        quantity=Decimal(10),
        unit="kg",
    )


def test_a_batch_cannot_name_another_communes_area(producer, make_product):
    from traceability.models import Batch

    product = make_product(producer, gtin="8939999000017")
    elsewhere = make_area(province_code="01", commune_code="00004")
    with pytest.raises(ValidationError) as caught:
        record(product, elsewhere)
    message = " ".join(caught.value.message_dict["growing_area"])
    assert elsewhere.code in message and "không thuộc xã của" in message
    assert not Batch.objects.exists()
    own = make_area()
    assert record(product, own).growing_area == own


def test_a_batch_may_name_the_area_the_listing_is_linked_to(producer, make_product):
    """A moderator linked the listing to a neighbouring commune's area."""
    linked = make_area(province_code="01", commune_code="00004")
    product = make_product(producer, gtin="8939999000024", growing_area=linked)
    assert record(product, linked).growing_area == linked


def test_the_batch_form_offers_exactly_the_eligible_areas(producer, make_product):
    from traceability.forms import BatchForm

    own = make_area()
    linked = make_area(province_code="01", commune_code="00004")
    make_product(producer, growing_area=linked)
    make_area(province_code="01", commune_code="00004")  # another commune, not linked
    make_area(status=GrowingArea.Status.SUSPENDED)
    make_area(valid_until=timezone.localdate() - timedelta(days=1))  # expired
    form = BatchForm(producers=Producer.objects.filter(pk=producer.pk))
    assert set(form.fields["growing_area"].queryset) == {own, linked}


# --- A product's address ----------------------------------------------------------------------


def test_product_addresses_in_a_list_cost_no_query(
    producer, make_product, catalog_page, django_assert_num_queries
):
    products = [make_product(producer, photos=0) for _n in range(5)]
    products[0].get_absolute_url()  # the catalogue page is looked up once
    with django_assert_num_queries(0):
        urls = [product.get_absolute_url() for product in products]
    assert urls == [f"/san-pham/{product.slug}/" for product in products]


def test_product_addresses_follow_the_catalogue_page(client, producer, make_product, catalog_page):
    product = make_product(producer)
    assert product.get_absolute_url() == f"/san-pham/{product.slug}/"
    catalog_page.slug = "cho-phien"
    catalog_page.save_revision().publish()
    assert product.get_absolute_url() == f"/cho-phien/{product.slug}/"
    assert client.get(product.get_absolute_url()).status_code == 200
    catalog_page.unpublish()
    assert product.get_absolute_url() == f"/san-pham/{product.slug}/"


# --- Only urls.py imports views ---------------------------------------------------------------


def _view_imports(path):
    """(line, module) of every import of one of our apps' ``views`` modules in ``path``,
    with the names of the class and function it sits in."""
    package = ".".join(path.relative_to(ROOT).parent.parts)
    found = []

    def visit(node, scope):
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, ast.ClassDef | ast.FunctionDef):
                inner = (*scope, child.name)
            modules = []
            if isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parent = package.rsplit(".", child.level - 1)[0] if child.level > 1 else package
                    base = f"{parent}.{base}" if base else parent
                modules = [base] + [f"{base}.{alias.name}" for alias in child.names]
            elif isinstance(child, ast.Import):
                modules = [alias.name for alias in child.names]
            for module in modules:
                parts = module.split(".")
                if len(parts) == 2 and parts[0] in APPS and parts[1] == "views":
                    found.append((child.lineno, module, scope))
            visit(child, inner)

    visit(ast.parse(path.read_text()), ())
    return found


def test_only_urls_import_views():
    """Models, services, receivers and the admin take their query helpers from models,
    QuerySets and ``queries.py``. The catalogue page's two Wagtail routes are the one
    exception: a routable page is its own URLconf, so its route methods call the views."""
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if path.name == "urls.py" or "migrations" in path.parts:
                continue
            for line, module, scope in _view_imports(path):
                page_route = path == ROOT / "marketplace" / "models.py" and scope[:1] == (
                    "CatalogPage",
                )
                if not page_route:
                    offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert offenders == []
    assert _view_imports(ROOT / "marketplace" / "urls.py")  # the scan does see imports


# --- Services write onto the row as it is now -------------------------------------------------


def test_an_edit_from_a_page_opened_before_another_edit_keeps_both(
    producer, producer_user, make_product
):
    product = make_product(producer, review_state=Product.Review.DRAFT, price=450_000)
    first_tab = Product.objects.select_related("producer").get(pk=product.pk)
    second_tab = Product.objects.select_related("producer").get(pk=product.pk)
    first_tab.name = "Chè Shan Tuyết cổ thụ"
    services.update_listing(first_tab, producer_user, ["name"])
    second_tab.price = 500_000
    services.update_listing(second_tab, producer_user, ["price"])
    product.refresh_from_db()
    assert (product.name, product.price) == ("Chè Shan Tuyết cổ thụ", 500_000)
    assert "che shan tuyet co thu" in product.search_text


def test_an_edit_from_a_page_opened_before_sending_for_review_is_refused(
    producer, producer_user, make_product
):
    product = make_product(producer, review_state=Product.Review.DRAFT, price=450_000)
    open_page = Product.objects.select_related("producer").get(pk=product.pk)
    services.submit_for_review(product, producer_user)
    open_page.price = 1
    with pytest.raises(InvalidTransition):
        services.update_listing(open_page, producer_user, ["price"])
    product.refresh_from_db()
    assert product.review_state == Product.Review.PENDING and product.price == 450_000
    assert not product.events.filter(action=ListingEvent.Action.EDITED).exists()


def test_photos_of_a_listing_sent_for_review_meanwhile_stay(
    producer, producer_user, make_product, settings
):
    product = make_product(producer, photos=2, review_state=Product.Review.DRAFT)
    photo = ProductPhoto.objects.filter(product=product).first()
    services.submit_for_review(product, producer_user)
    with pytest.raises(InvalidTransition):
        services.remove_photo(photo, producer_user)
    with pytest.raises(InvalidTransition):
        services.add_photos(product, [upload()], producer_user)
    assert product.photos.count() == 2
    product.refresh_from_db()
    assert product.review_state == Product.Review.PENDING


def test_a_photo_removed_twice_is_removed_once(producer, producer_user, make_product):
    product = make_product(producer, photos=2, review_state=Product.Review.DRAFT)
    photo = product.photos.first()
    services.remove_photo(photo, producer_user)
    services.remove_photo(photo, producer_user)  # the same button, pressed in a second tab
    assert product.photos.count() == 1
    assert product.events.filter(action=ListingEvent.Action.PHOTO_REMOVED).count() == 1


def test_a_profile_edit_keeps_a_suspension_decided_meanwhile(producer, producer_user, moderator):
    open_page = Producer.objects.get(pk=producer.pk)
    services.review_producer(producer, moderator, Producer.Verification.SUSPENDED, "Giấy tờ sai")
    open_page.story = "Chúng tôi trồng chè trên núi cao."
    services.update_producer_profile(open_page, producer_user, ["story"])
    producer.refresh_from_db()
    assert producer.verification == Producer.Verification.SUSPENDED
    assert producer.story == "Chúng tôi trồng chè trên núi cao."


@pytest.mark.parametrize("action", ["xoa", "len-dau"])
def test_a_photo_button_pressed_as_the_listing_goes_to_review_is_refused_with_a_message(
    client, producer, producer_user, make_product, monkeypatch, action
):
    """The page was loaded, the other tab sent the listing for review just before this
    request took the row lock: a message, not an error page, and the photos stay."""
    product = make_product(producer, photos=2, review_state=Product.Review.DRAFT)
    first, second = product.photos.all()
    real_lock = services._lock_editable

    def sent_for_review_just_before(pk):
        Product.objects.filter(pk=pk).update(review_state=Product.Review.PENDING)
        return real_lock(pk)

    monkeypatch.setattr(services, "_lock_editable", sent_for_review_just_before)
    client.force_login(producer_user)
    response = client.post(
        f"/ban-hang/san-pham/{product.pk}/anh/{second.pk}/{action}/", follow=True
    )
    assert response.status_code == 200
    assert "Tin đăng này đang được duyệt; hãy chờ kết quả." in response.content.decode()
    assert list(product.photos.all()) == [first, second]
