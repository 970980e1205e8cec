"""The GS1 Digital Link resolver and provenance pages, the EPCIS export, and the farmer's batch
pages under /ban-hang/lo-hang/."""

import json
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_for_actor, scoped
from accounts.network import client_ip
from growing_areas.outline import outline
from marketplace.models import Producer

from . import access, epcis, services
from .digital_link import DigitalLinkError, parse
from .forms import BatchForm, EventForm, PrintRunForm, VoidForm, VoidLabelForm
from .gs1 import GS1Error, validate_gtin, validate_lot
from .models import Batch, Label, LabelPrintRun, TraceAttachment, TraceEvent

RESOLVER_METHODS = "GET, HEAD, OPTIONS"
LINKSET_TYPE = "application/linkset+json"
GS1_VOC = "https://gs1.org/voc/"
# How long a rendered timeline is kept. Its key changes with every new event; the bound
# only limits how long a photo's rendition URL may outlive a replaced image file.
TIMELINE_CACHE_SECONDS = 600
LINK_TYPES = {  # linkType values we answer, short and long forms
    "gs1:pip": "pip",
    "gs1:traceability": "traceability",
    "gs1:epcis": "epcis",
    "gs1:certificationInfo": "certificationInfo",
    "gs1:defaultLink": "defaultLink",
}


# --- resolver helpers -----------------------------------------------------------------------


def _cors(response):
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = RESOLVER_METHODS
    response["Access-Control-Allow-Headers"] = "Accept, Accept-Language"
    response["Access-Control-Expose-Headers"] = "Link, Location, Content-Type"
    patch_vary_headers(response, ["Accept", "Accept-Language"])
    return response


def _options():
    response = HttpResponse(status=204)
    response["Allow"] = RESOLVER_METHODS
    response["Access-Control-Max-Age"] = "86400"
    return _cors(response)


def _method_not_allowed(request):
    """405 with Allow for a method the resolver does not answer, or None for one it does."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return None
    response = HttpResponse(status=405)
    response["Allow"] = RESOLVER_METHODS
    return _cors(response)


def _raw_path(request):
    """The request path still percent-encoded, so a "/" inside a lot (%2F) stays in its
    value. gunicorn passes RAW_URI; without it the decoded path is encoded again."""
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    if raw:
        path = urlsplit(raw).path
        script = request.META.get("SCRIPT_NAME", "").rstrip("/")
        return path.removeprefix(script) if script else path
    return quote(request.path_info, safe="/")


def _absolute(path):
    return settings.SITE_URL + path


def _wants_linkset(request, link):
    if link.parameters.get("linkType") in {"linkset", "all"}:
        return True
    accept = request.META.get("HTTP_ACCEPT", "")
    return LINKSET_TYPE in accept or ("application/json" in accept and "text/html" not in accept)


def _product_url(product):
    if product is None or not product.is_public:
        return None
    return _absolute(product.get_absolute_url())


def _area_url(area):
    try:
        return reverse("growing_areas:detail", kwargs={"code": area.code})
    except NoReverseMatch:
        return None


def _certificates(events):
    return [
        _absolute(attachment.document.url)
        for event in events
        if event.kind == TraceEvent.Kind.INSPECTION
        for attachment in event.attachments.all()
        if attachment.document
    ]


def _epcis_url(gtin, batch):
    return f"{reverse('traceability:epcis_events')}?{urlencode({'gtin': gtin, 'lot': batch.lot})}"


def _linkset(link, product, batch, events):
    anchor = _absolute(link.path)
    title = product.name if product else anchor
    links = {
        GS1_VOC + "defaultLink": [
            {"href": anchor, "title": title, "type": "text/html", "hreflang": ["vi", "en"]}
        ]
    }
    if batch is not None:
        links[GS1_VOC + "traceability"] = [
            {"href": anchor, "title": _("Where this product comes from"), "type": "text/html"}
        ]
        links[GS1_VOC + "epcis"] = [
            {
                "href": _absolute(_epcis_url(link.gtin, batch)),
                "title": _("EPCIS events of the batch"),
                "type": "application/ld+json",
            }
        ]
    product_url = _product_url(product)
    if product_url:
        links[GS1_VOC + "pip"] = [
            {"href": product_url, "title": _("Product page and purchase"), "type": "text/html"}
        ]
    certificates = _certificates(events)
    if certificates:
        links[GS1_VOC + "certificationInfo"] = [{"href": url} for url in certificates]
    return {"linkset": [{"anchor": anchor, **links}]}


def _linkset_header(link):
    return f'<{_absolute(link.path)}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'


def _invalid(request, error):
    accept = request.META.get("HTTP_ACCEPT", "")
    if "json" in accept and "text/html" not in accept:
        response = JsonResponse({"error": error.code, "message": str(error)}, status=400)
    else:
        response = render(
            request,
            "traceability/invalid_link.html",
            {"message": str(error), "code": error.code},
            status=400,
        )
    return _cors(response)


def _not_found(request, message):
    response = render(request, "traceability/not_found.html", {"message": message}, status=404)
    return _cors(response)


def _load_batch(product, lot):
    return (
        Batch.objects.select_related("growing_area")
        .annotate(latest_event_id=services.latest_event_id())
        .filter(product=product, lot=lot)
        .first()
    )


def _timeline_key(batch):
    """What the cached timeline fragment depends on: the batch (its creation time too, so a
    reused id never matches), its newest event and the page's language."""
    return f"{batch.pk}:{batch.created_at.timestamp()}:{batch.latest_event_id}:{get_language()}"


def _load_events(batch):
    events = list(
        TraceEvent.objects.filter(batch=batch)
        .select_related("recorded_by")
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=TraceAttachment.objects.select_related("image").prefetch_related(
                    "image__renditions"
                ),
            )
        )
        .order_by("occurred_at", "pk")
    )
    corrected = {}
    for event in events:
        if event.corrects_id:
            corrected.setdefault(event.corrects_id, []).append(event)
    for event in events:
        event.corrected_by = corrected.get(event.pk, [])
        attachments = list(event.attachments.all())
        event.photos = [a for a in attachments if a.image_id]
        event.documents = [a for a in attachments if a.document]
    return events


def _warnings(batch, label, serial_unknown):
    warnings = []
    if serial_unknown:
        warnings.append(
            _(
                "This label's number was never issued by the producer: the label is not genuine. "
                "Below is the information of the batch it claims to belong to."
            )
        )
    if label is not None and (label.is_voided or (label.print_run and label.print_run.voided_at)):
        warnings.append(
            _("This label has been cancelled by the producer: the package may not be genuine.")
        )
    if label is not None:
        flags = services.label_flags(label)
        if "too_many_scans" in flags:
            warnings.append(
                _(
                    "This label has been scanned %(count)d times: a genuine label is scanned only "
                    "a few times. It may have been copied."
                )
                % {"count": label.scan_count}
            )
        if "too_many_networks" in flags:
            warnings.append(
                _(
                    "This label has been scanned in %(count)d different places: it may have been "
                    "copied onto other packages."
                )
                % {"count": label.network_count}
            )
    area = batch.growing_area if batch else None
    if area is not None and area.status == area.Status.SUSPENDED:
        warnings.append(
            _(
                "The growing area %(code)s of this batch has since been suspended by the "
                "authorities."
            )
            % {"code": area.code}
        )
    if area is not None and area.status == area.Status.REVOKED:
        warnings.append(
            _(
                "The growing area %(code)s of this batch has since had its code revoked by the "
                "authorities."
            )
            % {"code": area.code}
        )
    return warnings


def _vouching_warnings(product):
    """What the platform has not vouched for: a label page never reads as a guarantee for a
    producer it suspended or has not verified, or a listing its moderators have not approved."""
    producer = product.producer
    warnings = []
    if producer.is_suspended:
        warnings.append(
            _(
                "The platform has suspended the producer %(name)s. The information on this page "
                "is not vouched for by the platform."
            )
            % {"name": producer.name}
        )
    elif not producer.is_verified:
        warnings.append(
            _(
                "The platform has not yet verified the producer %(name)s: the information on "
                "this page comes from the producer alone and has not been checked."
            )
            % {"name": producer.name}
        )
    if not product.has_been_approved:
        warnings.append(
            _(
                "The platform's moderators have not approved this product: the information on "
                "this page has not been checked."
            )
        )
    return warnings


def _page(request, link, product, batch, label, serial_unknown=False):
    # The HTML page reads the events only when its cached timeline is missing or stale.
    events = SimpleLazyObject(lambda: _load_events(batch) if batch else [])
    if _wants_linkset(request, link):
        response = HttpResponse(
            json.dumps(_linkset(link, product, batch, events), ensure_ascii=False),
            content_type=LINKSET_TYPE,
        )
        return _cors(response)
    requested = link.parameters.get("linkType", "")
    # gs1:pip and https://gs1.org/voc/pip name the same link type
    target = LINK_TYPES.get(requested) or LINK_TYPES.get(
        "gs1:" + requested.removeprefix(GS1_VOC) if requested.startswith(GS1_VOC) else ""
    )
    if target and target != "defaultLink":
        links = _linkset(link, product, batch, events)["linkset"][0].get(GS1_VOC + target)
        if links:
            return _cors(redirect(links[0]["href"]))
    if request.method == "GET" and link.serial:
        services.record_scan(
            gtin=link.gtin,
            lot=link.lot or "",
            serial=link.serial,
            label=label,
            batch=batch,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    area = batch.growing_area if batch else (product.growing_area if product else None)
    context = {
        "link": link,
        "product": product,
        "producer": product.producer,
        "batch": batch,
        "label": label,
        "area": area,
        "area_url": _area_url(area) if area else None,
        "outline": outline(area.boundary, width=240, height=160) if area else None,
        "events": events,
        "timeline_key": _timeline_key(batch) if batch else None,
        "timeline_seconds": TIMELINE_CACHE_SECONDS,
        "warnings": _warnings(batch, label, serial_unknown) + _vouching_warnings(product),
        "product_url": _product_url(product),
        "epcis_url": _epcis_url(link.gtin, batch) if batch else None,
    }
    template = "traceability/provenance.html" if batch else "traceability/product.html"
    if not batch:
        context["batches"] = list(product.batches.order_by("-harvest_date")[:10])
    response = render(request, template, context)
    response["Link"] = _linkset_header(link)
    if link.serial:
        # Every view of a label must reach us to be counted: no shared cache may keep it.
        patch_cache_control(response, private=True, no_store=True)
    return _cors(response)


# --- resolver views -------------------------------------------------------------------------


def resolve(request, rest=""):
    """Every /01/… address: check its syntax, then answer with the most specific page."""
    if request.method == "OPTIONS":
        return _options()
    if refused := _method_not_allowed(request):
        return refused
    query = request.META.get("QUERY_STRING", "")
    try:
        link = parse(_raw_path(request), query)
    except DigitalLinkError as error:
        return _invalid(request, error)
    if link.needs_redirect:
        response = redirect(link.path + (f"?{query}" if query else ""), permanent=True)
        return _cors(response)
    product = services.find_product(link.gtin)
    if product is None:
        return _not_found(request, _("No product on this platform has this GTIN."))
    if link.lot is None:
        if link.serial:
            label = (
                Label.objects.select_related("batch__product")
                .filter(serial=link.serial, batch__product=product)
                .first()
            )
            if label is not None:
                return _cors(redirect(label.path))
        return _page(request, link, product, None, None, serial_unknown=bool(link.serial))
    batch = _load_batch(product, link.lot)
    if batch is None:
        if link.serial and request.method == "GET":
            services.record_scan(
                gtin=link.gtin,
                lot=link.lot,
                serial=link.serial,
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        return _not_found(
            request,
            _("%(product)s has no batch with lot code %(lot)s. The label may not be genuine.")
            % {"product": product.name, "lot": link.lot},
        )
    batch.product = product
    label = None
    if link.serial:
        label = (
            Label.objects.select_related("print_run")
            .filter(batch=batch, serial=link.serial)
            .first()
        )
    return _page(
        request, link, product, batch, label, serial_unknown=bool(link.serial) and not label
    )


def resolver_description(request):
    """/.well-known/gs1resolver: what this resolver answers, per GS1-Conformant Resolver."""
    if request.method == "OPTIONS":
        return _options()
    if refused := _method_not_allowed(request):
        return refused
    root = settings.SITE_URL
    data = {
        "name": "Chợ Phiên",
        "resolverRoot": root,
        "supportedPrimaryKeys": ["01"],
        "supportedQualifiers": {"01": ["22", "10", "21"]},
        "linkTypeDefaultCanBeLinkset": False,
        "supportedLinkType": [
            {
                "namespace": GS1_VOC,
                "prefix": "gs1:",
                "profile": "https://gs1.org/voc/?show=linktypes",
            }
        ],
        "supportedContextValuesEnumerated": [],
        "linksetMediaType": LINKSET_TYPE,
        "supportedLinkTypes": [f"gs1:{name}" for name in LINK_TYPES.values()],
        "languages": ["vi", "en"],
        "epcisQueryInterface": root + reverse("traceability:epcis_events"),
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    return _cors(response)


def epcis_events(request):
    """GET /epcis/events?gtin=<gtin14>&lot=<lot>: the batch's events as an EPCIS 2.0 document."""
    if request.method == "OPTIONS":
        return _options()
    if refused := _method_not_allowed(request):
        return refused
    try:
        gtin = validate_gtin(request.GET.get("gtin", ""))
        lot = validate_lot(request.GET.get("lot", ""))
    except GS1Error as error:
        return _cors(JsonResponse({"error": error.code, "message": str(error)}, status=400))
    product = services.find_product(gtin)
    batch = _load_batch(product, lot) if product else None
    if batch is None:
        return _cors(
            JsonResponse({"error": "not_found", "message": _("No such batch.")}, status=404)
        )
    batch.product = product
    document = epcis.document(services.epcis_steps(batch, _load_events(batch), _absolute))
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False), content_type="application/ld+json"
    )
    return _cors(response)


# --- the farmer's pages ---------------------------------------------------------------------


def _batch_for(request, pk):
    return get_for_actor(
        request.user, Batch, related=("product__producer", "growing_area"), pk=pk
    )


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
            _add_errors(form, error)
        else:
            messages.success(request, _("Batch %(lot)s recorded.") % {"lot": batch.lot})
            return redirect("traceability:batch_detail", pk=batch.pk)
    return render(
        request,
        "traceability/batch_new.html",
        {"form": form, "producer": producer, "query": _producer_query(producer)},
    )


def _add_errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


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
        "print_refusal": services.printing_refusal(batch.product),
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
            _add_errors(form, error)
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
            run = services.issue_labels(
                batch,
                form.cleaned_data["count"],
                form.cleaned_data["layout"],
                by=request.user,
                submission_token=form.cleaned_data["submission_token"],
            )
        except ValidationError as error:
            _add_errors(form, error)
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
    return FileResponse(run.pdf.open("rb"), as_attachment=True, filename=name)


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
        count = services.void_run(run, form.cleaned_data["reason"], by=request.user)
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
            services.void_label(label, form.cleaned_data["reason"], by=request.user)
            messages.success(request, _("Label %(serial)s cancelled.") % {"serial": serial})
            return redirect("traceability:batch_detail", pk=batch.pk)
    return _batch_page(request, batch, void_form=form)
