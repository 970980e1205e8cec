"""The public GS1 Digital Link resolver: /01/… label addresses, their provenance pages and
linksets, /.well-known/gs1resolver, and the EPCIS export."""

import json
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.gzip import re_accepts_gzip
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from wagtail.images import get_image_model

from accounts.network import client_ip
from growing_areas.outline import outline
from marketplace.models import Product, ProductPhoto
from marketplace.validators import gtin_forms

from . import epcis, page_cache, scans, services
from .digital_link import DigitalLinkError, build_path, decompress, parse
from .gs1 import GS1Error, validate_gtin, validate_lot
from .models import Batch, Label, TraceAttachment, TraceEvent

RESOLVER_METHODS = "GET, HEAD, OPTIONS"
LINKSET_TYPE = "application/linkset+json"
GS1_VOC = "https://gs1.org/voc/"
# How long a rendered timeline is kept. Its key changes with every new event; the bound
# only limits how long a photo's rendition URL may outlive a replaced image file.
TIMELINE_CACHE_SECONDS = 600
LINK_TYPES = {  # linkType values we may answer, short and long forms
    "gs1:pip": "pip",
    "gs1:traceability": "traceability",
    "gs1:epcis": "epcis",
    "gs1:certificationInfo": "certificationInfo",
    "gs1:defaultLink": "defaultLink",
}
# The JSON-LD context that makes a linkset JSON-LD (GS1-Conformant Resolver 1.1, section 5.4)
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
JSON_LD_CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"


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


def _accepts_linkset(request):
    accept = request.META.get("HTTP_ACCEPT", "")
    return LINKSET_TYPE in accept or ("application/json" in accept and "text/html" not in accept)


def _wants_linkset(request, link):
    return link.parameters.get("linkType") in {"linkset", "all"} or _accepts_linkset(request)


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
        _absolute(attachment.document_path)
        for event in events
        if event.kind == TraceEvent.Kind.INSPECTION
        for attachment in event.attachments.all()
        if attachment.document
    ]


def _epcis_url(gtin, batch):
    return f"{reverse('traceability:epcis_events')}?{urlencode({'gtin': gtin, 'lot': batch.lot})}"


def _links(anchor, product, batch, events, gtin):
    """The links of one context (a label, a lot or a product page), keyed by link type. Every
    link has a title (the GS1 linkset schema requires one); the default link carries neither
    type nor hreflang and is listed again under its own link type, ``gs1:traceability``."""
    links = {
        GS1_VOC + "defaultLink": [{"href": anchor, "title": _("Where this product comes from")}],
        GS1_VOC + "traceability": [
            {
                "href": anchor,
                "title": _("Where this product comes from"),
                "type": "text/html",
                "hreflang": ["vi", "en"],
            }
        ],
    }
    if batch is not None:
        links[GS1_VOC + "epcis"] = [
            {
                "href": _absolute(_epcis_url(gtin, batch)),
                "title": _("EPCIS events of the batch"),
                "type": "application/ld+json",
            }
        ]
    product_url = _product_url(product)
    if product_url:
        links[GS1_VOC + "pip"] = [
            {"href": product_url, "title": _("Product page and purchase"), "type": "text/html"}
        ]
    certificates = _certificates(events) if batch is not None else []
    if certificates:
        links[GS1_VOC + "certificationInfo"] = [
            {
                "href": url,
                "title": _("Inspection certificate %(number)d") % {"number": number},
                "type": "application/pdf" if url.lower().endswith(".pdf") else "text/html",
            }
            for number, url in enumerate(certificates, start=1)
        ]
    return links


def _linkset(link, product, batch, events):
    """The RFC 9264 linkset of ``link``: its own links first, then (for a label or a lot) those
    of the lot and of the product it belongs to, each under its own anchor."""
    description = product.name if product else link.gtin
    contexts = [(_absolute(link.path), batch)]
    if batch is not None and link.serial:
        contexts.append((_absolute(build_path(link.gtin, lot=batch.lot)), batch))
    if link.lot is not None or link.serial:
        contexts.append((_absolute(build_path(link.gtin)), None))
    return {
        "linkset": [
            {
                "anchor": anchor,
                "itemDescription": description,
                **_links(anchor, product, context_batch, events, link.gtin),
            }
            for anchor, context_batch in contexts
        ]
    }


def _linkset_header(link):
    return f'<{_absolute(link.path)}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'


def _with_query(url, query):
    """``url`` with every key=value pair of the request's query string passed on
    (GS1-Conformant Resolver 1.2: "SHALL pass on all key=value pairs … when redirecting")."""
    if not query:
        return url
    return url + ("&" if "?" in url else "?") + query


def _redirect(link, url, query, permanent=False):
    response = redirect(_with_query(url, query), permanent=permanent)
    response["Link"] = _linkset_header(link)
    return _cors(response)


def _plain_reason(code):
    """What a buyer holding the label reads first: plain words, never a rule's name."""
    if code == "bad_check_digit":
        return _("One digit of the product number in this address is wrong.")
    if code == "unsupported_key":
        return _("This address is not a product label: Chợ Phiên labels always start with /01/.")
    return _("Part of this address is damaged or was typed wrongly.")


def _invalid(request, error, reason=None):
    accept = request.META.get("HTTP_ACCEPT", "")
    if "json" in accept and "text/html" not in accept:
        response = JsonResponse({"error": error.code, "message": str(error)}, status=400)
    else:
        response = render(
            request,
            "traceability/invalid_link.html",
            {"reason": reason or _plain_reason(error.code), "message": str(error)},
            status=400,
        )
    return _cors(response)


def _not_found(request, message):
    accept = request.META.get("HTTP_ACCEPT", "")
    if "json" in accept and "text/html" not in accept:
        response = JsonResponse({"error": "not_found", "message": message}, status=404)
    else:
        response = render(request, "traceability/not_found.html", {"message": message}, status=404)
    return _cors(response)


def _find_product(gtin):
    """The product with this GTIN, its first photo's image id and price in the same query."""
    first_photo = ProductPhoto.objects.filter(product=OuterRef("pk")).order_by("sort_order", "pk")
    return (
        Product.objects.select_related("producer", "producer__photo", "growing_area")
        .annotate(cover_image_id=Subquery(first_photo.values("image_id")[:1]))
        .filter(gtin__in=gtin_forms(gtin))
        .first()
    )


def _cover(product):
    """The product's first photo, with its renditions (made at upload time); None if it was
    deleted since the product was read."""
    images = get_image_model().objects.prefetch_related("renditions")
    return images.filter(pk=product.cover_image_id).first()


def _link_type(requested):
    """The full link type URI a ``linkType`` value names (``gs1:pip`` and
    ``https://gs1.org/voc/pip`` are one), or None for one we never answer."""
    if requested.startswith(GS1_VOC):
        requested = "gs1:" + requested.removeprefix(GS1_VOC)
    name = LINK_TYPES.get(requested)
    return GS1_VOC + name if name else None


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
    # The harvest step recorded with the batch has only the date the farmer typed: its time
    # of day (services.local_datetime) was never entered, so pages show the date alone.
    harvested_at = services.local_datetime(batch.harvest_date)
    for event in events:
        event.date_only = (
            event.kind == TraceEvent.Kind.HARVEST and event.occurred_at == harvested_at
        )
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
        flags = scans.label_flags(label)
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


def _choices(request, link, links):
    """300 Multiple Choices: several links of the requested type, for the client to choose."""
    response = render(request, "traceability/provenance_choices.html", {"links": links}, status=300)
    response["Link"] = ", ".join(
        [
            f"<{item['href']}>; rel=\"alternate\"; title*=UTF-8''{quote(item['title'])}"
            for item in links
        ]
        + [_linkset_header(link)]
    )
    return _cors(response)


def _page(request, link, product, batch, label, serial_unknown=False, lot_unknown=False, keep=None):
    """The page of ``link``; ``keep`` (the kept page's address and generation) keeps it whole
    for the next anonymous visitor."""
    # The HTML page reads the events only when its cached timeline is missing or stale.
    events = SimpleLazyObject(lambda: _load_events(batch) if batch else [])
    query = request.META.get("QUERY_STRING", "")
    if _wants_linkset(request, link):
        response = HttpResponse(
            json.dumps(_linkset(link, product, batch, events), ensure_ascii=False),
            content_type=LINKSET_TYPE,
        )
        response["Link"] = (
            f'<{LINKSET_CONTEXT}>; rel="{JSON_LD_CONTEXT_REL}"; type="application/ld+json"'
        )
        return _cors(response)
    requested = link.parameters.get("linkType", "")
    if requested:
        target = _link_type(requested)
        links = _linkset(link, product, batch, events)["linkset"][0].get(target or "", [])
        if not links:
            return _not_found(
                request,
                _("There is no link of type %(type)s for this product.") % {"type": requested},
            )
        if len(links) > 1:
            return _choices(request, link, links)
        if target != GS1_VOC + "defaultLink":
            return _redirect(link, links[0]["href"], query)
    if request.method == "GET" and link.serial:
        scans.record_scan(
            gtin=link.gtin,
            lot=link.lot or "",
            serial=link.serial,
            label=label,
            batch=batch,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    area = batch.growing_area if batch else (product.growing_area if product else None)
    warnings = _warnings(batch, label, serial_unknown)
    if lot_unknown:
        warnings.insert(
            0,
            _(
                "%(product)s has no batch with lot code %(lot)s: the label may not be genuine. "
                "Below is the information of the product it names."
            )
            % {"product": product.name, "lot": link.lot},
        )
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
        "warnings": warnings + _vouching_warnings(product),
        "certifications": page_cache.area_certificates(area) if area else [],
        "today": timezone.localdate(),
        # read only when the cached photo fragment is missing
        "cover": SimpleLazyObject(lambda: _cover(product)),
        "product_url": _product_url(product),
        "epcis_url": _epcis_url(link.gtin, batch) if batch else None,
    }
    template = "traceability/provenance.html" if batch else "traceability/product.html"
    if not batch:
        context["batches"] = list(product.batches.order_by("-harvest_date")[:10])
    response = render(request, template, context)
    response["Link"] = _linkset_header(link)
    if keep:
        page_cache.keep_page(
            *keep,
            {
                "body": response.content.decode(),
                "link": response["Link"],
                "label_id": label.pk,
                "outcome": scans.outcome(label, batch),
                "gtin": link.gtin,
                "lot": link.lot,
                "serial": link.serial,
            },
        )
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
    path, query = _raw_path(request), request.META.get("QUERY_STRING", "")
    keep = None
    if _same_for_everyone(request, query):
        generation, kept = page_cache.kept_page(path, get_language())
        if kept:
            return _kept(request, kept)
        keep = (path, get_language(), generation)
    return _resolve(request, path, query, keep)


def _same_for_everyone(request, query):
    """A GET of a label page's HTML with no query, by a visitor with no session (no account,
    no message waiting): the page they get is the same for all of them."""
    return (
        request.method == "GET"
        and not query
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and not _accepts_linkset(request)
    )


def _kept(request, kept):
    """A kept label page: its scan logged (one statement), and the page as it was kept,
    compressed already for a browser that accepts gzip."""
    scans.log_scan(
        label_id=kept["label_id"],
        outcome=kept["outcome"],
        gtin=kept["gtin"],
        lot=kept["lot"],
        serial=kept["serial"],
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    if re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response = HttpResponse(kept["gzipped"])
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(kept["body"])
    patch_vary_headers(response, ("Accept-Encoding",))
    response["Link"] = kept["link"]
    patch_cache_control(response, private=True, no_store=True)
    return _cors(response)


def resolve_compressed(request, compressed):
    """A compressed Digital Link URI (``/<base64url>``): answered as its uncompressed form.
    Anything else one segment long is an ordinary 404, so APPEND_SLASH still works."""
    try:
        path, query = decompress(compressed)
    except DigitalLinkError:
        raise Http404 from None
    if request.method == "OPTIONS":
        return _options()
    if refused := _method_not_allowed(request):
        return refused
    extra = request.META.get("QUERY_STRING", "")
    query = "&".join(part for part in (query, extra) if part)
    response = _resolve(request, path, query)
    # GS1-Conformant Resolver 1.2: the uncompressed URI, as owl:sameAs in the Link header
    same_as = f'<{_absolute(path)}{"?" + query if query else ""}>; rel="owl:sameAs"'
    response["Link"] = ", ".join(filter(None, [response.get("Link"), same_as]))
    return response


# Keys other apps answer, registered at start-up (``register_key``), so traceability never
# imports them: postal_pickup answers /00/<sscc>, a parcel's slip.
KEY_RESOLVERS = {}


def register_key(key, answer):
    """Have ``answer(request, value)`` answer /<key>/<value>; ``value`` is still
    percent-encoded, and the answer checks it (``refuse_key`` for a malformed one)."""
    KEY_RESOLVERS[key] = answer


def refuse_key(request, code, message, reason):
    """400 in the resolver's words: ``reason`` for people, ``code`` and ``message`` for
    machines (JSON when asked)."""
    return _invalid(request, DigitalLinkError(code, message), reason=reason)


def not_found(request, message):
    return _not_found(request, message)


def resolve_other_key(request, key, rest=""):
    """/<ai>/… for any other primary key (SSCC, GLN, GIAI, …): answered by the app that
    registered it, else 400 with the reason, never a silent redirect."""
    if request.method == "OPTIONS":
        return _options()
    if refused := _method_not_allowed(request):
        return refused
    if key in KEY_RESOLVERS and rest is not None:
        return _cors(KEY_RESOLVERS[key](request, rest))
    try:
        parse(_raw_path(request), request.META.get("QUERY_STRING", ""))
    except DigitalLinkError as error:
        return _invalid(request, error)
    raise Http404  # parse() refuses every key but 01, which has its own route


def _resolve(request, path, query, keep=None):
    try:
        link = parse(path, query)
    except DigitalLinkError as error:
        return _invalid(request, error)
    if link.needs_redirect:
        return _redirect(link, link.path, query, permanent=True)
    product = _find_product(link.gtin)
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
                return _redirect(link, label.path, query)
        return _page(request, link, product, None, None, serial_unknown=bool(link.serial))
    batch = _load_batch(product, link.lot)
    if batch is None:
        # GS1-Conformant Resolver: with no answer for the lot, answer for the less specific
        # key (the product), telling the buyer the lot is unknown.
        return _page(request, link, product, None, None, lot_unknown=True)
    batch.product = product
    label = None
    if link.serial:
        label = (
            Label.objects.select_related("print_run")
            .filter(batch=batch, serial=link.serial)
            .first()
        )
    if label is None:
        return _page(request, link, product, batch, None, serial_unknown=bool(link.serial))
    # only a label's own canonical address is kept whole
    keep = keep if keep and keep[0] == link.path and not link.parameters else None
    return _page(request, link, product, batch, label, keep=keep)


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
        "jsonLdContextLocation": LINKSET_CONTEXT,
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
    product = _find_product(gtin)
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
