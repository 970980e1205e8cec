"""The postal staff's phone pages: ``/buu-dien/`` (the pickup list and its two buttons),
``/buu-dien/dang-giao/`` (the parcels after pickup and their status buttons), and the carrier's
webhook. Only ``urls.py`` imports this module."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.access import get_for_actor, scoped
from marketplace import webhooks
from marketplace.access import is_moderator
from marketplace.models import InvalidTransition
from marketplace.order_models import WebhookEvent

from . import carrier, lists, services
from .access import is_postal_staff
from .forms import FailedForm, PickedUpForm
from .models import PickupJob


def postal_only(view):
    """Postal staff and moderators; anyone else signed in is refused."""

    @wraps(view)
    def check(request, *args, **kwargs):
        if not (is_postal_staff(request.user) or is_moderator(request.user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(check)


@postal_only
def pickup_list(request):
    """Today's and the next days' jobs of the person's offices, by commune and village."""
    today = timezone.localdate()
    jobs = list(lists.jobs_to_collect(request.user))
    return render(
        request,
        "postal_pickup/pickup_list.html",
        {
            "days": lists.by_day_and_place(jobs, today),
            "paper_lists": lists.paper_lists(request.user, today),
            "today": today,
            "picked_up_form": PickedUpForm(),
            "failed_form": FailedForm(),
        },
    )


def _back(job):
    return redirect(f"{reverse('postal_pickup:pickup_list')}#job-{job.pk}")


def _run(request, job, action):
    try:
        action()
    except InvalidTransition as error:
        messages.error(request, " ".join(error.messages))
        return False
    return True


@require_POST
@postal_only
def job_picked_up(request, pk):
    job = get_for_actor(request.user, PickupJob, pk=pk)
    form = PickedUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the number of parcels and their weight in grams."))
        return _back(job)
    done = _run(
        request,
        job,
        lambda: services.mark_picked_up(
            job, request.user, form.cleaned_data["parcels"], form.cleaned_data["weight_grams"]
        ),
    )
    if done:
        messages.success(request, _("Picked up: %(sscc)s.") % {"sscc": job.sscc})
    return _back(job)


@require_POST
@postal_only
def job_failed(request, pk):
    job = get_for_actor(request.user, PickupJob, pk=pk)
    form = FailedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose why the parcel could not be collected."))
        return _back(job)
    done = _run(
        request,
        job,
        lambda: services.mark_failed(
            job, request.user, form.cleaned_data["reason"], note=form.cleaned_data["note"]
        ),
    )
    if done:
        messages.success(request, _("Recorded: the parcel moves to the next working day."))
    return _back(job)


# --- After pickup: the delivery page and its status buttons -----------------------------------


@postal_only
def on_the_way(request):
    """The parcels of the person's offices after pickup, not yet delivered or returned, each
    with the steps it may take next. One query whatever the number of parcels."""
    jobs = (
        scoped(request.user, PickupJob)
        .filter(status__in=services.ON_THE_WAY)
        .select_related("office", "seller_order__order")
        .order_by("status", "pickup_date", "pk")
    )
    return render(request, "postal_pickup/on_the_way.html", {"jobs": jobs})


@require_POST
@postal_only
def job_status(request, pk):
    """One of the buttons of ``_next_status.html``: the job moves to the status it names, or
    the page says why it cannot."""
    job = get_for_actor(request.user, PickupJob, pk=pk)
    target = request.POST.get("status", "")
    back = request.POST.get("next", "")
    if target not in {str(status) for status in services.AFTER_PICKUP}:
        messages.error(request, _("Choose one of the parcel's next steps."))
    else:
        note = request.POST.get("note", "").strip()[:300]
        done = _run(request, job, lambda: services.advance(job, request.user, target, note=note))
        if done:
            messages.success(
                request,
                _("%(sscc)s: %(status)s.")
                % {"sscc": job.sscc, "status": PickupJob.Status(target).label},
            )
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return redirect(back)
    return redirect(f"{reverse('postal_pickup:on_the_way')}#job-{job.pk}")


# --- The carrier's webhook ---------------------------------------------------------------------


@csrf_exempt
@require_POST
def carrier_webhook(request):
    """The carrier's status events (format and signature in ``carrier.py``): stored in the
    webhook inbox before anything else, then processed once by a task. Answers JSON."""
    body = request.body
    if len(body) > carrier.MAX_BODY_BYTES:
        return JsonResponse({"ok": False, "error": "too_large"}, status=413)
    if not carrier.is_authentic(request.headers, body):
        webhooks.receive(
            WebhookEvent.Provider.CARRIER,
            event_id=carrier.claimed_id(body),
            body=body,
            signature_valid=False,
        )
        return JsonResponse({"ok": False, "error": "bad_signature"}, status=401)
    try:
        event = carrier.check(body)
    except carrier.Refused as refused:
        stored, _created = webhooks.receive(
            WebhookEvent.Provider.CARRIER,
            event_id=carrier.claimed_id(body),
            body=body,
            signature_valid=False,
        )
        WebhookEvent.objects.filter(pk=stored.pk).update(error=f"{refused.code}: {refused.message}")
        return JsonResponse(
            {"ok": False, "error": refused.code, "message": refused.message}, status=400
        )
    stored, created = webhooks.receive(
        WebhookEvent.Provider.CARRIER, event_id=event["id"], body=body, signature_valid=True
    )
    return JsonResponse({"ok": True, "id": event["id"], "duplicate": not created})
