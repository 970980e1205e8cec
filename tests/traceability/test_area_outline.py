"""The provenance page draws the growing area's outline with growing_areas' one drawing:
every part of a MultiPolygon, holes included (it used to draw only a Polygon's outer ring)."""

from .test_resolver import get, label_path

SHELL = [[104.60, 21.60], [104.64, 21.60], [104.64, 21.64], [104.60, 21.64], [104.60, 21.60]]
HOLE = [[104.61, 21.61], [104.62, 21.61], [104.62, 21.62], [104.61, 21.62], [104.61, 21.61]]
SECOND = [[104.64, 21.64], [104.66, 21.64], [104.66, 21.66], [104.64, 21.66], [104.64, 21.64]]


def test_the_provenance_page_draws_every_part_of_a_multipolygon_area(client, label):
    area = label.batch.growing_area
    area.boundary = {"type": "MultiPolygon", "coordinates": [[SHELL, HOLE], [SECOND]]}
    area.save()
    page = get(client, label_path(label)).content.decode()
    svg = page.split('class="trace-outline"', 1)[1].split("</svg>", 1)[0]
    path = svg.split('<path d="', 1)[1].split('"', 1)[0]
    assert path.count("M") == 3  # two parts and the hole
    assert 'fill-rule="evenodd"' in svg
    assert 'aria-label="Ranh giới vùng trồng"' in svg
