"""Pages and JSON leave gzip-compressed when the client accepts it: a phone on 3G gets the
catalogue and a label's provenance page in at most 10 KB. Files that are compressed already
(PDF, images) are sent as they are."""

import gzip
import re
from datetime import timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from config.middleware import GZipMiddleware
from marketplace.models import Product

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br", "HTTP_ACCEPT_LANGUAGE": "vi"}
WIRE_LIMIT = 10 * 1024

NAMES = ["Chè Shan Tuyết", "Mật ong bạc hà", "Quế Văn Yên", "Gạo Séng Cù", "Mận Tam Hoa"]
PLACES = ["Văn Chấn", "Suối Giàng", "Mù Cang Chải", "Bắc Hà", "Sa Pa", "Trạm Tấu"]


@pytest.fixture
def demo(home_page, settings, tmp_path):
    """seed_demo's site, then enough published listings for a full catalogue page with its
    page links (a busier page than the demo's own three listings)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    out = StringIO()
    call_command("seed_demo", stdout=out)
    tea = Product.objects.get(slug="che-shan-tuyet-co-thu-suoi-giang")
    for n in range(40):
        Product.objects.create(
            producer=tea.producer,
            name=f"{NAMES[n % len(NAMES)]} {PLACES[n % len(PLACES)]} loại {n % 7 + 1}",
            slug=f"nen-{n}",
            category=tea.category,
            price=(n + 3) * 17_000,
            unit="gói 200 g",
            shipping_weight_grams=250,
            quantity_available=n + 5,
            review_state=Product.Review.APPROVED,
            published_at=timezone.now() - timedelta(minutes=n),
        )
    label_url = re.search(r"Demo label.*?(http\S+)", out.getvalue()).group(1)
    return {"catalogue": "/san-pham/", "provenance": urlsplit(label_url).path}


@pytest.mark.parametrize("page", ["catalogue", "provenance"])
def test_page_is_gzipped_and_small_on_the_wire_when_the_client_accepts_it(client, demo, page):
    plain = client.get(demo[page], HTTP_ACCEPT_LANGUAGE="vi")
    packed = client.get(demo[page], **GZIP)
    assert plain.status_code == packed.status_code == 200
    assert not plain.has_header("Content-Encoding")
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"] and "Accept-Encoding" in plain["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert "</html>" in html and "Chè Shan Tuyết" in html
    assert len(packed.content) <= WIRE_LIMIT
    assert len(packed.content) < len(plain.content) / 2
    assert packed["Content-Length"] == str(len(packed.content))


def test_catalogue_page_has_a_full_page_of_cards(client, demo):
    """The size limit above is checked on a full page, not on an almost empty one."""
    response = client.get(demo["catalogue"], **GZIP)
    html = gzip.decompress(response.content).decode()
    assert "/san-pham/nen-0/" in html and "/san-pham/nen-39/" not in html
    assert "trang=2" in html  # 43 listings: this page and a next one


def test_json_feed_is_gzipped_with_random_padding_against_breach(client, demo):
    responses = [client.get("/vung-trong.geojson", **GZIP) for _ in range(8)]
    assert {response["Content-Encoding"] for response in responses} == {"gzip"}
    assert len({gzip.decompress(response.content) for response in responses}) == 1
    # Django pads each compressed response with 0 to 99 random bytes, so two of them may
    # match by chance (1 in 100); eight all of one length would be 1 in 100**7
    assert len({len(response.content) for response in responses}) > 1


def test_csrf_token_is_masked_anew_in_each_compressed_form(client, demo):
    tokens = []
    for _ in range(2):
        response = client.get("/tai-khoan/dang-nhap/", **GZIP)
        assert response["Content-Encoding"] == "gzip"
        html = gzip.decompress(response.content).decode()
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1))
    assert tokens[0] != tokens[1]


@pytest.mark.parametrize(
    ("content_type", "compressed"),
    [
        ("text/html; charset=utf-8", True),
        ("application/json", True),
        ("application/geo+json", True),
        ("text/csv", True),
        ("application/pdf", False),
        ("image/jpeg", False),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
    ],
)
def test_only_text_responses_are_compressed(content_type, compressed):
    body = b"Ch\xc3\xa8 Shan Tuy\xe1\xba\xbft " * 200
    middleware = GZipMiddleware(lambda request: HttpResponse(body, content_type=content_type))
    response = middleware(RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip"))
    assert response.has_header("Content-Encoding") is compressed
    assert (response.content == body) is not compressed
