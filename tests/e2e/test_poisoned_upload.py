"""Issue 1 on a 360×640 phone: files the old upload code kept under the uploader's name (an HTML
page hidden in a PNG, a script hidden in a GIF) are still in media/. A logged-in moderator who
opens them runs nothing: the page is a download, the script is refused by the browser."""

import pytest
from playwright.sync_api import Error as PlaywrightError

from accounts.roles import Role
from tests.conftest import PASSWORD
from tests.e2e.conftest import shot

# What the probe uploaded: each reads the review queue and posts it away if it ever runs.
STEAL = (
    "window.pwned=true;document.title='pwned';"
    "fetch('/admin/marketplace/review/').then(r=>r.text())"
    ".then(t=>fetch('/stolen/',{method:'POST',body:t}));"
)
HTML_IN_PNG = b"\x89PNG\r\n\x1a\n<html><body><script>" + STEAL.encode() + b"</script></body></html>"
JS_IN_GIF = b"GIF89a=1;" + STEAL.encode()


@pytest.fixture
def poisoned_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = settings.MEDIA_ROOT / "original_images"
    folder.mkdir(parents=True)
    (folder / "x.html").write_bytes(HTML_IN_PNG)
    (folder / "x.js").write_bytes(JS_IN_GIF)
    return folder


@pytest.mark.django_db(transaction=True)
def test_a_moderator_opening_a_poisoned_upload_runs_no_script(
    live_server, phone, make_user, poisoned_media
):
    moderator = make_user(Role.MODERATOR, phone="0977000222", full_name="Kiểm duyệt")
    stolen = []
    phone.on("request", lambda request: "/stolen/" in request.url and stolen.append(request))

    page = phone.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.locator("[name=username]").fill(moderator.phone)
    page.locator("[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("[type=submit]").first.click()
    title = page.title()

    # The HTML upload is handed over as a file to save, not opened as a page of the site.
    with page.expect_download() as download:
        try:
            page.goto(f"{live_server.url}/media/original_images/x.html")
        except PlaywrightError as error:  # a download aborts the navigation
            assert "Download is starting" in str(error)
    assert download.value.suggested_filename == "x.html"
    shot(page, "30-poisoned-upload")
    assert page.url.startswith(f"{live_server.url}/admin/")
    assert page.title() == title

    # A page that loads the GIF/JavaScript polyglot as a script of the site's own origin
    # (which the CSP's script-src 'self' allows) gets it refused by the browser.
    outcome = page.evaluate(
        """src => new Promise(done => {
            const script = document.createElement('script');
            script.onload = () => done('ran');
            script.onerror = () => done('refused');
            script.src = src;
            document.head.appendChild(script);
        })""",
        "/media/original_images/x.js",
    )
    assert outcome == "refused"
    page.wait_for_timeout(300)  # time for a stolen page to be posted, if anything ran
    assert page.evaluate("window.pwned") is None
    assert page.title() == title
    assert stolen == []
