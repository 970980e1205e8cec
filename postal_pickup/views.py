"""The postal staff's phone page ``/buu-dien/`` and its two buttons. Only ``urls.py`` imports
this module."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_for_actor
from marketplace.access import is_moderator
from marketplace.models import InvalidTransition

from . import lists, services
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
