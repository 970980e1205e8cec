from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from . import divisions
from .forms import AddressForm


@require_GET
@cache_control(max_age=86400, public=True)
def communes(request):
    """The communes of ?province=<code>, for the commune list that follows the province."""
    items = divisions.communes_of(request.GET.get("province", ""))
    return JsonResponse({"communes": [{"code": c.code, "name": c.name} for c in items]})


def convert_address(request):
    """A page where anyone can see what their pre-2025 address has become."""
    form = AddressForm(request.POST or None)
    result = None
    if form.is_valid():
        result = {
            "commune": divisions.commune(form.cleaned_data["commune_code"]),
            "village": form.cleaned_data["village"],
            "converted": form.converted_address,
        }
    return render(request, "places/convert_address.html", {"form": form, "result": result})
