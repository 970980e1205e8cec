"""A growing area's boundary as an SVG outline, computed on the server: no map tiles, no
script, so it shows on a cheap phone with no internet beyond the page itself. The one drawing
of an outline: the area page and traceability's provenance pages both use ``outline()`` and
the template ``growing_areas/includes/outline.html``."""

import math
from dataclasses import dataclass

WIDTH, HEIGHT, PADDING = 320, 220, 10


@dataclass(frozen=True)
class Outline:
    path: str  # the "d" attribute: one closed sub-path per ring
    width: int
    height: int
    width_m: int  # the real width of the drawing's box, for the caption
    height_m: int


def _rings(geometry):
    if not geometry:
        return []
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"])
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def outline(geometry, width=WIDTH, height=HEIGHT):
    """An Outline of a GeoJSON Polygon or MultiPolygon, or None, fitted into ``width`` x
    ``height`` pixels: every ring of every part is a sub-path, so drawn with the even-odd
    rule the holes stay empty. Longitudes are scaled by the cosine of the latitude so the shape
    is not stretched (an equirectangular projection is exact enough at the size of a farm)."""
    rings = [r for r in _rings(geometry) if len(r) >= 4]
    if not rings:
        return None
    points = [p for ring in rings for p in ring]
    min_lon = min(p[0] for p in points)
    max_lon = max(p[0] for p in points)
    min_lat = min(p[1] for p in points)
    max_lat = max(p[1] for p in points)
    x_scale = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * x_scale, 1e-9)
    span_y = max(max_lat - min_lat, 1e-9)
    scale = min((width - 2 * PADDING) / span_x, (height - 2 * PADDING) / span_y)

    def xy(point):
        x = PADDING + (point[0] - min_lon) * x_scale * scale
        y = PADDING + (max_lat - point[1]) * scale  # north is up
        return f"{x:.1f} {y:.1f}"

    path = " ".join("M" + " L".join(xy(p) for p in ring[:-1]) + " Z" for ring in rings)
    metres_per_degree = 111_320
    return Outline(
        path=path,
        width=round(span_x * scale + 2 * PADDING),
        height=round(span_y * scale + 2 * PADDING),
        width_m=round(span_x * metres_per_degree),
        height_m=round(span_y * metres_per_degree),
    )
