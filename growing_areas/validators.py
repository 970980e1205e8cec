"""Rules a growing-area record obeys, shared by the model, the admin forms and the import.

Every check raises ``ValidationError`` with a translatable message, so the import report and
the forms say the same thing in the same words.
"""

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_CODE_PATTERN = r"[A-Z0-9][A-Z0-9-]*"
CODE_MAX_LENGTH = 64

# A box around Vietnam's land, islands and archipelagos (Hoàng Sa, Trường Sa). It is a
# plausibility check that catches swapped or mistyped coordinates, not a border test.
VIETNAM_LATITUDE = (Decimal("6.0"), Decimal("23.5"))
VIETNAM_LONGITUDE = (Decimal("102.0"), Decimal("118.0"))

# A farm boundary with more points than this is almost certainly a mistake (or a whole map).
BOUNDARY_MAX_POINTS = 5000


def normalize_code(value):
    """Upper-case, without any spaces: " yb-vc 001 " -> "YB-VC001"."""
    text = unicodedata.normalize("NFC", str(value or ""))
    return "".join(text.split()).upper()


def code_pattern():
    return getattr(settings, "GROWING_AREA_CODE_PATTERN", None) or DEFAULT_CODE_PATTERN


def validate_code(value):
    if not value:
        raise ValidationError(_("Enter the growing-area code."), code="required")
    if len(value) > CODE_MAX_LENGTH or not re.fullmatch(code_pattern(), value):
        raise ValidationError(
            _(
                "“%(value)s” is not a valid growing-area code: use letters, digits and "
                "hyphens, in the format the province issues."
            ),
            code="invalid_code",
            params={"value": value},
        )


def validate_area_ha(value):
    if value is not None and value <= 0:
        raise ValidationError(_("The area must be greater than zero hectares."), code="area")


def validate_latitude(value):
    if value is not None and not VIETNAM_LATITUDE[0] <= Decimal(value) <= VIETNAM_LATITUDE[1]:
        raise ValidationError(
            _("The latitude %(value)s is outside Vietnam."),
            code="outside_vietnam",
            params={"value": value},
        )


def validate_longitude(value):
    if value is not None and not VIETNAM_LONGITUDE[0] <= Decimal(value) <= VIETNAM_LONGITUDE[1]:
        raise ValidationError(
            _("The longitude %(value)s is outside Vietnam."),
            code="outside_vietnam",
            params={"value": value},
        )


def _invalid_polygon(reason):
    return ValidationError(
        _("The boundary is not a valid GeoJSON polygon: %(reason)s"),
        code="invalid_boundary",
        params={"reason": reason},
    )


def _number(value):
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _segments_cross(p1, p2, q1, q2):
    def orient(a, b, c):
        value = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return (value > 0) - (value < 0)

    def on_segment(a, b, c):
        return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(
            a[1], b[1]
        )

    o1, o2, o3, o4 = orient(p1, p2, q1), orient(p1, p2, q2), orient(q1, q2, p1), orient(q1, q2, p2)
    if o1 != o2 and o3 != o4 and 0 not in (o1, o2, o3, o4):
        return True
    return (
        (o1 == 0 and on_segment(p1, p2, q1))
        or (o2 == 0 and on_segment(p1, p2, q2))
        or (o3 == 0 and on_segment(q1, q2, p1))
        or (o4 == 0 and on_segment(q1, q2, p2))
    )


def _self_intersects(ring):
    edges = list(zip(ring, ring[1:], strict=False))
    count = len(edges)
    for i in range(count):
        for j in range(i + 1, count):
            # neighbouring edges share a point by construction (the first and last as well)
            if j == i + 1 or (i == 0 and j == count - 1):
                continue
            if _segments_cross(*edges[i], *edges[j]):
                return True
    return False


def _ring_area(ring):
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:], strict=False)) / 2


def _check_ring(ring):
    if not isinstance(ring, list) or len(ring) < 4:
        raise _invalid_polygon(_("a ring needs at least four positions."))
    points = []
    for position in ring:
        if not isinstance(position, list) or len(position) < 2:
            raise _invalid_polygon(_("each position must be [longitude, latitude]."))
        if not all(_number(c) for c in position):
            raise _invalid_polygon(_("coordinates must be numbers."))
        longitude, latitude = position[0], position[1]
        if not (
            VIETNAM_LONGITUDE[0] <= Decimal(str(longitude)) <= VIETNAM_LONGITUDE[1]
            and VIETNAM_LATITUDE[0] <= Decimal(str(latitude)) <= VIETNAM_LATITUDE[1]
        ):
            raise _invalid_polygon(
                _("a point lies outside Vietnam (is it [longitude, latitude]?).")
            )
        points.append((float(longitude), float(latitude)))
    if points[0] != points[-1]:
        raise _invalid_polygon(_("a ring must end at its first position."))
    if len(set(points)) < 3 or _ring_area(points) == 0:
        raise _invalid_polygon(_("a ring encloses no area."))
    if _self_intersects(points):
        raise _invalid_polygon(_("the outline crosses itself."))
    return [[lon, lat] for lon, lat in points]


def _check_polygon(coordinates):
    if not isinstance(coordinates, list) or not coordinates:
        raise _invalid_polygon(_("a polygon needs at least one ring."))
    return [_check_ring(ring) for ring in coordinates]


def clean_boundary(value):
    """Return the boundary as a GeoJSON Polygon or MultiPolygon geometry (a dict), or None.

    Accepts the geometry itself, a Feature holding one, or a FeatureCollection of exactly one
    such Feature, as text or as already-parsed JSON."""
    import json

    if value in (None, "", {}):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise _invalid_polygon(_("the text is not JSON.")) from exc
    if isinstance(value, dict) and value.get("type") == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise _invalid_polygon(_("give one polygon, not a collection of several."))
        value = features[0]
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict):
        raise _invalid_polygon(_("expected a JSON object."))
    kind, coordinates = value.get("type"), value.get("coordinates")
    if kind == "Polygon":
        rings = _check_polygon(coordinates)
        total = sum(len(r) for r in rings)
        geometry = {"type": "Polygon", "coordinates": rings}
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise _invalid_polygon(_("a multipolygon needs at least one polygon."))
        polygons = [_check_polygon(p) for p in coordinates]
        total = sum(len(r) for p in polygons for r in p)
        geometry = {"type": "MultiPolygon", "coordinates": polygons}
    else:
        raise _invalid_polygon(_("the type must be Polygon or MultiPolygon."))
    if total > BOUNDARY_MAX_POINTS:
        raise _invalid_polygon(_("the outline has too many points."))
    return geometry


def validate_boundary(value):
    clean_boundary(value)


def parse_decimal(text):
    """ "1,5" or "1.5" or "1 234,5" -> Decimal; raise ValueError on anything else."""
    text = str(text).strip().replace("\u00a0", "").replace(" ", "")
    if "," in text and "." in text:
        # the last separator is the decimal one: "1.234,5" or "1,234.5"
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    else:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not value.is_finite():
        raise ValueError(text)
    return value
