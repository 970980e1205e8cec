"""Rules a growing-area record obeys, shared by the model, the admin forms and the import.

Every check raises ``ValidationError`` with a translatable message, so the import report and
the forms say the same thing in the same words.
"""

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

import phonenumbers
import shapely
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


# The largest area the column holds (10 digits, 2 after the point).
MAX_AREA_HA = Decimal("99999999.99")
# A code's issue or expiry date outside these years is a typo (2204 for 2024).
PLAUSIBLE_YEARS = (1990, 2100)


def validate_area_ha(value):
    if value is not None and value <= 0:
        raise ValidationError(_("The area must be greater than zero hectares."), code="area")
    if value is not None and value > MAX_AREA_HA:
        raise ValidationError(_("The area is too large."), code="area_too_large")


def validate_plausible_year(value):
    if value is not None and not PLAUSIBLE_YEARS[0] <= value.year <= PLAUSIBLE_YEARS[1]:
        raise ValidationError(
            _("The year %(year)d is not plausible for a growing-area code."),
            code="implausible_year",
            params={"year": value.year},
        )


def normalize_holder_phone(value):
    """A holder's Vietnamese number (mobile or landline, as people write it) in E.164 form
    ("0912 345 678" -> "+84912345678"); "" stays ""; anything else raises ValidationError."""
    raw = str(value or "").strip()
    if not raw:
        return ""
    digits = re.sub(r"[^\d+]", "", raw)
    try:
        number = phonenumbers.parse(digits, "VN")
        valid = number.country_code == 84 and phonenumbers.is_valid_number(number)
    except phonenumbers.NumberParseException:
        valid = False
    if not valid:
        raise ValidationError(
            _("“%(value)s” is not a Vietnamese phone number."),
            code="invalid_phone",
            params={"value": raw},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_holder_phone(value):
    normalize_holder_phone(value)


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


_WEST, _EAST = float(VIETNAM_LONGITUDE[0]), float(VIETNAM_LONGITUDE[1])
_SOUTH, _NORTH = float(VIETNAM_LATITUDE[0]), float(VIETNAM_LATITUDE[1])


def _check_ring(ring):
    """The ring's positions as [[longitude, latitude], …]; its shape is checked by GEOS."""
    if not isinstance(ring, list) or len(ring) < 4:
        raise _invalid_polygon(_("a ring needs at least four positions."))
    points = []
    for position in ring:
        if not isinstance(position, list) or len(position) < 2:
            raise _invalid_polygon(_("each position must be [longitude, latitude]."))
        if not all(_number(c) for c in position):
            raise _invalid_polygon(_("coordinates must be numbers."))
        longitude, latitude = float(position[0]), float(position[1])
        if not (_WEST <= longitude <= _EAST and _SOUTH <= latitude <= _NORTH):
            raise _invalid_polygon(
                _("a point lies outside Vietnam (is it [longitude, latitude]?).")
            )
        points.append([longitude, latitude])
    if points[0] != points[-1]:
        raise _invalid_polygon(_("a ring must end at its first position."))
    return points


def _check_polygon(coordinates):
    """The rings of one polygon, each simple and enclosing an area, the holes inside the
    outline without crossing it. Returns (rings, shapely polygon)."""
    if not isinstance(coordinates, list) or not coordinates:
        raise _invalid_polygon(_("a polygon needs at least one ring."))
    rings = [_check_ring(ring) for ring in coordinates]
    for ring in rings:
        linear_ring = shapely.LinearRing(ring)
        if shapely.Polygon(linear_ring).area == 0:
            raise _invalid_polygon(_("a ring encloses no area."))
        if not linear_ring.is_simple:
            raise _invalid_polygon(_("the outline crosses itself."))
    polygon = shapely.Polygon(rings[0], rings[1:])
    if not polygon.is_valid:
        # each ring is simple, so what is wrong lies between the outline and its holes
        raise _invalid_polygon(_("a hole crosses the outline or lies outside it."))
    return rings, polygon


def clean_boundary(value):
    """Return the boundary as a GeoJSON Polygon or MultiPolygon geometry (a dict), or None.

    Accepts the geometry itself, a Feature holding one, or a FeatureCollection of exactly one
    such Feature, as text or as already-parsed JSON. The shape is checked by GEOS (shapely):
    no ring crosses itself, holes lie inside their outline, the parts of a MultiPolygon do
    not overlap (they may touch at a point)."""
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
        polygons = [coordinates]
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise _invalid_polygon(_("a multipolygon needs at least one polygon."))
        polygons = coordinates
    else:
        raise _invalid_polygon(_("the type must be Polygon or MultiPolygon."))
    # counted before any shape is built: a whole map pasted in is refused at once
    total = sum(
        len(ring)
        for polygon in polygons
        if isinstance(polygon, list)
        for ring in polygon
        if isinstance(ring, list)
    )
    if total > BOUNDARY_MAX_POINTS:
        raise _invalid_polygon(_("the outline has too many points."))
    checked = [_check_polygon(p) for p in polygons]
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": checked[0][0]}
    if len(checked) > 1 and not shapely.MultiPolygon([shape for _rings, shape in checked]).is_valid:
        raise _invalid_polygon(_("the parts of the multipolygon overlap."))
    return {"type": "MultiPolygon", "coordinates": [rings for rings, _shape in checked]}


def geometry_bounds(geometry):
    """(west, south, east, north) of a GeoJSON Point, Polygon or MultiPolygon, in degrees."""
    coordinates = geometry["coordinates"]
    if geometry["type"] == "Point":
        positions = [coordinates]
    elif geometry["type"] == "Polygon":
        positions = [p for ring in coordinates for p in ring]
    else:
        positions = [p for polygon in coordinates for ring in polygon for p in ring]
    longitudes = [float(p[0]) for p in positions]
    latitudes = [float(p[1]) for p in positions]
    return min(longitudes), min(latitudes), max(longitudes), max(latitudes)


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
