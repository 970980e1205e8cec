"""English mode: the demo CMS pages and the error page speak English at the same addresses;
Vietnamese mode is as before."""

import html
from importlib import import_module
from io import StringIO

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path
from wagtail.models import Locale, Page, Revision

from marketplace.demo import GUIDE_SLUG
from marketplace.models import CatalogPage, HomePage, StandardPage

HOME = "/"
GUIDE = f"/{GUIDE_SLUG}/"
CATALOGUE = "/san-pham/"

# Phrases of the Vietnamese demo pages, and their English counterparts, page by page.
VIETNAMESE = {
    HOME: [
        "Nông sản miền núi, từ nhà nông đến tận tay bạn",
        "Câu chuyện từ bản làng",
        "Bạn là nông dân hay hợp tác xã?",
        "Mua hàng tận gốc",
        "Chợ phiên trực tuyến",
    ],
    GUIDE: [
        "Cách đăng bán sản phẩm",
        "Tạo tài khoản",
        "Chờ duyệt và bán hàng",
        "Ba bước để đưa nông sản",
    ],
    CATALOGUE: ["<h1>Sản phẩm</h1>", "mua tận gốc từ nhà nông"],
}
ENGLISH = {
    HOME: [
        "Mountain produce, from the farmer&#x27;s door to yours",
        "Stories from the villages",
        "Are you a farmer or a cooperative?",
        "Buy straight from the source",
    ],
    GUIDE: [
        "<title>How to sell your products",
        "<h1>How to sell your products</h1>",
        "1. Create an account",
        "3. Wait for approval and sell",
    ],
    CATALOGUE: ["<h1>Products</h1>", "bought straight from the farmer"],
}


def speaking(language):
    client = Client()
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


class DemoPagesInEnglishTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", stdout=StringIO())

    def test_english_mode_shows_english_content_and_no_vietnamese(self):
        for address in (HOME, GUIDE, CATALOGUE):
            response = speaking("en").get(address)
            self.assertEqual(response.status_code, 200, address)
            content = response.content.decode()
            for phrase in ENGLISH[address]:
                self.assertIn(phrase, content, address)
            for phrase in VIETNAMESE[address]:
                self.assertNotIn(html.escape(phrase, quote=False), content, address)
                self.assertNotIn(phrase, content, address)

    def test_vietnamese_mode_is_unchanged(self):
        for language in (None, "vi"):
            for address in (HOME, GUIDE, CATALOGUE):
                response = speaking(language).get(address)
                self.assertEqual(response.status_code, 200, address)
                content = response.content.decode()
                for phrase in VIETNAMESE[address]:
                    self.assertIn(phrase, content, (language, address))
                for phrase in ENGLISH[address]:
                    self.assertNotIn(phrase, content, (language, address))

    def test_links_on_the_english_home_page_keep_the_vietnamese_addresses(self):
        content = speaking("en").get(HOME).content.decode()
        self.assertIn(f'href="{GUIDE}"', content)
        self.assertNotIn("trang-chu-en", content)

    def test_each_demo_page_has_one_english_translation_at_the_same_address(self):
        english = Locale.objects.get(language_code="en")
        for model in (HomePage, StandardPage, CatalogPage):
            vietnamese_page = model.objects.get(locale=Locale.get_default())
            translation = vietnamese_page.get_translation(english)
            self.assertTrue(translation.live)
            self.assertEqual(translation.url, vietnamese_page.url)
            self.assertEqual(model.objects.count(), 2)

    def test_a_product_page_opens_in_english_mode(self):
        response = speaking("en").get(f"{CATALOGUE}che-shan-tuyet-co-thu-suoi-giang/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Chè Shan Tuyết cổ thụ Suối Giàng")  # the farmer's name

    def test_a_page_without_english_translation_shows_the_vietnamese_page(self):
        home = HomePage.objects.get(locale=Locale.get_default())
        home.add_child(
            instance=StandardPage(title="Phí vận chuyển", slug="phi-van-chuyen", intro="Miễn phí")
        )
        response = speaking("en").get("/phi-van-chuyen/")
        self.assertContains(response, "Phí vận chuyển")

    def test_a_missing_page_in_english_is_an_english_404_at_a_fixed_cost(self):
        client = speaking("en")
        client.get("/lan-dau/")
        with CaptureQueriesContext(connection) as shallow:
            response = client.get("/khong-co-trang-nay/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "Page not found", status_code=404)
        self.assertNotContains(response, "Không tìm thấy trang", status_code=404)
        with CaptureQueriesContext(connection) as deep:
            self.assertEqual(client.get("/a/b/c/d/e/f/g/h/").status_code, 404)
        self.assertEqual(len(shallow), len(deep))

    def test_seed_demo_twice_changes_nothing_and_keeps_edited_english_pages(self):
        guide = StandardPage.objects.get(locale__language_code="en")
        guide.intro = "Three simple steps."
        guide.save_revision().publish()
        pages, revisions = Page.objects.count(), Revision.objects.count()

        call_command("seed_demo", stdout=StringIO())

        self.assertEqual((Page.objects.count(), Revision.objects.count()), (pages, revisions))
        self.assertContains(speaking("en").get(GUIDE), "Three simple steps.")


def broken_view(request):
    raise RuntimeError("the database went away")


urlpatterns = [path("hong/", broken_view)]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
class ServerErrorPageTests(TestCase):
    def get(self, language):
        client = speaking(language)
        client.raise_request_exception = False
        response = client.get("/hong/")
        self.assertEqual(response.status_code, 500)
        return response.content.decode()

    def test_the_500_page_in_english_is_english(self):
        content = self.get("en")
        self.assertIn('<html lang="en">', content)
        self.assertIn("Sorry, something went wrong", content)
        self.assertIn("Please try again in a few minutes.", content)
        for phrase in ("Xin lỗi", "Lỗi máy chủ", "Vui lòng thử lại"):
            self.assertNotIn(phrase, content)

    def test_the_500_page_in_vietnamese_is_vietnamese(self):
        content = self.get(None)
        self.assertIn('<html lang="vi">', content)
        self.assertIn("<title>Lỗi máy chủ", content)
        self.assertIn("Xin lỗi, đã có lỗi xảy ra", content)
        self.assertNotIn("Sorry", content)


class EnglishLocaleMigrationTests(TestCase):
    def test_the_migration_adds_the_english_locale_once(self):
        add_english = import_module("marketplace.migrations.0014_english_locale").add_english
        Locale.objects.filter(language_code="en").delete()
        add_english(apps, None)
        add_english(apps, None)
        self.assertEqual(Locale.objects.filter(language_code="en").count(), 1)
