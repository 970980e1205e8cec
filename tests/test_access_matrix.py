"""Every URL that is not public, generated from the URLconf: nobody but those who may use an
object sees it or changes it.

The project's URL patterns are walked recursively. A pattern is either declared public below
(with the reason), lives under an admin prefix (Wagtail's and Django's admin check their own
permissions: ``test_the_admin_is_closed_to_everyone_but_moderators``), or is in ``MATRIX``,
which says how to fill its arguments from a fixture world. A new URL with an argument the
matrix cannot fill fails ``test_every_url_is_public_or_in_the_access_matrix``.

The world: commune A (Xã Văn Chấn, 04672) with a cooperative a helper signed up with consent
(target "a") and a household that signed up alone and never consented (target "alone", which
the helper of A has asked, unanswered); commune B (00004) with a household that signed up alone
("b"). Each producer has a draft listing with two photos, a listing on sale, a batch, a finished
print run with its PDF, a failed print run and labels. Each guarded URL is requested (GET and
POST) for targets "a" and "alone" by everyone who may not use them; any 5xx, any 200 showing the
target's private data (phone, story, draft listing, lot, serial), any change in the database
or any work queued for after the commit fails the test. A control then proves each POST really
changes something when the right person sends it, so the check can fail.
"""

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.phone import display_phone
from accounts.roles import Role
from growing_areas.models import GrowingArea
from marketplace.models import (
    HelperCommune,
    ListingEvent,
    Order,
    Producer,
    Product,
    ProductPhoto,
    SellerOrder,
)
from marketplace.photos import prepare_photo
from postal_pickup.models import PickupJob, PickupList, PostOffice, ServedCommune
from postal_pickup.pickup_lists import draw_up
from postal_pickup.services import create_job, mark_picked_up
from tests.conftest import PASSWORD
from tests.marketplace.conftest import jpeg_bytes, upload
from traceability import printing
from traceability import services as trace_services
from traceability.models import Batch, Label, LabelPrintRun, TraceAttachment, TraceEvent

pytestmark = pytest.mark.django_db

# --- What is public, and why ------------------------------------------------------------------

PUBLIC = {
    "healthz": "health check for the load balancer",
    "favicon": "the site's icon, asked for by every browser",
    "set_language": "the language switch",
    "accounts:login": "the login page",
    "places:communes": "communes of a province, for the address forms (public reference data)",
    "places:convert_address": "converts a pre-2025 address (public reference data)",
    "growing_areas:list": "the public growing-area registry",
    "growing_areas:geojson": "the public growing-area registry as GeoJSON",
    "growing_areas:detail": "a growing area's public page",
    "marketplace:signup": "farmer sign-up",
    "marketplace:producer": "a verified producer's public page",
    "marketplace:order_tracking": "an order's tracking page: the unguessable token in its link "
    "is the key, no account needed (tests/marketplace/test_order_tracking.py)",
    "marketplace:order_cancel": "the buyer's Huỷ đơn on the tracking page: the token is the key; "
    "an order placed from an account also needs that account (test_order_tracking.py)",
    "marketplace:order_account": "a guest buyer makes an account for the order: the token is the "
    "key, and only the browser that placed the order may (test_order_tracking.py)",
    "marketplace:card_payment": "an order's card page, under its unguessable tracking link (the "
    "buyer's key, as on the tracking page; tests/marketplace/test_card_payments.py)",
    "marketplace:stripe_webhook": "Stripe's events: the signature on the raw body is the "
    "credential, anything else is 400 (tests/marketplace/test_card_payments.py)",
    "marketplace:bank_transfer": "an order's bank-transfer (VietQR) page: like its tracking page, "
    "reached only through the order's secret link (192 random bits)",
    "marketplace:bank_webhook": "the bank-notification webhook: authenticated by its HMAC "
    "signature or API key, not by a login (tests/marketplace/test_bank_webhook.py)",
    "postal_pickup:carrier_webhook": "signed carrier webhook: its HMAC signature is the "
    "credential, not a login (tests/postal_pickup/test_carrier_webhook.py)",
    "marketplace:cart": "the visitor's own cart (session or account): no other cart is named",
    "marketplace:cart_add": "adds a product on sale to the visitor's own cart",
    "marketplace:cart_update": "changes a line of the visitor's own cart",
    "marketplace:checkout": "checkout needs no account: the buyer's name and phone",
    "marketplace:checkout_address": "checkout: the delivery address, kept in the session",
    "marketplace:checkout_payment": "checkout: the payment method, kept in the session",
    "marketplace:checkout_review": "checkout: review and place the visitor's own cart",
    "traceability:resolve": "the GS1 Digital Link resolver: what a label's QR code opens",
    "traceability:resolver_description": "/.well-known/gs1resolver",
    "traceability:compressed": "a compressed GS1 Digital Link URI, answered like the label's",
    "traceability:other_key": "other GS1 primary keys: the resolver's 400 unsupported_key",
    "traceability:epcis_events": "a lot's public trace events (EPCIS), as on its label page",
    "wagtail_serve": "Wagtail's page tree: home, catalogue, product and content pages",
    "wagtailcore_authenticate_with_password": "Wagtail's own page privacy (password form)",
    "wagtailcore_login": "Wagtail's own page privacy (login form)",
    "wagtaildocs_serve": "Wagtail documents: served under Wagtail's collection privacy",
    "wagtaildocs_authenticate_with_password": "Wagtail's own document privacy (password form)",
}
# Wagtail's and Django's admin: every view there checks the admin permission itself.
ADMIN_PREFIXES = ("admin/", "django-admin/")
PUBLIC_PREFIXES = (settings.MEDIA_URL.lstrip("/"), settings.STATIC_URL.lstrip("/"))


@dataclass(frozen=True)
class Route:
    name: str | None
    pattern: str
    needs_arguments: bool


def walk(patterns, prefix="", namespace=None):
    """Every URL pattern of the project, with its full path and namespaced name."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            name = pattern.name
            if name and namespace:
                name = f"{namespace}:{name}"
            yield Route(name, prefix + str(pattern.pattern), pattern.pattern.regex.groups > 0)


def guarded_routes():
    """The patterns neither public nor under an admin prefix."""
    return [
        route
        for route in walk(get_resolver().url_patterns)
        if route.name not in PUBLIC
        and not route.pattern.lstrip("^").startswith(ADMIN_PREFIXES + PUBLIC_PREFIXES)
    ]


# --- How each guarded URL is filled from the world ------------------------------------------


@dataclass
class Entry:
    """How to request one URL for a target: its arguments, query string and POST data (the
    data that changes something when the right person sends it), who may legitimately use it
    besides the target's members and moderators, and who proves the POST has an effect."""

    kwargs: Callable = lambda world, target: {}
    query: Callable = lambda world, target: ""
    post: Callable | None = None
    allowed: set = field(default_factory=set)  # (target, actor) pairs also entitled
    control: tuple = ("farmer_alone", "alone")  # (actor, target) whose POST changes the database


def slug(world, target):
    return {"slug": target.producer.slug}


def batch_pk(world, target):
    return {"pk": target.batch.pk}


MATRIX = {
    "marketplace:producer_desk": Entry(kwargs=slug),
    "marketplace:producer_profile": Entry(
        kwargs=slug,
        post=lambda w, t: {"name": "Tên bị đổi", "kind": "household", "story": "Bị đổi"},
    ),
    "marketplace:product_new": Entry(
        kwargs=slug, post=lambda w, t: {"name": "Hàng lạ", "category": "tea"}
    ),
    "marketplace:consent_request": Entry(
        kwargs=slug,
        post=lambda w, t: {},
        allowed={("alone", "helper_a")},  # the commune's helper asks: that is the point
        control=("helper_b", "b"),
    ),
    "marketplace:consent_answer": Entry(kwargs=slug, post=lambda w, t: {"answer": "grant"}),
    "marketplace:product_stock": Entry(
        kwargs=lambda w, t: {"pk": t.on_sale.pk}, post=lambda w, t: {"quantity_available": "1"}
    ),
    "marketplace:product_step": Entry(
        kwargs=lambda w, t: {"pk": t.draft.pk, "step": "gia"},
        post=lambda w, t: {
            "price": "1000",
            "unit": "kg",
            "quantity_available": "3",
            "shipping_weight_grams": "1050",
        },
    ),
    "marketplace:ocop_certificate": Entry(
        kwargs=lambda w, t: {
            "pk": t.on_sale.pk,
            "name": t.on_sale.ocop_certificate_path.rsplit("/")[-1],
        }
    ),
    "marketplace:photo_remove": Entry(
        kwargs=lambda w, t: {"pk": t.draft.pk, "photo_pk": t.photos[0].pk}, post=lambda w, t: {}
    ),
    "marketplace:photo_first": Entry(
        kwargs=lambda w, t: {"pk": t.draft.pk, "photo_pk": t.photos[1].pk}, post=lambda w, t: {}
    ),
    "marketplace:seller_orders": Entry(query=lambda w, t: f"?nong-dan={t.producer.slug}"),
    "marketplace:seller_order_step": Entry(
        kwargs=lambda w, t: {"pk": t.parcel.pk}, post=lambda w, t: {"buoc": "packed"}
    ),
    "traceability:batch_list": Entry(query=lambda w, t: f"?producer={t.producer.slug}"),
    "traceability:batch_new": Entry(
        query=lambda w, t: f"?producer={t.producer.slug}",
        post=lambda w, t: {
            "product": t.on_sale.pk,
            "growing_area": t.area.pk,
            "lot": "LOMOI-1",
            "harvest_date": "2026-03-20",
            "quantity": "5",
            "unit": "kg",
        },
    ),
    "traceability:batch_detail": Entry(kwargs=batch_pk),
    "traceability:event_new": Entry(
        kwargs=batch_pk,
        post=lambda w, t: {"kind": "withering", "occurred_at": "2026-03-15T14:00", "note": "x"},
    ),
    "traceability:print_run_new": Entry(
        kwargs=batch_pk, post=lambda w, t: {"count": "2", "layout": "a4-50x50"}
    ),
    "traceability:label_void": Entry(
        kwargs=batch_pk, post=lambda w, t: {"serial": t.label.serial, "reason": "Tem giả"}
    ),
    "traceability:print_run": Entry(kwargs=lambda w, t: {"pk": t.run.pk}),
    "traceability:print_run_pdf": Entry(kwargs=lambda w, t: {"pk": t.run.pk}),
    "traceability:document": Entry(
        kwargs=lambda w, t: {"pk": t.document.pk, "name": t.document.document_path.rsplit("/")[-1]}
    ),
    "traceability:print_run_retry": Entry(
        kwargs=lambda w, t: {"pk": t.failed_run.pk}, post=lambda w, t: {}
    ),
    "traceability:print_run_void": Entry(
        kwargs=lambda w, t: {"pk": t.run.pk}, post=lambda w, t: {"reason": "In hỏng"}
    ),
    # the post office's page: "postal" works at no office, so no job is theirs; the staff of
    # the office serving the targets' commune ("postal_a") mark them
    "postal_pickup:pickup_list": Entry(),
    "postal_pickup:job_picked_up": Entry(
        kwargs=lambda w, t: {"pk": t.parcel.pickup_job.pk},
        post=lambda w, t: {"parcels": "1", "weight_grams": "900"},
        control=("postal_a", "alone"),
    ),
    "postal_pickup:job_failed": Entry(
        kwargs=lambda w, t: {"pk": t.parcel.pickup_job.pk},
        post=lambda w, t: {"reason": "farmer_away", "note": ""},
        control=("postal_a", "alone"),
    ),
    # the parcels after pickup: target "a"'s parcel has been picked up (see the world)
    "postal_pickup:on_the_way": Entry(),
    "postal_pickup:job_status": Entry(
        kwargs=lambda w, t: {"pk": t.parcel.pickup_job.pk},
        post=lambda w, t: {"status": "in_transit"},
        control=("postal_a", "a"),
    ),
    "postal_pickup:job_detail": Entry(
        kwargs=lambda w, t: {"pk": t.parcel.pickup_job.pk}, control=("postal_a", "alone")
    ),
    "postal_pickup:job_slip": Entry(
        kwargs=lambda w, t: {"pk": t.parcel.pickup_job.pk}, control=("postal_a", "alone")
    ),
    # the office of commune A's pickup lists: one printed, one not yet
    "postal_pickup:list_detail": Entry(
        kwargs=lambda w, t: {"pk": w.printed_list.pk}, control=("postal_a", "alone")
    ),
    "postal_pickup:list_pdf": Entry(
        kwargs=lambda w, t: {"pk": w.printed_list.pk}, control=("postal_a", "alone")
    ),
    "postal_pickup:list_slips": Entry(
        kwargs=lambda w, t: {"pk": w.printed_list.pk}, control=("postal_a", "alone")
    ),
    "postal_pickup:list_csv": Entry(
        kwargs=lambda w, t: {"pk": w.printed_list.pk}, control=("postal_a", "alone")
    ),
    "postal_pickup:list_print": Entry(
        kwargs=lambda w, t: {"pk": w.new_list.pk},
        post=lambda w, t: {},
        control=("postal_a", "alone"),
    ),
}

# Who must not use each target's objects.
INTRUDERS = {
    "a": ["anonymous", "farmer_b", "helper_b", "postal"],
    "alone": ["anonymous", "farmer_b", "helper_b", "helper_a", "postal"],
}

# --- The world ------------------------------------------------------------------------------

_numbers = itertools.count(1)


def _user(role, full_name):
    from accounts.models import User
    from accounts.services import grant_role

    user = User.objects.create_user(f"09140{next(_numbers):05d}", PASSWORD, full_name=full_name)
    if role:
        grant_role(user, role)
    return user


def _area(commune, province):
    return GrowingArea.objects.create(
        code=f"MT-{commune}-{next(_numbers)}",
        name="Vùng chè thử",
        crop="Chè",
        area_ha=Decimal("10"),
        province_code=province,
        commune_code=commune,
        holder_name="HTX thử",
        issued_by="Chi cục Trồng trọt",
        issued_on=datetime.date(2024, 5, 1),
    )


def _target(key, member, province, commune, helper=None, consent=False):
    number = next(_numbers)
    phone = f"09127{number:05d}"
    producer = Producer.objects.create(
        name=f"Nhà sản xuất {key.upper()} {number}",
        slug=f"nsx-{key}-{number}",
        province_code=province,
        commune_code=commune,
        phone=phone,
        story=f"Câu chuyện riêng {key}-{number}",
        verification=Producer.Verification.VERIFIED,
        onboarded_by=helper,
        consent_method=Producer.Consent.SIGNED_FORM if consent else "",
        consent_at=timezone.now() if consent else None,
    )
    producer.members.add(member)
    draft = Product.objects.create(
        producer=producer,
        name=f"Hàng nháp bí mật {key}-{number}",
        slug=f"nhap-{key}-{number}",
        category=Product.Category.TEA,
        review_state=Product.Review.DRAFT,
    )
    photos = [
        ProductPhoto.objects.create(
            product=draft,
            image=prepare_photo(upload(jpeg_bytes(size=(64, 48))), draft.name),
            sort_order=position,
        )
        for position in range(2)
    ]
    on_sale = Product.objects.create(
        producer=producer,
        name=f"Chè đang bán {key}-{number}",
        slug=f"che-{key}-{number}",
        category=Product.Category.TEA,
        price=450_000,
        unit="gói 200 g",
        quantity_available=30,
        review_state=Product.Review.APPROVED,
    )
    area = _area(commune, province)
    batch = trace_services.record_batch(
        product=on_sale,
        growing_area=area,
        lot=f"LOBIMAT{key.upper()}{number}",
        harvest_date=datetime.date(2026, 3, 15),
        quantity=Decimal("12"),
        unit="kg",
        by=member,
    )
    run = printing.issue_labels(batch, 3, "a4-50x50", by=member, build=False)
    label = run.labels.order_by("position").first()
    run.status = LabelPrintRun.Status.DONE
    run.pdf.save("tem.pdf", ContentFile(f"%PDF-1.4 {label.serial}".encode()), save=False)
    run.save()
    # the OCOP certificate: a private file, for the producer's side only
    on_sale.ocop_certificate.save("cn.pdf", ContentFile(f"%PDF-1.4 OCOP {label.serial}".encode()))
    # a lab report on the harvest step: a private file, for the producer's side only
    document = TraceAttachment(event=batch.events.get(), title="Kết quả kiểm nghiệm")
    document.document.save("kq.pdf", ContentFile(f"%PDF-1.4 {label.serial}".encode()))
    failed_run = printing.issue_labels(batch, 2, "a4-50x50", by=member, build=False)
    failed_run.status = LabelPrintRun.Status.FAILED
    failed_run.save()
    street = f"Ngõ riêng {key}-{number}"
    order = _order(on_sale, street)
    return SimpleNamespace(
        key=key,
        member=member,
        producer=producer,
        draft=draft,
        photos=photos,
        on_sale=on_sale,
        area=area,
        batch=batch,
        run=run,
        document=document,
        failed_run=failed_run,
        label=label,
        order=order,
        parcel=order.seller_orders.get(),
        # what nobody else may be shown
        markers=[
            phone,
            display_phone(phone),
            producer.story,
            draft.name,
            batch.lot,
            label.serial,
            order.number,
            street,
        ],
    )


def _order(product, street):
    """A cash-on-delivery order of ``product`` by a guest buyer, confirmed and to pack."""
    import uuid

    from marketplace.cart import load_products, summarize
    from marketplace.checkout import Buyer, place_order

    buyer = Buyer(
        name="Người mua thử",
        phone="0987654321",
        province_code="01",
        commune_code="00004",
        street=street,
    )
    summary = summarize({product.pk: 1}, load_products([product.pk]), buyer.province_code)
    return place_order(
        checkout_token=uuid.uuid4(),
        items=[(product.pk, 1)],
        buyer=buyer,
        method="cod",
        expected_total=summary.total,
    )


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    users = {
        "farmer_a": _user(Role.PRODUCER, "Chủ HTX A"),
        "farmer_alone": _user(Role.PRODUCER, "Hộ tự đăng ký"),
        "farmer_b": _user(Role.PRODUCER, "Hộ xã B"),
        "helper_a": _user(Role.COMMUNITY_HELPER, "Người hỗ trợ xã A"),
        "helper_b": _user(Role.COMMUNITY_HELPER, "Người hỗ trợ xã B"),
        "postal": _user(Role.POSTAL_STAFF, "Bưu tá"),
        "postal_a": _user(Role.POSTAL_STAFF, "Bưu tá xã A"),
        "moderator": _user(Role.MODERATOR, "Kiểm duyệt viên"),
    }
    HelperCommune.objects.create(helper=users["helper_a"], commune_code="04672")
    HelperCommune.objects.create(helper=users["helper_b"], commune_code="00004")
    targets = {
        "a": _target("a", users["farmer_a"], "15", "04672", helper=users["helper_a"], consent=True),
        "alone": _target("alone", users["farmer_alone"], "15", "04672"),
        "b": _target("b", users["farmer_b"], "01", "00004"),
    }
    # the post office of commune A (targets "a" and "alone") has their parcels to collect
    office = PostOffice.objects.create(
        code="PO-A", name="Bưu điện xã A", province_code="15", commune_code="04672"
    )
    ServedCommune.objects.create(office=office, commune_code="04672")
    office.staff.add(users["postal_a"])
    for target in targets.values():
        create_job(target.parcel)
    # its lists: drawn up (one printed: files holding the orders' numbers), one not printed
    day = max(job.pickup_date for job in PickupJob.objects.filter(office=office))
    printed_list, _added = draw_up(office, day, tell=False)
    printed_list.status = PickupList.Status.DONE
    numbers = " ".join(target.order.number for target in targets.values())
    printed_list.pdf.save("bang-ke.pdf", ContentFile(f"%PDF-1.4 {numbers}".encode()), save=False)
    printed_list.slips_pdf.save("phieu.pdf", ContentFile(f"%PDF-1.4 {numbers}".encode()))
    new_list, _added = draw_up(office, day + datetime.timedelta(days=1), tell=False)
    # target "a"'s parcel is with the post office, on its way to the buyer
    mark_picked_up(targets["a"].parcel.pickup_job, users["postal_a"], 1, 900)
    # the helper of A has asked the farmer who signed up alone; no answer yet
    ListingEvent.objects.create(
        producer=targets["alone"].producer,
        actor=users["helper_a"],
        action=ListingEvent.Action.CONSENT_REQUESTED,
    )
    return SimpleNamespace(
        users=users, targets=targets, printed_list=printed_list, new_list=new_list
    )


# --- Requests and the database snapshot -----------------------------------------------------

# Rows that a request changes without being an action on the target: sessions and login
# records, and the site settings Wagtail creates the first time any page is drawn.
NOT_COMPARED = {
    "sessions.session",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "marketplace.sitesettings",
}
COMPARED_ROWS = [
    Producer,
    Product,
    ProductPhoto,
    Batch,
    TraceEvent,
    LabelPrintRun,
    Label,
    Order,
    SellerOrder,
    PickupJob,
    PickupList,
]


def snapshot():
    """Row counts of every table, and every field of the rows a request could act on."""
    counts = {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label_lower not in NOT_COMPARED and model._meta.managed
    }
    rows = {
        model._meta.label_lower: list(model._default_manager.order_by("pk").values())
        for model in COMPARED_ROWS
    }
    return counts, rows


def differences(before, after):
    """The tables whose row count or compared rows differ."""
    return sorted(
        name
        for part_before, part_after in zip(before, after, strict=True)
        for name in part_before
        if part_before[name] != part_after[name]
    )


def body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("latin-1")
    return response.content.decode()


class Requester:
    def __init__(self, client, world, capture):
        self.client, self.world, self.capture = client, world, capture

    def send(self, actor, method, url, data=None):
        """(response, the tables it changed, callbacks queued for after the commit)."""
        self.client.logout()
        if actor != "anonymous":
            self.client.force_login(self.world.users[actor])
        before = snapshot()
        with self.capture() as callbacks:
            if method == "get":
                response = self.client.get(url)
            else:
                response = self.client.post(url, data or {})
        return response, differences(before, snapshot()), callbacks


def url_for(route, entry, world, target):
    return reverse(route.name, kwargs=entry.kwargs(world, target)) + entry.query(world, target)


def intrusions(requester, route, entry):
    """What went wrong when everyone who may not use each target's objects tried."""
    world, problems = requester.world, []
    for key, intruders in INTRUDERS.items():
        target = world.targets[key]
        url = url_for(route, entry, world, target)
        data = entry.post(world, target) if entry.post else {}
        for actor in intruders:
            if (key, actor) in entry.allowed:
                continue
            for method in ("get", "post"):
                response, changed, callbacks = requester.send(actor, method, url, data)
                where = f"{method.upper()} {url} as {actor}"
                if response.status_code >= 500:
                    problems.append(f"{where}: {response.status_code}")
                if response.status_code == 200:
                    text = body(response)
                    shown = [marker for marker in target.markers if marker in text]
                    if shown:
                        problems.append(f"{where}: shows {shown}")
                if changed:
                    problems.append(f"{where}: changed the database ({', '.join(changed)})")
                if callbacks:
                    problems.append(f"{where}: queued work after the commit")
    return problems


ROUTES = {route.name: route for route in guarded_routes() if route.name}


def matrix_entry(route):
    return MATRIX.get(route.name) or Entry()


# --- The tests ------------------------------------------------------------------------------


def test_every_url_is_public_or_in_the_access_matrix():
    unfillable = [
        route.pattern
        for route in guarded_routes()
        if route.name is None or (route.needs_arguments and route.name not in MATRIX)
    ]
    assert not unfillable, (
        f"add it to the access matrix (tests/test_access_matrix.py MATRIX, or PUBLIC with a "
        f"reason): {unfillable}"
    )
    names = {route.name for route in walk(get_resolver().url_patterns)}
    assert not set(MATRIX) - names, "the access matrix names URLs that no longer exist"
    assert not set(PUBLIC) - names, "PUBLIC names URLs that no longer exist"


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_nobody_else_sees_or_changes_a_farmers_things(
    name, client, world, django_capture_on_commit_callbacks
):
    route, entry = ROUTES[name], matrix_entry(ROUTES[name])
    requester = Requester(client, world, django_capture_on_commit_callbacks)
    problems = intrusions(requester, route, entry)
    assert not problems, "\n".join(problems)

    # moderators may act for every producer: the page answers them
    response, _changed, _callbacks = requester.send(
        "moderator", "get", url_for(route, entry, world, world.targets["alone"])
    )
    assert response.status_code < 500

    # the control: the right person is served, so the checks above could fail
    actor, key = entry.control
    target = world.targets[key]
    url = url_for(route, entry, world, target)
    if route.needs_arguments or entry.query(world, target):
        response, _changed, _callbacks = requester.send(actor, "get", url)
        assert response.status_code in (200, 302, 405), f"GET {url} as {actor}"
        if response.status_code == 200:
            text = body(response)
            # a page must show the target's data to the right person, or its POST must be
            # proven below: otherwise a missing check would go unnoticed
            assert entry.post or any(marker in text for marker in target.markers), url
    if entry.post:
        _response, changed, callbacks = requester.send(
            actor, "post", url, entry.post(world, target)
        )
        assert changed or callbacks, f"POST {url} as {actor} changes nothing: a useless probe"


def test_the_matrix_catches_a_view_whose_check_is_gone(
    client, world, django_capture_on_commit_callbacks, monkeypatch
):
    """Were the batch rule to let everyone through, label voiding would be reported."""
    from accounts import access

    monkeypatch.setitem(access._scopes, (Batch, access.ACT), lambda user: Batch.objects.all())
    monkeypatch.setitem(access._scopes, (Label, access.ACT), lambda user: Label.objects.all())
    requester = Requester(client, world, django_capture_on_commit_callbacks)
    route = ROUTES["traceability:label_void"]
    problems = intrusions(requester, route, MATRIX[route.name])
    assert any("as farmer_b: changed the database" in problem for problem in problems)


ADMIN_PAGES = [
    "/admin/",
    "/admin/marketplace/review/",
    "/admin/marketplace/progress/",
    "/admin/snippets/marketplace/producer/",
    "/admin/snippets/marketplace/product/",
    "/admin/snippets/traceability/label/",
    "/admin/snippets/marketplace/order/",
    "/admin/snippets/marketplace/payment/",
    "/admin/snippets/marketplace/webhookevent/",
    "/admin/snippets/marketplace/transferissue/",
    "/admin/snippets/postal_pickup/pickupjob/",
    "/admin/snippets/postal_pickup/postoffice/",
    "/admin/postal/offices/import/",
    "/admin/postal/cod/",
    "/admin/postal/cod/csv/?start=2026-12-01&end=2026-12-31",
    "/admin/postal/cod/paid/",
    "/django-admin/",
]


def test_the_admin_is_closed_to_everyone_but_moderators(client, world):
    for actor in ("anonymous", "farmer_a", "helper_a", "postal"):
        client.logout()
        if actor != "anonymous":
            client.force_login(world.users[actor])
        for path in ADMIN_PAGES:
            response = client.get(path)
            assert response.status_code in (302, 403), f"{path} as {actor}"
            if response.status_code == 302:
                assert "login" in response["Location"] or "dang-nhap" in response["Location"]
    client.force_login(world.users["moderator"])
    assert client.get("/admin/marketplace/review/").status_code == 200


# --- The four views from the issue, one by one ----------------------------------------------


@pytest.fixture
def stranger(client, world):
    """A farmer of another commune, logged in, with their own producer."""
    client.force_login(world.users["farmer_b"])
    return client


def test_postal_staff_cannot_open_the_new_batch_form(client, world):
    client.force_login(world.users["postal"])
    assert client.get("/ban-hang/lo-hang/moi/").status_code == 403
    slug = world.targets["a"].producer.slug
    assert client.get(f"/ban-hang/lo-hang/moi/?producer={slug}").status_code == 403


def test_a_farmer_cannot_void_another_farmers_label(stranger, world):
    target = world.targets["a"]
    response = stranger.post(
        f"/ban-hang/lo-hang/{target.batch.pk}/huy-tem/",
        {"serial": target.label.serial, "reason": "Tem giả"},
    )
    assert response.status_code == 403
    target.label.refresh_from_db()
    assert target.label.voided_at is None


def test_a_farmer_cannot_void_another_farmers_print_run(stranger, world):
    target = world.targets["a"]
    response = stranger.post(f"/ban-hang/in-tem/{target.run.pk}/huy/", {"reason": "In hỏng"})
    assert response.status_code == 403
    target.run.refresh_from_db()
    assert target.run.voided_at is None
    assert not target.run.labels.filter(voided_at__isnull=False).exists()


def test_a_farmer_cannot_record_a_step_of_another_farmers_batch(stranger, world):
    target = world.targets["a"]
    before = target.batch.events.count()
    response = stranger.post(
        f"/ban-hang/lo-hang/{target.batch.pk}/buoc-moi/",
        {"kind": "withering", "occurred_at": "2026-03-15T14:00", "note": "giả"},
    )
    assert response.status_code == 403
    assert target.batch.events.count() == before


def test_a_farmer_cannot_retry_another_farmers_print_run(
    stranger, world, django_capture_on_commit_callbacks
):
    target = world.targets["a"]
    with django_capture_on_commit_callbacks() as callbacks:
        response = stranger.post(f"/ban-hang/in-tem/{target.failed_run.pk}/lam-lai/")
    assert response.status_code == 403
    assert not callbacks  # no sheet build sent to the worker
