"""The public registry: a filtered list, one page per area, and a GeoJSON feed for map tools."""

from urllib.parse import quote

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
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
    if not canonical:  # only spaces: no code to redirect to
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


@require_GET
@cache_control(max_age=300, public=True)
def area_geojson(request):
    """Every area (or those the filters keep) as a GeoJSON FeatureCollection (RFC 7946): the
    boundary, or the point when there is none; a feature with neither has a null geometry."""
    form = AreaFilterForm(request.GET or None)
    form.fields["crop"].choices = [(c, c) for c in [request.GET.get("crop", "")]]
    rows = form.filter(GrowingArea.objects.order_by("code")).values_list(
        "code", "name", "crop", "status", "valid_until", "boundary", "latitude", "longitude"
    )
    base_url = request.build_absolute_uri(reverse("growing_areas:list"))
    features = []
    for code, name, crop, status, valid_until, boundary, latitude, longitude in rows.iterator(
        chunk_size=2000
    ):
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
    return JsonResponse(
        {"type": "FeatureCollection", "features": features},
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
