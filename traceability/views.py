"""The farmer's batch pages under /ban-hang/lo-hang/ (the public resolver is in resolver.py)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_for_actor, scoped
from config.private import serve_private
from marketplace.forms import add_service_errors
from marketplace.models import Producer

from . import access, printing, services
from .forms import BatchForm, EventForm, PrintRunForm, VoidForm, VoidLabelForm
from .models import Batch, Label, LabelPrintRun, TraceAttachment
from .resolver import _absolute, _load_events

# --- the farmer's pages ---------------------------------------------------------------------


def _batch_for(request, pk):
    return get_for_actor(request.user, Batch, related=("product__producer", "growing_area"), pk=pk)


def _acting_for(request):
    """The producers the batch pages work for, and the one ``?producer=<slug>`` names (or
    None): from a farmer's desk, a helper lands on that farmer's batches only."""
    slug = request.GET.get("producer")
    if not slug:
        return access.acting_producers(request.user), None
    producer = get_for_actor(request.user, Producer, slug=slug)
    return Producer.objects.filter(pk=producer.pk), producer


def _producer_query(producer):
    return f"?{urlencode({'producer': producer.slug})}" if producer else ""


@login_required
def batch_list(request):
    producers, producer = _acting_for(request)
    batches = (
        Batch.objects.filter(product__producer__in=producers)
        .select_related("product", "growing_area")
        .order_by("-harvest_date", "-pk")[:100]
    )
    return render(
        request,
        "traceability/batch_list.html",
        {"batches": batches, "producer": producer, "query": _producer_query(producer)},
    )


@login_required
def batch_new(request):
    producers, producer = _acting_for(request)
    form = BatchForm(request.POST or None, producers=producers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.record_batch(
                product=data["product"],
                growing_area=data["growing_area"],
                lot=data["lot"],
                harvest_date=data["harvest_date"],
                quantity=data["quantity"],
                unit=data["unit"],
                packing_date=data["packing_date"],
                best_before=data["best_before"],
                note=data["note"],
                by=request.user,
                submission_token=data["submission_token"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Batch %(lot)s recorded.") % {"lot": batch.lot})
            return redirect("traceability:batch_detail", pk=batch.pk)
    return render(
        request,
        "traceability/batch_new.html",
        {"form": form, "producer": producer, "query": _producer_query(producer)},
    )


def _batch_page(request, batch, event_form=None, print_form=None, void_form=None):
    context = {
        "batch": batch,
        "events": _load_events(batch),
        "runs": batch.print_runs.order_by("-created_at")[:20],
        "event_form": event_form or EventForm(batch=batch),
        "print_form": print_form or PrintRunForm(),
        "void_form": void_form or VoidLabelForm(),
        "lot_url": _absolute(batch.lot_path) if batch.gtin else None,
        # the farmer reads why a form is missing instead of meeting a refusal after filling it
        "record_refusal": services.recording_refusal(batch.product.producer),
        "print_refusal": printing.printing_refusal(batch.product),
    }
    status = 400 if any(f and f.errors for f in (event_form, print_form, void_form)) else 200
    return render(request, "traceability/batch_detail.html", context, status=status)


@login_required
def batch_detail(request, pk):
    return _batch_page(request, _batch_for(request, pk))


@login_required
@require_POST
def event_new(request, pk):
    batch = _batch_for(request, pk)
    form = EventForm(request.POST, request.FILES, batch=batch)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_event(
                batch,
                kind=data["kind"],
                occurred_at=data["occurred_at"],
                place=data["place"],
                note=data["note"],
                certificate_number=data["certificate_number"],
                certificate_issuer=data["certificate_issuer"],
                corrects=data["corrects"],
                photos=data["photos"],
                documents=data["documents"],
                by=request.user,
                submission_token=data["submission_token"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Step recorded."))
            return redirect("traceability:batch_detail", pk=batch.pk)
    return _batch_page(request, batch, event_form=form)


@login_required
@require_POST
def print_run_new(request, pk):
    batch = _batch_for(request, pk)
    form = PrintRunForm(request.POST)
    if form.is_valid():
        try:
            run = printing.issue_labels(
                batch,
                form.cleaned_data["count"],
                form.cleaned_data["layout"],
                by=request.user,
                submission_token=form.cleaned_data["submission_token"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("traceability:print_run", pk=run.pk)
    return _batch_page(request, batch, print_form=form)


def _run_for(request, pk):
    return get_for_actor(request.user, LabelPrintRun, related=("batch__product__producer",), pk=pk)


@login_required
def print_run(request, pk):
    run = _run_for(request, pk)
    return render(
        request,
        "traceability/print_run.html",
        {"run": run, "void_form": VoidForm(), "refresh": not run.is_finished},
    )


@login_required
def print_run_pdf(request, pk):
    """The PDF only to those who may act for the producer: it holds genuine serials."""
    run = _run_for(request, pk)
    if run.status != LabelPrintRun.Status.DONE or not run.pdf:
        raise Http404
    name = f"tem-{run.batch.lot}-{run.pk}.pdf".replace("/", "-")
    return serve_private(request, run.pdf, name)


@login_required
def document(request, pk, name):
    """A step's document (lab report, certificate), only to those who may act for the
    producer; the name in the address must be the stored one."""
    attachment = get_for_actor(request.user, TraceAttachment, pk=pk)
    if not attachment.document or attachment.document.name.rsplit("/", 1)[-1] != name:
        raise Http404
    return serve_private(request, attachment.document, name)


@login_required
@require_POST
def print_run_retry(request, pk):
    """Send a failed run to the worker again (the build starts from the first label)."""
    run = _run_for(request, pk)
    if run.status == LabelPrintRun.Status.FAILED:
        from .tasks import build_print_run

        transaction.on_commit(lambda: build_print_run.delay(run.pk))
        messages.success(request, _("The label sheets are being made again."))
    return redirect("traceability:print_run", pk=run.pk)


@login_required
@require_POST
def print_run_void(request, pk):
    run = _run_for(request, pk)
    form = VoidForm(request.POST)
    if form.is_valid():
        count = printing.void_run(run, form.cleaned_data["reason"], by=request.user)
        messages.success(request, _("%(count)d labels cancelled.") % {"count": count})
    else:
        messages.error(request, _("Say why the labels are cancelled."))
    return redirect("traceability:print_run", pk=run.pk)


@login_required
@require_POST
def label_void(request, pk):
    batch = _batch_for(request, pk)
    form = VoidLabelForm(request.POST)
    if form.is_valid():
        serial = form.cleaned_data["serial"]  # as stored, whatever way it was typed
        label = scoped(request.user, Label).filter(batch=batch, serial=serial).first()
        if label is None:
            form.add_error("serial", _("No label of this batch has this serial."))
        else:
            printing.void_label(label, form.cleaned_data["reason"], by=request.user)
            messages.success(request, _("Label %(serial)s cancelled.") % {"serial": serial})
            return redirect("traceability:batch_detail", pk=batch.pk)
    return _batch_page(request, batch, void_form=form)
