"""The catalogue at a million products: word search, counts that stop at a limit, cards at a
fixed number of queries, anonymous pages from the cache. No test times anything."""

import pytest
from django.conf import settings as django_settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from marketplace import catalogue_cache, views

pytestmark = pytest.mark.django_db


def names(response):
    return sorted(p.name for p in response.context["page_obj"].object_list)


def test_a_diacritic_free_phrase_finds_the_accented_names(
    client, catalog_page, make_producer, make_product
):
    producer = make_producer(name="Hộ Giàng A Dơ")
    make_product(producer, name="Chè Shan Tuyết Suối Giàng", photos=0)
    make_product(producer, name="Chè xanh Thái", photos=0)
    assert names(client.get("/san-pham/", {"q": "che shan tuyet"})) == ["Chè Shan Tuyết Suối Giàng"]
    assert names(client.get("/san-pham/", {"q": "CHÈ SHAN"})) == ["Chè Shan Tuyết Suối Giàng"]
    # words are matched from their start: "shan" begins "shan", "tuy" begins "tuyết"
    assert names(client.get("/san-pham/", {"q": "shan tuy"})) == ["Chè Shan Tuyết Suối Giàng"]
    assert names(client.get("/san-pham/", {"q": "han"})) == []


def test_d_and_dj_are_the_same_letter_in_a_search(
    client, catalog_page, make_producer, make_product
):
    producer = make_producer(name="Hộ Lục Yên")
    make_product(producer, name="Đậu đen xanh lòng", photos=0)
    make_product(producer, name="Dâu tây Mộc Châu", photos=0)
    assert names(client.get("/san-pham/", {"q": "dau den"})) == ["Đậu đen xanh lòng"]
    assert names(client.get("/san-pham/", {"q": "đậu đen"})) == ["Đậu đen xanh lòng"]
    assert names(client.get("/san-pham/", {"q": "đâu tây"})) == ["Dâu tây Mộc Châu"]


def test_a_two_letter_word_matches_whole_words_only(
    client, catalog_page, make_producer, make_product
):
    producer = make_producer(name="Hợp tác xã Bắc Hà")
    make_product(producer, name="Mật ong Sa Pa", photos=0)
    make_product(producer, name="Rau cải sả Pa Cheo", photos=0)
    make_product(producer, name="Chè sang Pác Ngòi", photos=0)
    make_product(producer, name="Gạo sạch Sapa", photos=0)
    assert names(client.get("/san-pham/", {"q": "sa pa"})) == [
        "Mật ong Sa Pa",
        "Rau cải sả Pa Cheo",
    ]
    assert names(client.get("/san-pham/", {"q": "Sa Pa mật"})) == ["Mật ong Sa Pa"]
    # three letters or more also match the words they begin
    assert names(client.get("/san-pham/", {"q": "sap"})) == ["Gạo sạch Sapa"]


def test_punctuation_alone_searches_for_nothing_and_hurts_nothing(
    client, catalog_page, producer, make_product
):
    make_product(producer, name="Mận Tam Hoa", photos=0)
    assert names(client.get("/san-pham/", {"q": "!!! & | :*"})) == ["Mận Tam Hoa"]
    assert names(client.get("/san-pham/", {"q": "mận & | tam:*"})) == ["Mận Tam Hoa"]


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(views, "COUNT_LIMIT", 3)
    monkeypatch.setattr(views, "SEARCH_COUNT_LIMIT", 3)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)


def test_past_the_limit_the_catalogue_says_more_than_and_stops_counting(
    client, catalog_page, producer, make_product, small_limit
):
    for n in range(6):
        make_product(producer, name=f"Chè búp {n}", photos=0)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/san-pham/", {"q": "che"})
    html = response.content.decode()
    assert "Hơn 3 sản phẩm" in html
    assert "6 sản phẩm" not in html
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 4" in sql for sql in counts)
    # the pages stop at the limit, and their links work without JavaScript
    assert "Trang 1 (còn nhiều trang)" in html
    assert "?q=che&amp;trang=2" in html
    second = client.get("/san-pham/", {"q": "che", "trang": 2})
    assert len(second.context["page_obj"].object_list) == 1
    assert 'rel="next"' not in second.content.decode()


def test_a_search_counts_less_far_than_browsing(
    client, catalog_page, producer, make_product, monkeypatch
):
    monkeypatch.setattr(views, "COUNT_LIMIT", 10)
    monkeypatch.setattr(views, "SEARCH_COUNT_LIMIT", 3)
    for n in range(6):
        make_product(producer, name=f"Chè búp {n}", photos=0)
    assert "6 sản phẩm" in client.get("/san-pham/").content.decode()
    assert "Hơn 3 sản phẩm" in client.get("/san-pham/", {"q": "bup"}).content.decode()


def test_under_the_limit_the_count_is_exact(
    client, catalog_page, producer, make_product, small_limit
):
    for n in range(3):
        make_product(producer, name=f"Chè búp {n}", photos=0)
    html = client.get("/san-pham/").content.decode()
    assert "3 sản phẩm" in html and "Hơn" not in html
    assert "Trang 1/2" in html and "còn nhiều trang" not in html


def test_cards_cost_the_same_queries_whatever_their_number(
    client, catalog_page, producer, make_product, django_assert_num_queries
):
    make_product(producer, photos=1)
    client.get("/san-pham/")  # renditions are made on the first view
    with CaptureQueriesContext(connection) as one_card:
        client.get("/san-pham/")
    one_card = len(one_card.captured_queries)  # read before the next request resets the log
    assert one_card > 0
    for _ in range(7):
        make_product(producer, photos=2)
    client.get("/san-pham/")
    with django_assert_num_queries(one_card):
        response = client.get("/san-pham/")
    assert len(response.context["page_obj"].object_list) == 8


def counts(queries):
    return sum("COUNT(" in query["sql"] for query in queries.captured_queries)


def test_a_kept_count_serves_the_same_search_by_anyone_and_its_next_pages(
    catalog_page, producer, make_product, settings, monkeypatch
):
    """The number of matches of a search and filters is counted once per
    CATALOGUE_COUNT_SECONDS; the listed page is read afresh each time."""
    settings.CATALOGUE_COUNT_SECONDS = 300
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for n in range(3):
        make_product(producer, name=f"Chè búp {n}", photos=0)
    with CaptureQueriesContext(connection) as first:
        html = Client().get("/san-pham/", {"q": "che"}).content.decode()
    assert counts(first) == 1 and "3 sản phẩm" in html
    make_product(producer, name="Chè búp mới", photos=0)
    with CaptureQueriesContext(connection) as again:
        html = Client().get("/san-pham/", {"q": "chè"}).content.decode()  # the same words
    assert counts(again) == 0
    assert "3 sản phẩm" in html  # the kept count lags the new listing …
    assert "Chè búp mới" in html  # … the page does not
    with CaptureQueriesContext(connection) as next_page:
        Client().get("/san-pham/", {"q": "che", "trang": 2})
    assert counts(next_page) == 0
    # other words or another filter are another count
    with CaptureQueriesContext(connection) as other:
        Client().get("/san-pham/", {"q": "che", "category": "tea"})
    assert counts(other) == 1
    settings.CATALOGUE_COUNT_SECONDS = 0
    with CaptureQueriesContext(connection) as off:
        html = Client().get("/san-pham/", {"q": "che"}).content.decode()
    assert counts(off) == 1 and "4 sản phẩm" in html


@pytest.fixture
def cached(settings):
    settings.CATALOGUE_CACHE_SECONDS = 60


def test_an_anonymous_visitor_gets_the_page_from_the_cache(
    catalog_page, producer, make_product, cached
):
    make_product(producer, name="Chè búp", photos=0)
    visitor = Client()
    assert "Chè búp" in visitor.get("/san-pham/?q=che").content.decode()
    make_product(producer, name="Chè xanh mới", photos=0)
    with CaptureQueriesContext(connection) as queries:
        html = Client().get("/san-pham/?q=che").content.decode()
    assert "Chè búp" in html and "Chè xanh mới" not in html  # kept for a minute
    assert not [q for q in queries if "marketplace_product" in q["sql"]]
    assert len(queries) == 0
    # another address is another page
    assert "Chè xanh mới" in Client().get("/san-pham/?q=xanh").content.decode()


def test_the_cache_setting_at_zero_turns_it_off(catalog_page, producer, make_product, settings):
    settings.CATALOGUE_CACHE_SECONDS = 0
    make_product(producer, name="Chè búp", photos=0)
    Client().get("/san-pham/")
    make_product(producer, name="Chè xanh mới", photos=0)
    assert "Chè xanh mới" in Client().get("/san-pham/").content.decode()


def test_a_logged_in_users_page_is_never_cached(
    client, catalog_page, producer, make_product, make_user, cached
):
    make_product(producer, name="Chè búp", photos=0)
    client.force_login(make_user())
    client.get("/san-pham/")
    Client().get("/san-pham/")  # an anonymous visitor fills the cache
    make_product(producer, name="Chè xanh mới", photos=0)
    assert "Chè xanh mới" in client.get("/san-pham/").content.decode()
    assert "Chè xanh mới" not in Client().get("/san-pham/").content.decode()


def test_a_visitor_with_a_cart_or_a_message_is_not_served_from_the_cache(
    catalog_page, producer, make_product, cached
):
    make_product(producer, name="Chè búp", photos=0)
    Client().get("/san-pham/")
    make_product(producer, name="Chè xanh mới", photos=0)
    with_session = Client()
    session = with_session.session
    session["cart"] = {}
    session.save()
    with_session.cookies["sessionid"] = session.session_key
    assert "Chè xanh mới" in with_session.get("/san-pham/").content.decode()
    # a message waiting in a cookie: the page shows it, and is neither served nor kept
    messenger = Client()
    storage = CookieStorage(RequestFactory().get("/"))
    response = HttpResponse()
    storage.add(20, "Đã lưu.")
    storage.update(response)
    messenger.cookies["messages"] = response.cookies["messages"].value
    page = messenger.get("/san-pham/?q=che")
    assert "Đã lưu." in page.content.decode()
    assert "Đã lưu." not in Client().get("/san-pham/?q=che").content.decode()


def test_the_language_switch_on_a_cached_page_works_without_a_token(
    catalog_page, producer, make_product, cached
):
    """A cached page is the same bytes for everyone, so it carries no form token; its
    language switch works without one, and still sends nobody off the site."""
    make_product(producer, name="Chè búp", photos=0)
    Client().get("/san-pham/")
    visitor = Client(enforce_csrf_checks=True)
    html = visitor.get("/san-pham/").content.decode()
    assert "csrfmiddlewaretoken" not in html
    assert "csrftoken" not in visitor.cookies
    answer = visitor.post("/i18n/setlang/", {"language": "en", "next": "/san-pham/"})
    assert (answer.status_code, answer["Location"]) == (302, "/san-pham/")
    assert answer.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert 'lang="en"' in visitor.get("/san-pham/").content.decode()[:200]
    away = visitor.post("/i18n/setlang/", {"language": "en", "next": "https://lua-dao.example/"})
    assert "lua-dao.example" not in away.get("Location", "")


def test_a_page_with_a_form_token_is_never_kept_for_others(rf, settings):
    """Should a form with a token ever appear on the catalogue page, the page is served to
    its visitor but kept for nobody else."""
    settings.CATALOGUE_CACHE_SECONDS = 60
    request = rf.get("/san-pham/")
    form = '<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="bi-mat">'
    catalogue_cache.keep_page(request, HttpResponse(form))
    assert catalogue_cache.cached_page(request) is None
    catalogue_cache.keep_page(request, HttpResponse("<p>Chè búp</p>"))
    assert catalogue_cache.cached_page(request).content.decode() == "<p>Chè búp</p>"


def test_a_common_word_walks_the_newest_listings_and_finds_the_same_page(
    client, catalog_page, producer, make_product, monkeypatch
):
    for n in range(5):
        make_product(producer, name=f"Chè búp {n}", photos=0)
    make_product(producer, name="Mật ong rừng", photos=0)
    through_the_index = [p.name for p in client.get("/san-pham/?q=bup").context["page_obj"]]
    monkeypatch.setattr(views, "WALK_FROM", 3)  # "bup" is now a common word
    with CaptureQueriesContext(connection) as queries:
        walked = [p.name for p in client.get("/san-pham/?q=bup").context["page_obj"]]
    assert walked == through_the_index and len(walked) == 5
    assert "Mật ong rừng" not in walked
    if connection.vendor == "postgresql":
        assert any("set_config('enable_sort', 'off', true)" in q["sql"] for q in queries)
