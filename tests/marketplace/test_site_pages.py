"""The Wagtail site: home page, guide pages, settings, language switch and the demo data."""

from io import StringIO

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import TestCase
from wagtail.models import Page, Site
from wagtail.test.utils import WagtailPageTestCase

from accounts.models import User
from accounts.roles import Role
from marketplace.demo import GUIDE_SLUG
from marketplace.models import HomePage, SiteSettings, StandardPage


class HomePageTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        root = Page.get_first_root_node()
        for page in root.get_children():
            page.delete()
        cls.home = root.add_child(
            instance=HomePage(
                title="Chợ Phiên",
                slug="trang-chu",
                intro="Nông sản miền núi",
                body=[
                    {
                        "type": "hero",
                        "value": {
                            "heading": "Chè Shan Tuyết Văn Chấn",
                            "text": "Từ cây chè cổ thụ",
                            "image": None,
                            "link": {"text": "Xem", "page": None, "url": "/san-pham/"},
                        },
                    },
                    {
                        "type": "call_to_action",
                        "value": {
                            "audience": "farmer",
                            "title": "Bạn là nông dân?",
                            "text": "",
                            "link": {"text": "Đăng bán", "page": None, "url": "/ban-hang/"},
                        },
                    },
                ],
            )
        )
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=cls.home,
            is_default_site=True,
            site_name="Chợ Phiên",
        )
        cls.guide = cls.home.add_child(
            instance=StandardPage(
                title="Cách đăng bán sản phẩm",
                slug=GUIDE_SLUG,
                body=[{"type": "heading", "value": "1. Tạo tài khoản"}],
            )
        )

    def test_home_page_renders_its_blocks_in_vietnamese(self):
        self.assertPageIsRenderable(self.home)
        response = self.client.get("/")
        html = response.content.decode()
        self.assertIn('<html lang="vi">', html)
        self.assertIn("Chè Shan Tuyết Văn Chấn", html)
        self.assertIn('href="/ban-hang/"', html)
        self.assertIn("Đăng nhập", html)

    def test_pages_are_light(self):
        for url in ("/", f"/{GUIDE_SLUG}/"):
            response = self.client.get(url)
            self.assertLess(len(response.content), 100_000)

    def test_guide_page_renders(self):
        self.assertPageIsRenderable(self.guide)
        self.assertContains(self.client.get(f"/{GUIDE_SLUG}/"), "1. Tạo tài khoản")

    def test_page_tree_rules(self):
        self.assertCanCreateAt(HomePage, StandardPage)
        self.assertCanCreateAt(StandardPage, StandardPage)
        self.assertCanNotCreateAt(StandardPage, HomePage)
        self.assertAllowedParentPageTypes(HomePage, {Page})

    def test_english_switch(self):
        response = self.client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        self.assertEqual(response.status_code, 302)
        html = self.client.get("/").content.decode()
        self.assertIn('<html lang="en">', html)
        self.assertIn("Log in", html)

    def test_site_settings_show_in_every_page(self):
        settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
        settings.platform_name = "Chợ Phiên Lào Cai"
        settings.hotline = "0214 3840 000"
        settings.save()
        html = self.client.get("/").content.decode()
        self.assertIn("Chợ Phiên Lào Cai", html)
        self.assertIn('href="tel:02143840000"', html)
        self.assertEqual(settings.province.full_name, "Tỉnh Lào Cai")

    def test_public_pages_send_a_content_security_policy(self):
        policy = self.client.get("/")["Content-Security-Policy"]
        self.assertIn("default-src 'self'", policy)
        self.assertIn("script-src 'self'", policy)


class SeedDemoTests(TestCase):
    def test_seed_demo_builds_the_site_and_prints_logins(self):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        output = out.getvalue()
        self.assertIn("0912 000 001", output)
        self.assertIn("chophien-demo", output)
        site = Site.objects.get(is_default_site=True)
        self.assertIsInstance(site.root_page.specific, HomePage)
        self.assertTrue(StandardPage.objects.filter(slug=GUIDE_SLUG).exists())
        for role in Role:
            self.assertTrue(User.objects.filter(groups__name=role.value).exists(), role)
        moderator = User.objects.get(phone="+84912000001")
        self.assertTrue(moderator.has_perm("wagtailadmin.access_admin"))
        self.assertEqual(self.client.get("/").status_code, 200)

    def test_running_it_twice_changes_nothing(self):
        call_command("seed_demo", stdout=StringIO())
        counts = (
            User.objects.count(),
            Page.objects.count(),
            Group.objects.count(),
            Site.objects.count(),
        )
        call_command("seed_demo", stdout=StringIO())
        self.assertEqual(
            counts,
            (
                User.objects.count(),
                Page.objects.count(),
                Group.objects.count(),
                Site.objects.count(),
            ),
        )


class LanguageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", stdout=StringIO())

    def test_vietnamese_even_for_a_phone_set_to_english(self):
        html = self.client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
        self.assertIn('<html lang="vi">', html)

    def test_the_switch_is_remembered(self):
        self.client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        html = self.client.get("/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
        self.assertIn('<html lang="en">', html)
