"""``/00/<sscc>``, the GS1 Digital Link on a parcel slip's QR code, answered through the
resolver's key registry (``traceability.resolver.register_key``, at start-up): postal staff of
the parcel's office and moderators land on the job to mark it; anyone else sees only the
parcel's status and dates, never a name, phone number or address."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from accounts.access import scoped

from .models import PickupJob
from .sscc import validate_sscc


def _reason(code):
    if code == "bad_check_digit":
        return _("One digit of the parcel number in this address is wrong.")
    return _("A parcel address is /00/ followed by the parcel's 18-digit SSCC.")


def resolve_sscc(request, value):
    from traceability import resolver

    try:
        validate_sscc(value)
    except ValidationError as error:
        return resolver.refuse_key(
            request, error.code, " ".join(error.messages), _reason(error.code)
        )
    job = PickupJob.objects.filter(sscc=value).first()
    if job is None:
        return resolver.not_found(request, _("No parcel on this platform has this SSCC."))
    if scoped(request.user, PickupJob).filter(pk=job.pk).exists():
        response = redirect("postal_pickup:job_detail", pk=job.pk)
    else:
        labels = dict(PickupJob.Status.choices)
        steps = [
            (moment, labels.get(status, status))
            for moment, status in job.events.order_by("created_at", "pk").values_list(
                "created_at", "to_status"
            )
        ]
        response = render(
            request,
            "postal_pickup/parcel_status.html",
            {"job": job, "steps": steps},
        )
    # the answer depends on who asks: no shared cache may keep it
    add_never_cache_headers(response)
    return response
