"""The staff's paper: a day's pickup list (print it: a progress page that refreshes by itself,
then the PDF and the slips), its CSV, one job's page and its slip. Objects are loaded only
through ``accounts.access``: staff of one office never reach another office's lists, jobs or
files. Only ``urls.py`` imports this module."""

import io

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import get_for_actor
from config.private import serve_private

from . import documents, pickup_lists
from .forms import FailedForm, PickedUpForm
from .models import PickupJob, PickupList
from .views import postal_only

JOB_RELATED = ("seller_order__order", "seller_order__producer", "office")


def _list_for(request, pk):
    return get_for_actor(request.user, PickupList, related=("office",), pk=pk)


@postal_only
def list_detail(request, pk):
    """One day's list of an office: its stops, and its paper (print, progress, download)."""
    pickup_list = _list_for(request, pk)
    return render(
        request,
        "postal_pickup/list_detail.html",
        {
            "pickup_list": pickup_list,
            "stops": pickup_lists.stops_of(pickup_list),
            "refresh": pickup_list.is_printing,
        },
    )


@require_POST
@postal_only
def list_print(request, pk):
    """Ask a worker to draw the list's PDF and slips; back to the list's page, which shows
    the progress."""
    pickup_list = pickup_lists.request_print(_list_for(request, pk))
    return redirect("postal_pickup:list_detail", pk=pickup_list.pk)


def _file(request, pickup_list, field, stem):
    if pickup_list.status != PickupList.Status.DONE or not field:
        raise Http404
    name = f"{stem}-{pickup_list.office.code}-{pickup_list.day:%Y-%m-%d}.pdf"
    return serve_private(request, field, name)


@postal_only
def list_pdf(request, pk):
    pickup_list = _list_for(request, pk)
    return _file(request, pickup_list, pickup_list.pdf, "bang-ke")


@postal_only
def list_slips(request, pk):
    pickup_list = _list_for(request, pk)
    return _file(request, pickup_list, pickup_list.slips_pdf, "phieu-gui")


@postal_only
def list_csv(request, pk):
    pickup_list = _list_for(request, pk)
    response = HttpResponse(
        documents.list_csv(pickup_lists.stops_of(pickup_list)),
        content_type="text/csv; charset=utf-8",
    )
    name = f"bang-ke-{pickup_list.office.code}-{pickup_list.day:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@postal_only
def job_detail(request, pk):
    """One job on a phone: the parcel, sender, receiver, cash, history, and what to do now."""
    job = get_for_actor(request.user, PickupJob, related=JOB_RELATED, pk=pk)
    labels = dict(PickupJob.Status.choices)
    return render(
        request,
        "postal_pickup/job_detail.html",
        {
            "job": job,
            "stop": documents.stop_for(job),
            "lines": job.seller_order.lines.all(),
            "history": [
                (event.created_at, labels.get(event.to_status, event.to_status), event.note)
                for event in job.events.all()
            ],
            "to_collect": job.status in PickupJob.TO_COLLECT,
            "picked_up_form": PickedUpForm(),
            "failed_form": FailedForm(),
        },
    )


@postal_only
def job_slip(request, pk):
    """The job's A6 parcel slip, drawn at once (one page)."""
    job = get_for_actor(request.user, PickupJob, related=JOB_RELATED, pk=pk)
    out = io.BytesIO()
    documents.render_slip(documents.stop_for(job), out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=f"phieu-gui-{job.sscc}.pdf")
