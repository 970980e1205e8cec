"""The resolver against public vectors and GS1's resolver conformance criteria.

Every case names its source; the data are copies in tests/traceability/vectors/ whose headers
name the repository, path and commit:

- gs1_syntax_engine_dl_uris.tsv: Digital Link URI syntax (gs1/gs1-syntax-engine, dl.c);
- digital_link_js_compression.tsv: compressed URIs (gs1/digital-link.js, tests/index.js);
- gs1-linkset-schema.json: GS1's linkset JSON schema (gs1/linkset, via phochste/linkset);
- gs1_resolver_conformance_1_2.txt: the conformance criteria of the GS1-Conformant Resolver
  (gs1/GS1DL-resolver-testsuite, Conformance1_2.txt), numbered from 1 in their order.
"""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from django.utils import timezone

from traceability import services
from traceability.digital_link import DigitalLinkError, decompress, parse
from traceability.gs1 import ai_table
from traceability.models import Scan

from .conftest import GTIN, pdf_upload

VECTORS = Path(__file__).parent / "vectors"
SITE = "https://chophien.vn"


def _rows(name):
    lines = (VECTORS / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


def _criteria():
    lines = (VECTORS / "gs1_resolver_conformance_1_2.txt").read_text(encoding="utf-8")
    return [line for line in lines.splitlines() if line and not line.startswith("#")]


def criterion(number, words):
    """Checks that criterion ``number`` of the copied list says ``words``: the test that cites
    it cannot drift from its source."""
    assert words in _criteria()[number - 1]


SYNTAX = _rows("gs1_syntax_engine_dl_uris.tsv")
GTIN_SYNTAX = [row for row in SYNTAX if urlsplit(row[3]).path.startswith("/01/")]
# Parcels (AI 00, SSCC) are resolved too, by the postal side; every other key is refused.
SSCC_SYNTAX = [row for row in SYNTAX if "/00/" in urlsplit(row[3]).path]
OTHER_KEY_SYNTAX = [
    row for row in SYNTAX if not urlsplit(row[3]).path.startswith("/01/") and row not in SSCC_SYNTAX
]
COMPRESSED = _rows("digital_link_js_compression.tsv")


def element_string(link):
    """The GS1 element string of a parsed link, written as gs1-syntax-engine writes it: "^"
    first and after every AI whose length is not predefined, unless it is the last."""
    table = ai_table()
    pairs = [("01", link.gtin), *link.qualifiers.items(), *link.attributes.items()]
    out = "^"
    for index, (ai, value) in enumerate(pairs):
        out += ai + value
        if not table[ai].fixed_length and index < len(pairs) - 1:
            out += "^"
    return out


def get(client, path, **extra):
    extra.setdefault("HTTP_ACCEPT_LANGUAGE", "vi")
    return client.get(path, **extra)


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE


# --- gs1-syntax-engine: src/c-lib/dl.c, test_dl_parseDLuri() ------------------------------


@pytest.mark.parametrize(
    ("line", "expect", "option", "uri", "expected"), GTIN_SYNTAX, ids=[r[0] for r in GTIN_SYNTAX]
)
def test_gs1_syntax_engine_gtin_vectors(line, expect, option, uri, expected):
    parts = urlsplit(uri)
    if expect == "invalid":
        with pytest.raises(DigitalLinkError):
            parse(parts.path, parts.query)
        return
    link = parse(parts.path, parts.query)
    assert element_string(link) == expected
    # a GTIN-8, -12 or -13 is accepted and redirected to its 14-digit form
    assert link.needs_redirect == (option == "zero-suppressed")


@pytest.mark.parametrize(
    ("line", "expect", "option", "uri", "expected"), GTIN_SYNTAX, ids=[r[0] for r in GTIN_SYNTAX]
)
def test_gs1_syntax_engine_gtin_vectors_over_http(db, client, line, expect, option, uri, expected):
    parts = urlsplit(uri)
    response = get(client, parts.path + (f"?{parts.query}" if parts.query else ""))
    if expect == "invalid":
        assert response.status_code == 400
    elif option == "zero-suppressed":
        assert response.status_code == 301
    else:  # well formed, but no product here has that GTIN
        assert response.status_code == 404


@pytest.mark.parametrize(
    ("line", "expect", "option", "uri", "expected"),
    OTHER_KEY_SYNTAX,
    ids=[r[0] for r in OTHER_KEY_SYNTAX],
)
def test_gs1_syntax_engine_other_primary_keys_are_400_never_a_redirect(
    db, client, line, expect, option, uri, expected
):
    parts = urlsplit(uri)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    response = get(client, path, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    if expect == "valid":
        assert json.loads(response.content)["error"] == "unsupported_key"
    page = get(client, path).content.decode()
    assert "unsupported_key" not in page and "chỉ trả lời cho mã GTIN" in page


@pytest.mark.parametrize(
    ("line", "expect", "option", "uri", "expected"), SSCC_SYNTAX, ids=[r[0] for r in SSCC_SYNTAX]
)
def test_gs1_syntax_engine_sscc_vectors_are_answered_never_redirected(
    db, client, line, expect, option, uri, expected
):
    """A well-formed SSCC at the root that no parcel of ours has is 404 (with or without data
    attributes in the query); the same key under a path prefix is not ours to resolve: 400."""
    parts = urlsplit(uri)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    response = get(client, path, HTTP_ACCEPT="application/json")
    at_the_root = re.fullmatch(r"/00/\d{18}", parts.path) is not None
    assert response.status_code == (404 if at_the_root else 400)
    assert "error" in json.loads(response.content)


def test_a_key_qualifier_in_the_query_string_is_400_not_404(db, client):
    # gs1-syntax-engine dl.c line 1730: "AI in query params that should be in the path info"
    response = get(client, "/01/09520123456788?10=ABC123", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert json.loads(response.content)["error"] == "qualifier_in_query"
    # dl.c line 1735: "fine because we chose an alternate key qualifier"
    assert parse("/01/09520123456788/235/XYZ", "10=ABC123").attributes == {"10": "ABC123"}


# --- digital-link.js: tests/index.js, compression ------------------------------------------


@pytest.mark.parametrize(("compressed", "uncompressed"), COMPRESSED)
def test_digital_link_js_compressed_uris_decompress(compressed, uncompressed):
    parts, expected = urlsplit(compressed), urlsplit(uncompressed)
    path, query = decompress(parts.path.lstrip("/"))
    merged = "&".join(part for part in (query, parts.query) if part)
    assert (path, merged) == (expected.path, expected.query)


@pytest.mark.parametrize("segment", ["ban-hang", "abcdefghijk", "HxHKVAdpQ"])
def test_what_is_not_compressed_is_refused(segment):
    with pytest.raises(DigitalLinkError):
        decompress(segment)


def test_a_compressed_uri_is_answered_like_its_uncompressed_form(client, make_product, site):
    # GS1DL-resolver-testsuite Conformance1_2.txt, criteria 4 and 5
    criterion(4, "SHALL be able to decompress a URI")
    criterion(5, "owl:sameAs")
    make_product(gtin="09780345418913", name="Sách Ballantine")
    compressed, uncompressed = COMPRESSED[1]  # lot 231, serial 345345, best before 120820
    plain = get(client, urlsplit(uncompressed).path + "?" + urlsplit(uncompressed).query)
    packed = get(client, urlsplit(compressed).path)
    assert packed.status_code == plain.status_code == 200
    assert "Sách Ballantine" in packed.content.decode()
    assert "không có lô hàng nào mã 231" in packed.content.decode()
    same_as = f'<{SITE}/01/09780345418913/10/231/21/345345?15=120820>; rel="owl:sameAs"'
    assert same_as in packed["Link"] and 'rel="linkset"' in packed["Link"]
    assert packed["Access-Control-Allow-Origin"] == "*"
    # an address of the site that merely looks like one is still the site's 404
    assert get(client, "/khong-co-trang-nay").status_code in (301, 404)  # APPEND_SLASH or 404


# --- GS1 linkset schema ---------------------------------------------------------------------


@pytest.fixture
def certified(batch, producer_user):
    """The batch inspected twice, each time with a certificate."""
    for number in ("KN-2026-0315", "KN-2026-0316"):
        services.record_event(
            batch,
            kind="inspection",
            occurred_at=timezone.now(),
            by=producer_user,
            certificate_number=number,
            documents=[pdf_upload()],
        )
    return batch


def linkset(client, path):
    response = get(client, path, HTTP_ACCEPT="application/linkset+json")
    assert response.status_code == 200 and response["Content-Type"] == "application/linkset+json"
    return response, json.loads(response.content)


def test_linksets_validate_against_gs1s_linkset_schema(client, certified, label, site):
    schema = json.loads((VECTORS / "gs1-linkset-schema.json").read_text(encoding="utf-8"))
    for path in (label.path, f"/01/{GTIN}/10/{label.batch.lot}", f"/01/{GTIN}"):
        _, document = linkset(client, path)
        jsonschema.Draft7Validator(schema).validate(document)


def test_a_label_linkset_has_every_level_up_to_the_product(client, certified, label, site):
    # Conformance1_2.txt criterion 8: links of each level up to the primary key are included
    criterion(8, "any links associated with each level up to the primary key SHALL be included")
    response, document = linkset(client, label.path)
    anchors = [context["anchor"] for context in document["linkset"]]
    assert anchors == [
        SITE + label.path,
        f"{SITE}/01/{GTIN}/10/{label.batch.lot}",
        f"{SITE}/01/{GTIN}",
    ]
    lot = document["linkset"][1]
    assert "/epcis/events?gtin=" in lot["https://gs1.org/voc/epcis"][0]["href"]
    product = document["linkset"][2]
    assert product["https://gs1.org/voc/pip"][0]["href"].endswith(f"/{label.batch.product.slug}/")
    assert "https://gs1.org/voc/epcis" not in product
    # JSON-LD context by a Link header (GS1-Conformant Resolver, linkset as JSON-LD)
    assert 'rel="http://www.w3.org/ns/json-ld#context"' in response["Link"]
    assert not Scan.objects.exists()


def test_every_link_has_a_title_and_one_default_without_type_or_language(
    client, certified, label, site
):
    criterion(10, "SHALL recognise one available link as the default")
    criterion(11, "human-readable title")
    _, document = linkset(client, label.path)
    for context in document["linkset"]:
        for relation, links in context.items():
            if relation.startswith("https://gs1.org/voc/"):
                assert all(link["title"] and link["href"] for link in links), relation
        (default,) = context["https://gs1.org/voc/defaultLink"]
        assert set(default) == {"href", "title"}
        # listed again under its own link type, with type and language there
        assert default["href"] in [
            link["href"] for link in context["https://gs1.org/voc/traceability"]
        ]
    certificates = document["linkset"][0]["https://gs1.org/voc/certificationInfo"]
    assert len(certificates) == 2 and all(link["title"] for link in certificates)


# --- GS1DL-resolver-testsuite: Conformance1_2.txt -------------------------------------------


def test_criterion_1_get_head_and_options(client, label):
    criterion(1, "GET, HEAD and OPTIONS")
    assert get(client, label.path).status_code == 200
    assert client.head(label.path).status_code == 200
    assert client.options(label.path).status_code == 204


def test_criterion_3_cors(client, label):
    criterion(3, "SHALL support CORS")
    for response in (
        get(client, label.path),
        get(client, "/01/12345"),
        get(client, "/414/9520123456788"),
        client.options(label.path),
    ):
        assert response["Access-Control-Allow-Origin"] == "*"


def test_criterion_6_syntax_errors_are_400(client, batch):
    criterion(6, "report errors with an HTTP response code of 400")
    for path in (f"/01/{GTIN[:-1]}8", f"/01/{GTIN}/21/A/10/B", f"/01/{GTIN}?21=X"):
        assert get(client, path).status_code == 400


def test_criterion_7_no_200_for_an_error(client, batch):
    criterion(7, "SHALL NOT use a 200 OK response code")
    assert get(client, "/01/08934588012228").status_code == 404  # no such product
    assert get(client, f"/01/{GTIN}?linkType=gs1:recipeInfo").status_code == 404
    assert get(client, f"/01/{GTIN}?linkType=gs1:nonsense").status_code == 404


def test_criterion_9_redirects_carry_the_linkset_link(client, label, site):
    criterion(9, "even when redirecting")
    for path in (
        f"{label.path}?linkType=gs1:epcis",
        f"/01/{GTIN[1:]}/10/{label.batch.lot}",  # GTIN-13: 301 to GTIN-14
        f"/01/{GTIN}/21/{label.serial}",  # serial without lot: 302 to the label
    ):
        response = get(client, path)
        assert response.status_code in (301, 302), path
        assert 'rel="linkset"' in response["Link"]


def test_criterion_10_and_12_the_default_link_is_the_page_itself(client, label, site):
    # The default link of a label is its own provenance page, so it is answered in place
    # (a redirect to itself would loop) and the linkset says so.
    criterion(12, "SHALL redirect to the default link")
    _, document = linkset(client, label.path)
    assert document["linkset"][0]["https://gs1.org/voc/defaultLink"][0]["href"] == SITE + label.path
    assert get(client, f"{label.path}?linkType=gs1:defaultLink").status_code == 200


def test_criterion_13_and_16_redirect_to_the_requested_link_type(client, label):
    criterion(13, "SHALL redirect to the requested linkType if available")
    criterion(16, "SHALL recognise the GS1 Web vocabulary namespace")
    for link_type in ("gs1:pip", "https://gs1.org/voc/pip"):
        response = get(client, label.path, data={"linkType": link_type})
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == label.batch.product.get_absolute_url()


def test_criterion_13_several_links_of_one_type_answer_300(client, certified, label):
    response = get(client, f"{label.path}?linkType=gs1:certificationInfo")
    assert response.status_code == 300
    page = response.content.decode()
    assert page.count(".pdf") >= 2 and "Giấy chứng nhận kiểm định 2" in page
    assert response["Link"].count('rel="alternate"') == 2


def test_criterion_14_the_query_string_is_passed_on(client, label):
    criterion(14, "SHALL pass on all key=value pairs")
    response = get(client, f"{label.path}?linkType=gs1:epcis&utm_source=tem&17=270315")
    location = response["Location"]
    assert "/epcis/events?gtin=" in location
    assert "utm_source=tem" in location and "17=270315" in location
    response = get(client, f"/01/{GTIN}/21/{label.serial}?utm_source=tem")
    assert response["Location"] == f"{label.path}?utm_source=tem"


def test_criterion_15_resolver_description(client, site):
    criterion(15, "/.well-known/gs1resolver")
    data = json.loads(get(client, "/.well-known/gs1resolver").content)
    assert data["resolverRoot"] == SITE and data["supportedPrimaryKeys"] == ["01"]
    assert data["jsonLdContextLocation"].startswith("https://")


def test_criterion_18_trailing_slashes_are_tolerated(client, label):
    criterion(18, "SHOULD tolerate trailing slashes")
    with_slash = get(client, f"/01/{GTIN}/10/{label.batch.lot}/")
    without = get(client, f"/01/{GTIN}/10/{label.batch.lot}")
    assert with_slash.status_code == without.status_code == 200
    assert label.batch.lot in with_slash.content.decode()
