"""Browser tests: Debian's chromium driven by Playwright, against Django's live server on
127.0.0.1, at a cheap phone's viewport."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = {"width": 360, "height": 640}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
    # make between browser steps are still synchronous and safe. Only while browsers run.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session", autouse=True)
def site_serves_media():
    """Django's live server answers MEDIA_URL itself with django.views.static.serve, which
    trusts the extension; let the site's own media view (config/media.py) answer instead, so
    the browser sees what visitors see."""
    from django.test import testcases

    original = testcases._MediaFilesHandler._should_handle
    testcases._MediaFilesHandler._should_handle = lambda handler, path: False
    yield
    testcases._MediaFilesHandler._should_handle = original


@pytest.fixture
def phone(browser):
    """A new browser context sized like a cheap Android phone; screenshots go to artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
    yield context
    context.close()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
