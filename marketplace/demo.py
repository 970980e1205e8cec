"""The demo site's page tree and settings, and the demo producers and listings."""

import datetime
import io
import uuid

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page, Site

from accounts import demo as accounts_demo
from accounts.models import User
from growing_areas.models import GrowingArea

from . import services
from .cart import load_products, summarize
from .checkout import Buyer, cancel_order, place_order, set_seller_order_status
from .models import (
    CatalogPage,
    HelperCommune,
    HomePage,
    ListingEvent,
    Order,
    PaymentMethod,
    Producer,
    Product,
    ProductPhoto,
    SellerOrder,
    SiteSettings,
    StandardPage,
    add_months,
)
from .payments.registry import available_adapters
from .photos import prepare_photo

GUIDE_SLUG = "cach-dang-ban-san-pham"


def _home_body(guide):
    return [
        {
            "type": "hero",
            "value": {
                "heading": "Nông sản miền núi, từ nhà nông đến tận tay bạn",
                "text": "Chè Shan Tuyết, mật ong, quế, gạo và sản phẩm OCOP của các tỉnh miền "
                "núi phía Bắc. Quét tem để biết hàng trồng ở đâu, ai làm ra.",
                "image": None,
                "link": {"text": "Xem cách bán hàng", "page": guide.pk, "url": ""},
            },
        },
        {
            "type": "featured_stories",
            "value": {
                "heading": "Câu chuyện từ bản làng",
                "stories": [
                    {
                        "title": "Chè Shan Tuyết cổ thụ Văn Chấn",
                        "text": "Hợp tác xã chè ở Xã Văn Chấn, Lào Cai hái búp chè từ những cây "
                        "hàng trăm năm tuổi trên độ cao 1.300 m.",
                        "image": None,
                        "page": None,
                    },
                    {
                        "title": "Bưu điện đến tận nhà lấy hàng",
                        "text": "Khi có đơn, nhân viên bưu điện đến tận nhà nông dân nhận "
                        "gói hàng và giao cho người mua.",
                        "image": None,
                        "page": None,
                    },
                ],
            },
        },
        {
            "type": "call_to_action",
            "value": {
                "audience": "farmer",
                "title": "Bạn là nông dân hay hợp tác xã?",
                "text": "Đăng bán sản phẩm bằng điện thoại trong vài phút. Tổ công nghệ số "
                "cộng đồng ở xã sẽ giúp bạn.",
                "link": {"text": "Hướng dẫn đăng bán", "page": guide.pk, "url": ""},
            },
        },
        {
            "type": "call_to_action",
            "value": {
                "audience": "buyer",
                "title": "Mua hàng tận gốc",
                "text": "Thanh toán khi nhận hàng, bằng thẻ hoặc VietQR.",
                "link": {"text": "Đăng nhập", "page": None, "url": "/tai-khoan/dang-nhap/"},
            },
        },
    ]


GUIDE_BODY = [
    {"type": "heading", "value": "1. Tạo tài khoản"},
    {
        "type": "paragraph",
        "value": "<p>Dùng số điện thoại di động của bạn. Nếu cần, nhờ Tổ "
        "công nghệ số cộng đồng ở xã giúp.</p>",
    },
    {"type": "heading", "value": "2. Đăng sản phẩm"},
    {
        "type": "paragraph",
        "value": "<p>Chụp ảnh sản phẩm, ghi tên, giá bán, quy cách đóng gói "
        "và số lượng. Chọn mã số vùng trồng nếu có.</p>",
    },
    {"type": "heading", "value": "3. Chờ duyệt và bán hàng"},
    {
        "type": "paragraph",
        "value": "<p>Cán bộ kiểm duyệt xem và duyệt sản phẩm. Khi có đơn, "
        "bưu điện đến tận nhà lấy hàng.</p>",
    },
]


def _home_body_en(guide):
    return [
        {
            "type": "hero",
            "value": {
                "heading": "Mountain produce, from the farmer's door to yours",
                "text": "Shan Tuyet tea, honey, cinnamon, rice and OCOP products from the "
                "northern mountain provinces. Scan the label to see where it grew and who "
                "made it.",
                "image": None,
                "link": {"text": "See how to sell", "page": guide.pk, "url": ""},
            },
        },
        {
            "type": "featured_stories",
            "value": {
                "heading": "Stories from the villages",
                "stories": [
                    {
                        "title": "Ancient Shan Tuyet tea of Van Chan",
                        "text": "A tea cooperative in Van Chan commune, Lao Cai, picks buds "
                        "from trees hundreds of years old, 1,300 m above the sea.",
                        "image": None,
                        "page": None,
                    },
                    {
                        "title": "The post office collects at the door",
                        "text": "When an order comes in, postal staff come to the farmer's "
                        "house, collect the parcel and deliver it to the buyer.",
                        "image": None,
                        "page": None,
                    },
                ],
            },
        },
        {
            "type": "call_to_action",
            "value": {
                "audience": "farmer",
                "title": "Are you a farmer or a cooperative?",
                "text": "List a product from your phone in a few minutes. Your commune's "
                "digital-transformation team will help you.",
                "link": {"text": "How to list a product", "page": guide.pk, "url": ""},
            },
        },
        {
            "type": "call_to_action",
            "value": {
                "audience": "buyer",
                "title": "Buy straight from the source",
                "text": "Pay on delivery, by card or with VietQR.",
                "link": {"text": "Log in", "page": None, "url": "/tai-khoan/dang-nhap/"},
            },
        },
    ]


GUIDE_BODY_EN = [
    {"type": "heading", "value": "1. Create an account"},
    {
        "type": "paragraph",
        "value": "<p>Use your mobile phone number. If you need to, ask your commune's "
        "community digital-transformation team for help.</p>",
    },
    {"type": "heading", "value": "2. List your product"},
    {
        "type": "paragraph",
        "value": "<p>Take photos of the product and write its name, price, packaging "
        "and quantity. Choose the growing-area code if it has one.</p>",
    },
    {"type": "heading", "value": "3. Wait for approval and sell"},
    {
        "type": "paragraph",
        "value": "<p>A moderator checks and approves the product. When an order comes in, "
        "the post office collects it at your door.</p>",
    },
]

# The English translation of each demo page: its own fields; the slug stays the same, so an
# address shows the page in the language the person picked (Wagtail routes through
# ``Site.root_page.localized``). The home page is a sibling of the Vietnamese one under the
# root, and siblings need different slugs; the home page's slug is in no address.
HOME_SLUG_EN = "trang-chu-en"


def english_locale():
    return Locale.objects.get_or_create(language_code="en")[0]


def translate_page(page, locale, **fields):
    """The page's published translation in ``locale`` with ``fields``, made once: a page
    already translated is left as the moderators may have edited it."""
    translation = page.get_translation_or_none(locale)
    if translation is not None:
        return translation.specific
    translation = page.copy_for_translation(locale)
    for name, value in fields.items():
        setattr(translation, name, value)
    translation.save_revision().publish()
    translation.refresh_from_db()
    return translation.specific


def seed_english(home, guide, catalog):
    """English translations of the home, guide and catalogue pages."""
    english = english_locale()
    home_en = translate_page(
        home,
        english,
        title="Chợ Phiên",
        slug=HOME_SLUG_EN,
        intro="The online market day for mountain farm produce and OCOP products.",
        body=[],
    )
    guide_en = translate_page(
        guide,
        english,
        title="How to sell your products",
        intro="Three steps to put your produce on Chợ Phiên.",
        body=GUIDE_BODY_EN,
    )
    # Read again: the guide was added under it by another instance (tree fields are stale).
    home_en = HomePage.objects.get(pk=home_en.pk)
    if not home_en.body:
        home_en.body = _home_body_en(guide_en)
        home_en.save_revision().publish()
    translate_page(
        catalog,
        english,
        title="Products",
        intro="Mountain farm produce and OCOP products, bought straight from the farmer.",
    )


def ensure_wagtail_roots():
    """The root page, locale and image collection Wagtail's migrations create; a database
    flushed by transactional tests has none, and the demo must still build."""
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root"))
    return root


def seed(command):
    root = ensure_wagtail_roots()
    vietnamese = Locale.get_default()
    home = HomePage.objects.filter(locale=vietnamese).first()
    if home is None:
        # Wagtail's migrations leave a "Welcome" page as the default site's root.
        for page in root.get_children().exact_type(Page):
            page.delete()
        home = root.add_child(
            instance=HomePage(
                title="Chợ Phiên",
                slug="trang-chu",
                intro="Chợ phiên trực tuyến của nông sản và sản phẩm OCOP miền núi.",
            )
        )
    guide = StandardPage.objects.filter(slug=GUIDE_SLUG, locale=vietnamese).first()
    if guide is None:
        guide = home.add_child(
            instance=StandardPage(
                title="Cách đăng bán sản phẩm",
                slug=GUIDE_SLUG,
                intro="Ba bước để đưa nông sản của bạn lên Chợ Phiên.",
                body=GUIDE_BODY,
            )
        )
    if not home.body:
        home.body = _home_body(guide)
        home.save_revision().publish()

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site.objects.create(
            hostname="localhost",
            port=80,
            is_default_site=True,
            root_page=home,
            site_name="Chợ Phiên",
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.site_name = "Chợ Phiên"
        site.save()
    SiteSettings.for_site(site)  # creates the row with its defaults
    catalog = seed_catalogue(home)
    seed_english(home, guide, catalog)
    seed_orders(command)


CATALOG_SLUG = "san-pham"

# slug, kind, name, commune, member phone, story
PRODUCERS = [
    (
        "htx-che-shan-tuyet-suoi-giang",
        Producer.Kind.COOPERATIVE,
        "HTX Chè Shan Tuyết Suối Giàng",
        "04672",
        "0912000003",
        "Hợp tác xã của 86 hộ người Mông ở Suối Giàng, nay thuộc Xã Văn Chấn. Búp chè hái "
        "từ những cây chè cổ thụ hàng trăm năm tuổi, sao tay trên chảo gang.",
    ),
    (
        "ho-nuoi-ong-giang-a-pao",
        Producer.Kind.HOUSEHOLD,
        "Hộ nuôi ong Giàng A Páo",
        "04456",
        "0912000004",
        "Gia đình nuôi 60 đàn ong nội trên núi Mù Cang Chải, lấy mật hoa rừng và hoa bạc hà.",
    ),
    (
        "ho-trieu-thi-hoa-que-mau-a",
        Producer.Kind.HOUSEHOLD,
        "Hộ Triệu Thị Hoa – Quế Mậu A",
        "04375",
        "0912000005",
        "Người Dao ở Mậu A trồng quế từ đời ông bà; vỏ quế bóc tay, phơi nắng tự nhiên.",
    ),
]

# producer slug, slug, name, category, price, unit, stock, state, ocop (stars, number,
# decision date, level) or None, description
PRODUCTS = [
    (
        "htx-che-shan-tuyet-suoi-giang",
        "che-shan-tuyet-co-thu-suoi-giang",
        "Chè Shan Tuyết cổ thụ Suối Giàng",
        Product.Category.TEA,
        450_000,
        "gói 200 g",
        120,
        Product.Review.APPROVED,
        "valid",
        "Búp chè Shan Tuyết một tôm hai lá, nước vàng sánh, hậu ngọt. Hái tháng 3–4.",
    ),
    (
        "htx-che-shan-tuyet-suoi-giang",
        "che-shan-tuyet-bup-vang",
        "Chè Shan Tuyết búp vàng",
        Product.Category.TEA,
        650_000,
        "hộp 250 g",
        40,
        Product.Review.PENDING,
        None,
        "Chè búp vàng sấy lạnh, hương hoa quả chín.",
    ),
    (
        "ho-nuoi-ong-giang-a-pao",
        "mat-ong-hoa-bac-ha-mu-cang-chai",
        "Mật ong hoa bạc hà Mù Cang Chải",
        Product.Category.HONEY,
        320_000,
        "chai 500 ml",
        60,
        Product.Review.APPROVED,
        "expired",
        "Mật ong nguyên chất từ đàn ong nội, thu hoạch mùa hoa bạc hà tháng 11.",
    ),
    (
        "ho-trieu-thi-hoa-que-mau-a",
        "que-kho-mau-a",
        "Quế khô Mậu A",
        Product.Category.CINNAMON,
        120_000,
        "bó 1 kg",
        200,
        Product.Review.APPROVED,
        None,
        "Vỏ quế 15 năm tuổi, dày, cay thơm, phơi khô tự nhiên.",
    ),
    (
        "ho-trieu-thi-hoa-que-mau-a",
        "tinh-dau-que-mau-a",
        "Tinh dầu quế Mậu A",
        Product.Category.CINNAMON,
        180_000,
        "lọ 50 ml",
        80,
        Product.Review.PENDING,
        None,
        "Tinh dầu chưng cất từ lá và cành quế.",
    ),
]

# Packed weight per unit (g), for the parcel and its shipping fee.
SHIPPING_GRAMS = {
    "che-shan-tuyet-co-thu-suoi-giang": 250,
    "che-shan-tuyet-bup-vang": 350,
    "mat-ong-hoa-bac-ha-mu-cang-chai": 750,
    "que-kho-mau-a": 1_100,
    "tinh-dau-que-mau-a": 150,
}

COLOURS = {
    Product.Category.TEA: ((46, 125, 50), (200, 230, 160)),
    Product.Category.HONEY: ((230, 160, 20), (255, 230, 150)),
    Product.Category.CINNAMON: ((120, 60, 30), (220, 170, 120)),
}


def demo_photo(title, colours, variant=0):
    """A picture drawn at seed time (no download): a sky-to-field gradient and hills."""
    dark, light = colours
    picture = Image.new("RGB", (960, 720), light)
    draw = ImageDraw.Draw(picture)
    for y in range(720):
        mix = y / 720
        draw.line(
            [(0, y), (960, y)],
            fill=tuple(int(light[i] * (1 - mix) + dark[i] * mix) for i in range(3)),
        )
    for index in range(3):
        top = 300 + 90 * index + 20 * variant
        draw.ellipse([-200 + 300 * index, top, 500 + 300 * index, top + 500], fill=dark)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=80)
    upload = io.BytesIO(buffer.getvalue())
    upload.size = len(buffer.getvalue())
    return prepare_photo(upload, title)


def seed_catalogue(home):
    """The catalogue page and the demo producers and listings; returns the page."""
    catalog = CatalogPage.objects.filter(locale=home.locale).first()
    if catalog is None:
        catalog = home.add_child(
            instance=CatalogPage(
                title="Sản phẩm",
                slug=CATALOG_SLUG,
                intro="Nông sản và sản phẩm OCOP miền núi, mua tận gốc từ nhà nông.",
            )
        )
    moderator = accounts_demo.user("0912000001")
    helper = accounts_demo.user("0912000002")
    HelperCommune.objects.get_or_create(helper=helper, commune_code="04672")

    producers = {}
    for slug, kind, name, commune, phone, story in PRODUCERS:
        producer = Producer.objects.filter(slug=slug).first()
        if producer is None:
            onboarded = commune == "04672"
            producer = Producer.objects.create(
                slug=slug,
                kind=kind,
                name=name,
                story=story,
                province_code="15",
                commune_code=commune,
                phone=accounts_demo.user(phone).phone,
                verification=Producer.Verification.VERIFIED,
                verified_at=timezone.now(),
                onboarded_by=helper if onboarded else None,
                consent_method=Producer.Consent.SIGNED_FORM if onboarded else "",
                consent_at=timezone.now() if onboarded else None,
                photo=demo_photo(name, COLOURS[Product.Category.TEA], variant=2),
            )
            producer.members.add(accounts_demo.user(phone))
            services.record(
                producer,
                ListingEvent.Action.PRODUCER_CREATED,
                actor=helper if onboarded else accounts_demo.user(phone),
            )
            services.record(producer, ListingEvent.Action.PRODUCER_VERIFIED, actor=moderator)
        producers[slug] = producer

    today = timezone.localdate()
    ocop = {
        "valid": (4, "1568/QĐ-UBND", add_months(today, -8), Product.OcopLevel.PROVINCE),
        "expired": (3, "2291/QĐ-UBND", add_months(today, -40), Product.OcopLevel.PROVINCE),
    }
    for (
        producer_slug,
        slug,
        name,
        category,
        price,
        unit,
        stock,
        state,
        certificate,
        text,
    ) in PRODUCTS:
        if Product.objects.filter(slug=slug).exists():
            # a demo built before shipping weights existed gets them now
            Product.objects.filter(slug=slug, shipping_weight_grams__isnull=True).update(
                shipping_weight_grams=SHIPPING_GRAMS[slug]
            )
            continue
        producer = producers[producer_slug]
        area = (
            GrowingArea.objects.filter(
                commune_code=producer.commune_code, status=GrowingArea.Status.ACTIVE
            )
            .order_by("code")
            .first()
        )
        stars, number, decided, level = ocop.get(certificate) or (None, "", None, "")
        now = timezone.now()
        product = Product.objects.create(
            producer=producer,
            slug=slug,
            name=name,
            category=category,
            price=price,
            unit=unit,
            shipping_weight_grams=SHIPPING_GRAMS[slug],
            quantity_available=stock,
            description=text,
            growing_area=area,
            review_state=state,
            submitted_at=now - datetime.timedelta(days=2),
            published_at=now if state == Product.Review.APPROVED else None,
            ocop_stars=stars,
            ocop_decision_number=number,
            ocop_decision_date=decided,
            ocop_level=level,
        )
        for position in range(2 if state == Product.Review.APPROVED else 1):
            ProductPhoto.objects.create(
                product=product,
                image=demo_photo(name, COLOURS[category], variant=position),
                sort_order=position,
            )
        actor = producer.onboarded_by or producer.members.first()
        services.record(producer, ListingEvent.Action.CREATED, actor=actor, product=product)
        services.record(producer, ListingEvent.Action.SUBMITTED, actor=actor, product=product)
        if state == Product.Review.APPROVED:
            services.record(
                producer, ListingEvent.Action.APPROVED, actor=moderator, product=product
            )
    return catalog


# --- Demo orders ------------------------------------------------------------------------------

BUYER_PHONE = "0912000007"
BUYER_NAME = "Trần Minh Anh"

# key, buyer (account or a guest name), method, [(product slug, quantity)], address
# (province, commune, street), parcel steps [(status, who)], cancellation reason
DEMO_ORDERS = [
    (
        "to-pack",
        None,
        PaymentMethod.COD,
        [("che-shan-tuyet-co-thu-suoi-giang", 2)],
        ("01", "00004", "25 Phan Đình Phùng"),
        [],
        "",
    ),
    (
        "packed",
        "Lê Văn Nam",
        PaymentMethod.COD,
        [("mat-ong-hoa-bac-ha-mu-cang-chai", 1)],
        ("15", "02647", "18 Hoàng Liên"),
        [(SellerOrder.Status.PACKED, "farmer")],
        "",
    ),
    (
        "delivered",
        None,
        PaymentMethod.COD,
        [("que-kho-mau-a", 2), ("che-shan-tuyet-co-thu-suoi-giang", 1)],
        ("01", "00004", "25 Phan Đình Phùng"),
        [
            (SellerOrder.Status.PACKED, "farmer"),
            (SellerOrder.Status.SHIPPED, "postal"),
            (SellerOrder.Status.DELIVERED, "postal"),
        ],
        "",
    ),
    (
        "vietqr-waiting",
        "Phạm Thị Lan",
        PaymentMethod.VIETQR,
        [("che-shan-tuyet-co-thu-suoi-giang", 1)],
        ("79", "27316", "120 Nguyễn Trãi"),
        [],
        "",
    ),
    (
        "cancelled",
        None,
        PaymentMethod.COD,
        [("mat-ong-hoa-bac-ha-mu-cang-chai", 2)],
        ("01", "00004", "25 Phan Đình Phùng"),
        [],
        "Người mua gọi điện xin huỷ: đặt nhầm số lượng.",
    ),
]


def demo_checkout_token(key):
    """The same checkout token on every run: ``place_order`` returns the order made the
    first time, so running the demo twice places nothing twice."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://chophien.example/demo-order/{key}")


def demo_buyer(command):
    """A buyer's account, to see "my orders" under /tai-khoan/."""
    user = User.objects.filter(phone=f"+84{BUYER_PHONE[1:]}").first()
    if user is None:
        user = User.objects.create_user(
            BUYER_PHONE, accounts_demo.DEMO_PASSWORD, full_name=BUYER_NAME
        )
    command.add_login(_("Buyer"), user, accounts_demo.DEMO_PASSWORD)
    return user


def _place(key, buyer, method, items, address):
    province, commune, street = address
    products = {p.slug: p for p in Product.objects.filter(slug__in=[s for s, _q in items])}
    quantities = {products[slug].pk: quantity for slug, quantity in items}
    summary = summarize(quantities, load_products(quantities), province)
    return place_order(
        checkout_token=demo_checkout_token(key),
        items=list(quantities.items()),
        buyer=Buyer(
            name=buyer if isinstance(buyer, str) else buyer.full_name,
            phone="0987000111" if isinstance(buyer, str) else buyer.phone,
            province_code=province,
            commune_code=commune,
            street=street,
            user=None if isinstance(buyer, str) else buyer,
        ),
        method=method,
        expected_total=summary.total,
    )


def _walk(order, steps, postal):
    """Move each parcel along ``steps``, skipping what an earlier run already did (the steps
    only go forward, so a step the parcel cannot take now is one it took before)."""
    for parcel in order.seller_orders.select_related("producer").order_by("pk"):
        farmer = parcel.producer.members.order_by("pk").first()
        for target, who in steps:
            parcel.refresh_from_db()
            if target in SellerOrder.TRANSITIONS[SellerOrder.Status(parcel.status)]:
                actor = farmer if who == "farmer" else postal
                set_seller_order_status(parcel, target, actor=actor)


def seed_orders(command):
    """A few orders in different states, placed through ``checkout`` so stock and events
    are real: cash on delivery to pack, packed, delivered; a VietQR order waiting for its
    transfer (when VietQR is offered; it expires after the payment window like any other);
    a cancelled one."""
    account = demo_buyer(command)
    moderator = accounts_demo.user("0912000001")
    postal = accounts_demo.user("0912000006")
    offered = {adapter.method for adapter in available_adapters()}
    for key, buyer, method, items, address, steps, cancelled in DEMO_ORDERS:
        if method not in offered:
            command.stdout.write(f"Demo order “{key}” skipped: {method.label} is not offered.")
            continue
        order = _place(key, buyer or account, method, items, address)
        _walk(order, steps, postal)
        order.refresh_from_db()
        if cancelled and order.status in (Order.Status.AWAITING_PAYMENT, Order.Status.CONFIRMED):
            cancel_order(order, actor=moderator, reason=cancelled)
