"""A label page is kept whole for visitors without a session: a repeat view costs one
statement (its scan) and still shows every change at once."""

import gzip

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from traceability import page_cache, printing
from traceability.models import Scan

from .test_scans import PHONE, label_path


def view(client, label, ip):
    return client.get(label_path(label), REMOTE_ADDR=ip, HTTP_USER_AGENT=PHONE)


def test_a_repeat_view_is_one_statement_and_its_scan_is_still_logged(client, label):
    view(client, label, "27.72.3.1")  # the first page of the site makes its settings row
    first = view(client, label, "27.72.4.1")
    with CaptureQueriesContext(connection) as queries:
        again = view(client, label, "14.160.1.5")
    assert len(queries) == 1
    assert again.content == first.content
    assert label.batch.product.name in again.content.decode()
    assert Scan.objects.filter(label=label).count() == 3
    # every scan must reach us
    assert set(again["Cache-Control"].split(", ")) == {"private", "no-store"}


def test_a_kept_page_is_the_same_bytes_for_everyone_and_compressed_once(client, label):
    """No visitor's own token on a kept page, no CSRF cookie: every visitor whose browser
    accepts gzip gets the very bytes compressed when the page was kept, the others the page."""
    view(client, label, "27.72.3.1")  # the first page of the site makes its settings row
    first = view(client, label, "27.72.4.1").content.decode()
    assert "csrfmiddlewaretoken" not in first
    answers = []
    for ip in ("14.160.1.5", "14.160.2.5"):
        client.cookies.clear()
        answer = client.get(
            label_path(label), REMOTE_ADDR=ip, HTTP_USER_AGENT=PHONE, HTTP_ACCEPT_ENCODING="gzip"
        )
        assert answer["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in answer["Vary"]
        assert "csrftoken" not in answer.cookies
        answers.append(answer.content)
    assert answers[0] == answers[1]  # compressed once, not per visitor
    assert gzip.decompress(answers[0]).decode() == first
    plain = view(client, label, "14.160.3.5")
    assert not plain.has_header("Content-Encoding")
    assert "Accept-Encoding" in plain["Vary"]
    assert plain.content.decode() == first
    assert Scan.objects.filter(label=label).count() == 5


def test_a_page_holding_a_form_token_is_not_kept(label):
    """Should a form with a token ever appear on a label page, it is never handed to others."""
    path = label_path(label)
    generation, _page = page_cache.kept_page(path, "vi")
    token = '<input type="hidden" name="csrfmiddlewaretoken" value="bi-mat">'
    page = {"body": f"<form>{token}</form>", "link": "", "label_id": label.pk}
    page_cache.keep_page(path, "vi", generation, page)
    assert page_cache.kept_page(path, "vi")[1] is None
    page_cache.keep_page(path, "vi", generation, {**page, "body": "<p>Chè</p>"})
    assert page_cache.kept_page(path, "vi")[1]["body"] == "<p>Chè</p>"


def test_a_voided_run_shows_on_the_next_view_and_its_scans_are_logged_as_voided(
    client, label, producer_user
):
    view(client, label, "27.72.3.1")
    assert 'role="alert"' not in view(client, label, "27.72.4.1").content.decode()
    printing.void_run(label.print_run, "Mất cuộn tem", by=producer_user)
    page = view(client, label, "14.160.1.5").content.decode()
    assert 'role="alert"' in page
    assert view(client, label, "14.160.2.5").status_code == 200  # now kept voided
    assert Scan.objects.filter(label=label, outcome="voided").count() == 2


def test_a_signed_in_visitor_neither_gets_nor_leaves_a_kept_page(client, label, producer_user):
    view(client, label, "27.72.3.1")
    view(client, label, "27.72.4.1")
    client.force_login(producer_user)
    assert "Đăng xuất" in view(client, label, "14.160.1.5").content.decode()
    client.logout()
    client.cookies.clear()
    assert "Đăng xuất" not in view(client, label, "14.160.2.5").content.decode()


def test_with_a_shared_cache_a_process_serves_its_own_copy_and_sees_changes_within_a_second(
    client, label, settings, tmp_path, monkeypatch
):
    # a cache server shared by the web processes (a file cache stands in for Redis here)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    clock = [1000.0]
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: clock[0])
    view(client, label, "27.72.3.1")
    view(client, label, "27.72.4.1")
    with CaptureQueriesContext(connection) as queries:
        view(client, label, "14.160.1.5")
    assert len(queries) == 1
    # another process changes the batch: this one keeps its copy for up to a second …
    cache.set(page_cache.GENERATION_KEY, "changed elsewhere", None)
    clock[0] += page_cache.LOCAL_CHECK_SECONDS / 2
    with CaptureQueriesContext(connection) as queries:
        view(client, label, "14.160.2.5")
    assert len(queries) == 1
    # … and builds the page again once the second is over
    clock[0] += page_cache.LOCAL_CHECK_SECONDS
    with CaptureQueriesContext(connection) as queries:
        view(client, label, "14.160.3.5")
    assert len(queries) > 1
    # a change made in this process shows at once
    printing.void_label(label, "Tem bị bóc", by=None)
    assert 'role="alert"' in view(client, label, "14.160.4.5").content.decode()
    # and no copy outlives PAGE_SECONDS, even with no change signalled
    with CaptureQueriesContext(connection) as queries:
        view(client, label, "14.160.5.5")
    assert len(queries) == 1
    clock[0] += page_cache.PAGE_SECONDS
    cache.delete(page_cache._page_key(label_path(label), "vi"))  # gone from the shared cache
    with CaptureQueriesContext(connection) as queries:
        view(client, label, "14.160.6.5")
    assert len(queries) > 1
