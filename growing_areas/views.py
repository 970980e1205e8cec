"""The public registry: a filtered list, one page per area, and a GeoJSON feed for map tools."""

import hashlib
import json
import math
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .forms import AreaFilterForm
from .models import GrowingArea
from .outline import outline
from .signals import area_page_sections
from .validators import normalize_code

PER_PAGE = 20
LIST_FIELDS = (
    "code",
    "name",
    "crop",
    "variety",
    "area_ha",
    "province_code",
    "commune_code",
    "village",
    "holder_name",
    "valid_until",
    "status",
)


def _crops():
    return GrowingArea.objects.order_by("crop").values_list("crop", flat=True).distinct()


@require_GET
def area_list(request):
    form = AreaFilterForm(request.GET or None, crops=list(_crops()))
    areas = form.filter(GrowingArea.objects.only(*LIST_FIELDS).order_by("code"))
    page = Paginator(areas, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "growing_areas/area_list.html", {"form": form, "page": page})


@require_GET
def area_detail(request, code):
    canonical = normalize_code(code)
    if not canonical:  # "/vung-trong/%20/": no code at all
        raise Http404
    if canonical != code:
        return redirect("growing_areas:detail", code=canonical, permanent=True)
    area = get_object_or_404(GrowingArea.objects.prefetch_related("certifications"), code=code)
    last_change = None
    if area.status != GrowingArea.Status.ACTIVE:
        last_change = area.status_changes.filter(to_status=area.status).first()
    sections = [
        {
            "title": response["title"],
            "html": render_to_string(
                response["template"], {"area": area, **response.get("context", {})}, request
            ),
        }
        for _receiver, response in area_page_sections.send(
            sender=GrowingArea, area=area, request=request
        )
        if response
    ]
    return render(
        request,
        "growing_areas/area_detail.html",
        {
            "area": area,
            "outline": outline(area.boundary),
            "last_change": last_change,
            "sections": sections,
        },
    )


GEOJSON_CACHE_SECONDS = 3600


def geojson_page_size():
    return getattr(settings, "GROWING_AREA_GEOJSON_PAGE_SIZE", 500)


def _geojson_error(message):
    return JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False})


def _parse_bbox(text):
    """(west, south, east, north) from "104.5,21.5,104.8,21.8", or None when it is not that."""
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        return None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        return None
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        return None
    return west, south, east, north


@require_GET
@cache_control(max_age=300, public=True)
def area_geojson(request):
    """The areas (or those the filters keep) as a GeoJSON FeatureCollection (RFC 7946), at
    most GROWING_AREA_GEOJSON_PAGE_SIZE features a response, ordered by code: ``?page=2``
    goes on, ``links`` (and the Link header) name the next and previous pages,
    ``numberMatched`` counts them all. ``?bbox=west,south,east,north`` keeps the areas whose
    boundary (or point) reaches into that box. A feature's geometry is the boundary, else the
    point, else null. Each page is cached until an area changes."""
    bbox = None
    if request.GET.get("bbox"):
        bbox = _parse_bbox(request.GET["bbox"])
        if bbox is None:
            return _geojson_error(
                _(
                    "bbox must be four numbers: west,south,east,north in degrees, "
                    "for example 104.5,21.5,104.8,21.8."
                )
            )
    page_text = request.GET.get("page", "1")
    if not page_text.isdigit() or int(page_text) < 1:
        return _geojson_error(_("page must be a whole number from 1."))
    number = int(page_text)
    # The newest change and the number of areas name the registry's state: any save, import
    # or deletion gives new keys, so a cached page is never stale.
    state = GrowingArea.objects.aggregate(newest=Max("updated_at"), count=Count("pk"))
    query = urlencode(sorted(request.GET.items()))
    key = (
        "growing_areas:geojson:"
        + hashlib.sha256(
            f"{request.get_host()}|{query}|{state['newest']}|{state['count']}".encode()
        ).hexdigest()
    )
    body = cache.get(key)
    if body is None:
        body = _geojson_page(request, bbox, number)
        if body is None:
            raise Http404
        cache.set(key, body, GEOJSON_CACHE_SECONDS)
    payload, links = body
    response = HttpResponse(payload, content_type="application/geo+json")
    if links:
        response["Link"] = ", ".join(f'<{href}>; rel="{rel}"' for rel, href in links)
    return response


def _geojson_page(request, bbox, number):
    """(the page's JSON as bytes, [(rel, url), …]) or None when there is no such page."""
    form = AreaFilterForm(request.GET or None)
    form.fields["crop"].choices = [(c, c) for c in [request.GET.get("crop", "")]]
    areas = form.filter(GrowingArea.objects.order_by("code"))
    if bbox is not None:
        west, south, east, north = bbox
        areas = areas.filter(
            extent_west__lte=east,
            extent_east__gte=west,
            extent_south__lte=north,
            extent_north__gte=south,
        )
    paginator = Paginator(
        areas.values_list(
            "code", "name", "crop", "status", "valid_until", "boundary", "latitude", "longitude"
        ),
        geojson_page_size(),
    )
    if number > paginator.num_pages:
        return None
    page = paginator.page(number)
    base_url = request.build_absolute_uri(reverse("growing_areas:list"))
    features = []
    for code, name, crop, status, valid_until, boundary, latitude, longitude in page:
        if boundary:
            geometry = boundary
        elif latitude is not None and longitude is not None:
            geometry = {"type": "Point", "coordinates": [float(longitude), float(latitude)]}
        else:
            geometry = None
        features.append(
            {
                "type": "Feature",
                "id": code,
                "geometry": geometry,
                "properties": {
                    "code": code,
                    "name": name,
                    "crop": crop,
                    "status": status,
                    "valid_until": valid_until.isoformat() if valid_until else None,
                    "url": f"{base_url}{quote(code)}/",
                },
            }
        )
    links = []
    for rel, exists, target in (
        ("next", page.has_next(), number + 1),
        ("prev", page.has_previous(), number - 1),
    ):
        if exists:
            params = request.GET.copy()
            params["page"] = target
            links.append((rel, request.build_absolute_uri(f"{request.path}?{params.urlencode()}")))
    collection = {
        "type": "FeatureCollection",
        "numberMatched": paginator.count,
        "numberReturned": len(features),
        "links": [
            {"rel": rel, "href": href, "type": "application/geo+json"} for rel, href in links
        ],
        "features": features,
    }
    payload = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    return payload.encode(), links
