"""Boundary polygons, checked by GEOS (shapely), and the outline drawn from them."""

import pytest
from django.core.exceptions import ValidationError

from growing_areas.outline import outline
from growing_areas.validators import BOUNDARY_MAX_POINTS, clean_boundary

pytestmark = pytest.mark.django_db

SHELL = [[104.60, 21.60], [104.64, 21.60], [104.64, 21.64], [104.60, 21.64], [104.60, 21.60]]
HOLE = [[104.61, 21.61], [104.62, 21.61], [104.62, 21.62], [104.61, 21.62], [104.61, 21.61]]
# a hole that pokes out through the shell's east side
CROSSING_HOLE = [
    [104.63, 21.61],
    [104.65, 21.61],
    [104.65, 21.62],
    [104.63, 21.62],
    [104.63, 21.61],
]
OUTSIDE_HOLE = [[104.7, 21.7], [104.71, 21.7], [104.71, 21.71], [104.7, 21.71], [104.7, 21.7]]
# a second square overlapping the first one's north-east corner
OVERLAPPING = [
    [104.63, 21.63],
    [104.66, 21.63],
    [104.66, 21.66],
    [104.63, 21.66],
    [104.63, 21.63],
]
# a second square touching the first at its north-east corner only
TOUCHING = [[104.64, 21.64], [104.66, 21.64], [104.66, 21.66], [104.64, 21.66], [104.64, 21.64]]


def refusal(geometry):
    with pytest.raises(ValidationError) as caught:
        clean_boundary(geometry)
    return caught.value.messages[0]


def test_a_polygon_with_a_hole_inside_it_is_accepted():
    geometry = {"type": "Polygon", "coordinates": [SHELL, HOLE]}
    assert clean_boundary(geometry) == geometry


def test_a_hole_crossing_its_outline_is_refused_in_vietnamese():
    message = refusal({"type": "Polygon", "coordinates": [SHELL, CROSSING_HOLE]})
    assert "GeoJSON" in message and "lỗ" in message


def test_a_hole_outside_its_outline_is_refused():
    message = refusal({"type": "Polygon", "coordinates": [SHELL, OUTSIDE_HOLE]})
    assert "lỗ" in message


def test_overlapping_parts_of_a_multipolygon_are_refused_in_vietnamese():
    message = refusal({"type": "MultiPolygon", "coordinates": [[SHELL], [OVERLAPPING]]})
    assert "chồng lên nhau" in message


def test_a_part_inside_another_part_is_refused():
    message = refusal({"type": "MultiPolygon", "coordinates": [[SHELL], [HOLE]]})
    assert "chồng lên nhau" in message


def test_parts_touching_at_a_corner_are_accepted():
    geometry = {"type": "MultiPolygon", "coordinates": [[SHELL], [TOUCHING]]}
    assert clean_boundary(geometry) == geometry


def test_a_ring_crossing_itself_is_still_refused_with_its_own_message():
    # two unequal loops, so the ring still encloses an area
    bow_tie = [[104.6, 21.6], [104.7, 21.7], [104.7, 21.6], [104.6, 21.65], [104.6, 21.6]]
    assert "tự cắt" in refusal({"type": "Polygon", "coordinates": [bow_tie]})


def circle(points, radius=0.01):
    import math

    ring = [
        [
            104.65 + radius * math.cos(2 * math.pi * k / points),
            21.63 + radius * math.sin(2 * math.pi * k / points),
        ]
        for k in range(points)
    ]
    return ring + [ring[0]]


def test_the_largest_boundary_allowed_is_accepted_and_one_point_more_refused():
    largest = circle(BOUNDARY_MAX_POINTS - 1)  # the closing point makes it the limit
    assert len(clean_boundary({"type": "Polygon", "coordinates": [largest]})["coordinates"][0]) == (
        BOUNDARY_MAX_POINTS
    )
    message = refusal({"type": "Polygon", "coordinates": [circle(BOUNDARY_MAX_POINTS)]})
    assert "quá nhiều điểm" in message


def test_the_admin_refuses_a_crossing_hole_with_the_same_message(make_area):
    area = make_area(code="H-1")
    area.boundary = {"type": "Polygon", "coordinates": [SHELL, CROSSING_HOLE]}
    with pytest.raises(ValidationError) as caught:
        area.full_clean()
    assert caught.value.message_dict["boundary"] == [
        refusal({"type": "Polygon", "coordinates": [SHELL, CROSSING_HOLE]})
    ]


def test_the_outline_draws_every_part_and_hole():
    drawn = outline({"type": "MultiPolygon", "coordinates": [[SHELL, HOLE], [TOUCHING]]})
    assert drawn.path.count("M") == 3  # two outlines and a hole, each a closed sub-path
    assert drawn.path.count("Z") == 3
    assert drawn.width <= 320 and drawn.height <= 220
    small = outline({"type": "Polygon", "coordinates": [SHELL]}, width=240, height=160)
    assert small.width <= 240 and small.height <= 160


def test_the_area_page_draws_a_multipolygon_with_its_hole(client, home_page, make_area):
    make_area(
        code="MULTI-1",
        boundary={"type": "MultiPolygon", "coordinates": [[SHELL, HOLE], [TOUCHING]]},
    )
    html = client.get("/vung-trong/MULTI-1/").content.decode()
    path = html.split('<path d="', 1)[1].split('"', 1)[0]
    assert path.count("M") == 3
    assert 'fill-rule="evenodd"' in html  # the hole stays empty
