"""The demo site's page tree and settings."""

from wagtail.models import Page, Site

from .models import HomePage, SiteSettings, StandardPage

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


def seed(command):
    root = Page.get_first_root_node()
    home = HomePage.objects.first()
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
    guide = StandardPage.objects.filter(slug=GUIDE_SLUG).first()
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
