"""The GeoJSON feed at scale: a bounded page per response, a bounding-box filter, a cache that
a change empties, and the area page's address without a code."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from growing_areas.models import GrowingArea
from growing_areas.services import import_growing_areas

from .conftest import csv_bytes, good_row

pytestmark = pytest.mark.django_db


def square(west, south, size=0.01):
    ring = [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def test_an_address_without_a_code_is_not_found(client, home_page):
    assert client.get("/vung-trong/%20/").status_code == 404
    assert client.get("/vung-trong/%20%20/").status_code == 404


def test_the_feed_is_paged_with_links_to_the_next_and_previous_pages(client, make_area, settings):
    settings.GROWING_AREA_GEOJSON_PAGE_SIZE = 2
    for number in range(5):
        make_area(code=f"P-{number}", latitude="21.6", longitude="104.6")
    first = client.get("/vung-trong.geojson")
    data = first.json()
    assert [f["id"] for f in data["features"]] == ["P-0", "P-1"]
    assert (data["numberMatched"], data["numberReturned"]) == (5, 2)
    assert [link["rel"] for link in data["links"]] == ["next"]
    assert data["links"][0]["href"] == "http://testserver/vung-trong.geojson?page=2"
    assert first["Link"] == '<http://testserver/vung-trong.geojson?page=2>; rel="next"'
    second = client.get("/vung-trong.geojson", {"page": 2}).json()
    assert [f["id"] for f in second["features"]] == ["P-2", "P-3"]
    assert {link["rel"] for link in second["links"]} == {"next", "prev"}
    last = client.get("/vung-trong.geojson", {"page": 3}).json()
    assert [f["id"] for f in last["features"]] == ["P-4"]
    assert [link["rel"] for link in last["links"]] == ["prev"]
    assert client.get("/vung-trong.geojson", {"page": 4}).status_code == 404


def test_the_next_page_keeps_the_filters(client, make_area, settings):
    settings.GROWING_AREA_GEOJSON_PAGE_SIZE = 1
    make_area(code="T-1", crop="Chè")
    make_area(code="T-2", crop="Chè")
    make_area(code="R-1", crop="Lúa")
    data = client.get("/vung-trong.geojson", {"crop": "Chè"}).json()
    assert data["numberMatched"] == 2
    following = client.get(data["links"][0]["href"]).json()
    assert [f["id"] for f in following["features"]] == ["T-2"]


@pytest.mark.parametrize("page", ["0", "-1", "hai", "1.5"])
def test_a_bad_page_number_gets_a_clear_message(client, page):
    response = client.get("/vung-trong.geojson", {"page": page})
    assert response.status_code == 400
    assert "số nguyên" in response.json()["error"]


def test_the_bbox_keeps_the_areas_reaching_into_it(client, make_area):
    make_area(code="IN-1", boundary=square(104.60, 21.60))
    make_area(code="EDGE-1", boundary=square(104.695, 21.60))  # half inside the box
    make_area(code="POINT-1", latitude="21.65", longitude="104.65")
    make_area(code="FAR-1", boundary=square(105.50, 22.50))
    make_area(code="NOWHERE-1")
    data = client.get("/vung-trong.geojson", {"bbox": "104.5,21.5,104.7,21.7"}).json()
    assert [f["id"] for f in data["features"]] == ["EDGE-1", "IN-1", "POINT-1"]


def test_imported_and_moved_areas_are_found_by_their_new_box(client):
    rows = [good_row(code="A-1", boundary_geojson=json.dumps(square(104.60, 21.60)))]
    assert import_growing_areas(csv_bytes(rows), "vung.csv").ok
    box = {"bbox": "104.5,21.5,104.7,21.7"}
    assert [f["id"] for f in client.get("/vung-trong.geojson", box).json()["features"]] == ["A-1"]
    moved = [good_row(code="A-1", boundary_geojson=json.dumps(square(105.50, 22.50)))]
    assert import_growing_areas(csv_bytes(moved), "vung.csv").updated == 1
    assert client.get("/vung-trong.geojson", box).json()["features"] == []
    area = GrowingArea.objects.get()
    area.boundary = square(104.61, 21.61)
    area.save()
    assert [f["id"] for f in client.get("/vung-trong.geojson", box).json()["features"]] == ["A-1"]


@pytest.mark.parametrize(
    "bbox", ["104.5,21.5,104.7", "a,b,c,d", "104.7,21.5,104.5,21.7", "nan,1,2,3"]
)
def test_a_bad_bbox_gets_a_clear_message(client, bbox):
    response = client.get("/vung-trong.geojson", {"bbox": bbox})
    assert response.status_code == 400
    assert "tây,nam,đông,bắc" in response.json()["error"]


def test_a_page_is_served_from_the_cache_until_an_area_changes(client, make_area):
    area = make_area(code="C-1", name="Tên cũ", latitude="21.6", longitude="104.6")
    make_area(code="C-2")
    assert client.get("/vung-trong.geojson").json()["features"][0]["properties"]["name"] == "Tên cũ"
    with CaptureQueriesContext(connection) as captured:
        again = client.get("/vung-trong.geojson")
    assert len(captured) == 1  # only the question "has anything changed?"
    assert again.json()["features"][0]["properties"]["name"] == "Tên cũ"

    area.name = "Tên mới"
    area.save()
    assert (
        client.get("/vung-trong.geojson").json()["features"][0]["properties"]["name"] == "Tên mới"
    )
    GrowingArea.objects.filter(code="C-2").delete()
    assert [f["id"] for f in client.get("/vung-trong.geojson").json()["features"]] == ["C-1"]


def test_a_response_never_holds_more_than_the_page_size(client, settings):
    settings.GROWING_AREA_GEOJSON_PAGE_SIZE = 50
    rows = [good_row(code=f"A-{n:03d}") for n in range(120)]
    assert import_growing_areas(csv_bytes(rows), "vung.csv").created == 120
    pages = [client.get("/vung-trong.geojson", {"page": n}).json() for n in (1, 2, 3)]
    assert [p["numberReturned"] for p in pages] == [50, 50, 20]
    assert len({f["id"] for p in pages for f in p["features"]}) == 120


def test_the_migration_gives_areas_registered_before_it_their_box(make_area):
    import pkgutil
    from importlib import import_module

    from django.apps import apps

    import growing_areas.migrations

    (name,) = [
        m.name
        for m in pkgutil.iter_modules(growing_areas.migrations.__path__)
        if m.name.endswith("_field_rules_and_extent")
    ]
    migration = import_module(f"growing_areas.migrations.{name}")
    make_area(code="B-1", boundary=square(104.60, 21.60))
    make_area(code="P-1", latitude="21.65", longitude="104.65")
    make_area(code="N-1")
    GrowingArea.objects.update(
        extent_west=None, extent_south=None, extent_east=None, extent_north=None
    )
    migration.fill_extents(apps, None)
    boxes = {
        a.code: (a.extent_west, a.extent_south, a.extent_east, a.extent_north)
        for a in GrowingArea.objects.all()
    }
    assert boxes["B-1"] == pytest.approx((104.60, 21.60, 104.61, 21.61))
    assert boxes["P-1"] == pytest.approx((104.65, 21.65, 104.65, 21.65))
    assert boxes["N-1"] == (None, None, None, None)
