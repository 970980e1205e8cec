"""The Wagtail admin speaks Vietnamese: the sign-in page, the menus and the dashboard show no
English that Wagtail's own Vietnamese catalogue left out, and the project's translations of
those messages survive `make messages`."""

import ast
import html
import json
import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
VI = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"

# English a moderator saw on these pages before; each must now be Vietnamese.
ENGLISH = {
    "Sign in",
    "Sign in to Wagtail",
    "Password",
    "Forgotten password?",
    "Remember me",
    "Skip to main content",
    "Images",
    "Documents",
    "Snippets",
    "Reports",
    "Help",
    "Site summary",
    "Keyboard shortcuts",
    "Locked pages",
    "Site history",
    "Collections",
    "Redirects",
    "Workflows",
    "Editor Guide",
    "Shortcuts",
    "Add an image",
    "Add documents",
    "Wagtail upgrade available",
}


def visible_text(page):
    """The lines a person reads: text between tags, and the sidebar menu's labels (drawn by
    the admin's script from JSON)."""
    labels = [
        json.loads(f'"{label}"') for label in re.findall(r'"label": "((?:[^"\\]|\\.)*)"', page)
    ]
    page = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    lines = [html.unescape(line).strip() for line in re.sub(r"<[^>]+>", "\n", page).splitlines()]
    return {line for line in lines if line} | set(labels)


@pytest.mark.django_db
def test_sign_in_page_is_vietnamese(client):
    text = visible_text(client.get("/admin/login/").content.decode())
    assert {"Đăng nhập", "Mật khẩu", "Quên mật khẩu?", "Ghi nhớ đăng nhập"} <= text
    assert text & ENGLISH == set()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/images/", "/admin/documents/", "/admin/snippets/"]
)
def test_menus_and_dashboard_are_vietnamese(client, make_user, home_page, url):
    client.force_login(make_user(is_superuser=True, is_staff=True))
    response = client.get(url)
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert {"Hình ảnh", "Tài liệu", "Dữ liệu khác", "Báo cáo", "Trợ giúp"} <= text  # the menu
    assert text & ENGLISH == set()
    if url == "/admin/":
        assert "Tóm tắt trang web" in text and "1 trang" in text


def test_the_overrides_are_kept_in_source_so_extraction_keeps_them():
    """`make messages` runs makemessages with --no-obsolete: a message found in no source file
    is dropped. Every message translated for Wagtail is named in config/wagtail_strings.py."""
    module = ast.parse((ROOT / "config" / "wagtail_strings.py").read_text())
    named = {
        node.args[0].value
        for node in ast.walk(module)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") in {"gettext_noop", "ngettext_lazy"}
    }
    overrides = {
        entry.msgid
        for entry in polib.pofile(str(VI))
        if any(path == "config/wagtail_strings.py" for path, _line in entry.occurrences)
    }
    assert len(overrides) > 150
    assert overrides <= named
    assert {"Images", "Documents", "Snippets", "Reports", "Help", "Sign in"} <= named
