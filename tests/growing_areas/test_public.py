"""The public registry pages and the GeoJSON feed."""

import json
from datetime import date, timedelta

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from growing_areas.models import Certification
from growing_areas.services import change_status

pytestmark = pytest.mark.django_db

RING = [
    [104.651, 21.640],
    [104.666, 21.642],
    [104.670, 21.636],
    [104.652, 21.630],
    [104.651, 21.640],
]
POLYGON = {"type": "Polygon", "coordinates": [RING]}

POSITION = {"type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "number"}}
RING_SCHEMA = {"type": "array", "minItems": 4, "items": POSITION}
# The parts of RFC 7946 the feed uses: a FeatureCollection of Features whose geometry is a
# Point, a Polygon, a MultiPolygon or null, with the agreed properties.
GEOJSON_SCHEMA = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"const": "Feature"},
                    "geometry": {
                        "oneOf": [
                            {"type": "null"},
                            {
                                "type": "object",
                                "required": ["type", "coordinates"],
                                "properties": {
                                    "type": {"const": "Point"},
                                    "coordinates": POSITION,
                                },
                            },
                            {
                                "type": "object",
                                "required": ["type", "coordinates"],
                                "properties": {
                                    "type": {"const": "Polygon"},
                                    "coordinates": {
                                        "type": "array",
                                        "minItems": 1,
                                        "items": RING_SCHEMA,
                                    },
                                },
                            },
                            {
                                "type": "object",
                                "required": ["type", "coordinates"],
                                "properties": {
                                    "type": {"const": "MultiPolygon"},
                                    "coordinates": {
                                        "type": "array",
                                        "items": {
                                            "type": "array",
                                            "minItems": 1,
                                            "items": RING_SCHEMA,
                                        },
                                    },
                                },
                            },
                        ]
                    },
                    "properties": {
                        "type": "object",
                        "required": ["code", "name", "crop", "status"],
                        "properties": {
                            "code": {"type": "string", "minLength": 1},
                            "name": {"type": "string"},
                            "crop": {"type": "string"},
                            "status": {"enum": ["active", "suspended", "revoked"]},
                        },
                    },
                },
            },
        },
    },
}


@pytest.fixture
def tea(make_area, moderator):
    area = make_area(
        code="LC-VC-CHE-001",
        name="Vùng chè Shan Tuyết Suối Giàng",
        crop="Chè",
        variety="Shan Tuyết",
        boundary=POLYGON,
        households=86,
        valid_until=date(2029, 6, 30),
    )
    Certification.objects.create(
        area=area, scheme="vietgap", number="VG-0089", valid_until=date(2027, 3, 14)
    )
    Certification.objects.create(
        area=area, scheme="organic", number="HC-0457", valid_until=date(2020, 1, 1)
    )
    return area


def test_detail_page_shows_the_area_with_its_outline(client, home_page, tea):
    response = client.get("/vung-trong/LC-VC-CHE-001/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vùng chè Shan Tuyết Suối Giàng" in html
    assert "Shan Tuyết" in html and "Xã Văn Chấn" in html
    assert 'class="badge badge-ok"' in html
    assert "VG-0089" in html and "14/03/2027" in html and "HC-0457" in html
    assert html.count("<svg") == 1 and '<path d="M' in html and ' Z"' in html
    assert "<script" not in html  # the outline needs no script and no map tiles
    assert len(response.content) < 100 * 1024


def test_detail_page_accepts_a_lower_case_code(client, home_page, tea):
    response = client.get("/vung-trong/lc-vc-che-001/")
    assert response.status_code == 301
    assert response["Location"] == "/vung-trong/LC-VC-CHE-001/"
    assert client.get("/vung-trong/NO-SUCH-CODE/").status_code == 404


def test_a_suspended_or_expired_area_says_so(client, home_page, make_area, moderator):
    suspended = make_area(code="S-1")
    change_status(suspended, "suspended", reason="Kiểm tra dư lượng", by=moderator)
    expired = make_area(code="E-1", valid_until=timezone.localdate() - timedelta(days=1))
    html = client.get("/vung-trong/S-1/").content.decode()
    assert "badge-warn" in html and 'class="notice notice-warning"' in html
    html = client.get("/vung-trong/E-1/").content.decode()
    assert "badge-bad" in html and expired.valid_until.strftime("%d/%m/%Y") in html


def test_list_filters_by_province_crop_and_status(client, home_page, make_area, moderator):
    make_area(code="TEA-1", crop="Chè")
    make_area(code="RICE-1", crop="Lúa", commune_code="04456")
    make_area(code="MANGO-1", crop="Xoài", province_code="14", commune_code="03980")
    change_status(make_area(code="TEA-2", crop="Chè"), "revoked", reason="Hết điều kiện")

    def codes(query):
        response = client.get("/vung-trong/", query)
        assert response.status_code == 200
        return {a.code for a in response.context["page"].object_list}

    assert codes({}) == {"TEA-1", "TEA-2", "RICE-1", "MANGO-1"}
    assert codes({"province": "14"}) == {"MANGO-1"}
    assert codes({"crop": "Chè"}) == {"TEA-1", "TEA-2"}
    assert codes({"crop": "Chè", "status": "active"}) == {"TEA-1"}


def test_list_is_paginated(client, home_page, make_area):
    for _ in range(25):
        make_area()
    first = client.get("/vung-trong/")
    assert len(first.context["page"].object_list) == 20
    assert 'rel="next"' in first.content.decode()
    second = client.get("/vung-trong/", {"page": 2})
    assert len(second.context["page"].object_list) == 5


def _queries(client, url, count, make_area):
    for _ in range(count):
        make_area(boundary=POLYGON, latitude="21.6", longitude="104.6")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/vung-trong/", "/vung-trong.geojson"])
def test_list_and_feed_run_the_same_queries_whatever_the_number_of_areas(
    client, home_page, make_area, url
):
    client.get(url)  # warm the site and settings caches alike for both counts
    few = _queries(client, url, 3, make_area)
    many = _queries(client, url, 27, make_area)  # 30 areas in all
    assert few == many
    assert many <= 6


def test_geojson_feed_is_a_valid_feature_collection(client, tea, make_area):
    make_area(code="POINT-1", latitude="22.5", longitude="104.3")
    make_area(code="NOWHERE-1")
    response = client.get("/vung-trong.geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    jsonschema.validate(data, GEOJSON_SCHEMA)
    features = {f["properties"]["code"]: f for f in data["features"]}
    assert features["LC-VC-CHE-001"]["geometry"] == POLYGON
    assert features["LC-VC-CHE-001"]["properties"]["crop"] == "Chè"
    assert features["POINT-1"]["geometry"] == {"type": "Point", "coordinates": [104.3, 22.5]}
    assert features["NOWHERE-1"]["geometry"] is None
    assert {f["properties"]["status"] for f in data["features"]} == {"active"}


def test_the_schema_catches_a_broken_feed():
    broken = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[[1, 2]]]},
                "properties": {"code": "A", "name": "", "crop": "", "status": "active"},
            }
        ],
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, GEOJSON_SCHEMA)


def test_geojson_feed_follows_the_filters(client, make_area):
    make_area(code="TEA-1", crop="Chè")
    make_area(code="RICE-1", crop="Lúa", commune_code="04456")
    data = client.get("/vung-trong.geojson", {"crop": "Lúa"}).json()
    assert [f["id"] for f in data["features"]] == ["RICE-1"]


def test_other_apps_can_add_a_section_to_the_area_page(client, home_page, tea, tmp_path, settings):
    from growing_areas.signals import area_page_sections

    def products(sender, area, request, **kwargs):
        return {
            "title": "Sản phẩm từ vùng này",
            "template": "growing_areas/includes/status_badge.html",
        }

    area_page_sections.connect(products)
    try:
        html = client.get("/vung-trong/LC-VC-CHE-001/").content.decode()
    finally:
        area_page_sections.disconnect(products)
    assert "<h2>Sản phẩm từ vùng này</h2>" in html
