"""The farmers' desk under /ban-hang/, the catalogue and the producer pages."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.images import get_image_model

from accounts.access import get_for_actor
from accounts.roles import Role
from config.private import serve_private
from growing_areas.models import GrowingArea
from places import divisions

from . import access, services, throttle
from .catalogue_cache import COUNT_LIMIT, SEARCH_COUNT_LIMIT, CappedPaginator
from .forms import (
    AssistedSignupForm,
    CatalogueFilterForm,
    FarmerSignupForm,
    NewProductForm,
    ProducerProfileForm,
    ProductBasicsForm,
    ProductDetailsForm,
    ProductOriginForm,
    ProductPhotosForm,
    StockForm,
    add_service_errors,
)
from .models import (
    MAX_PHOTOS,
    InvalidTransition,
    ListingEvent,
    Producer,
    Product,
    ProductPhoto,
    catalog_url,
)
from .order_models import MAX_LINE_QUANTITY
from .photos import CARD_RENDITION, DETAIL_RENDITION, THUMB_RENDITION
from .queries import WALK_FROM, search, search_words, walked
from .signals import desk_sections, product_page_sections

PAGE_SIZE = 24


def photos_with(rendition):
    """Prefetch of a product's photos with their images and one rendition: three queries
    for any number of products."""
    images = get_image_model().objects.prefetch_renditions(rendition)
    return Prefetch(
        "photos",
        queryset=ProductPhoto.objects.order_by("sort_order", "pk").prefetch_related(
            Prefetch("image", queryset=images)
        ),
    )


# --- Catalogue ------------------------------------------------------------------------------


def catalogue(request, page):
    """The catalogue; an anonymous visitor's page may come from the cache instead
    (catalogue_cache.middleware)."""
    form = CatalogueFilterForm(request.GET or None)
    products = Product.objects.public()
    text, data = "", {}
    if form.is_valid():
        data = form.cleaned_data
        text = data.get("q") or ""
        if data.get("category"):
            products = products.filter(category=data["category"])
        if data.get("province"):
            products = products.filter(producer__province_code=data["province"])
        if data.get("stars"):
            products = products.ocop_valid().filter(ocop_stars__gte=int(data["stars"]))
        if data.get("price_min") is not None:
            products = products.filter(price__gte=data["price_min"])
        if data.get("price_max") is not None:
            products = products.filter(price__lte=data["price_max"])
    products = products.select_related("producer").prefetch_related(photos_with(CARD_RENDITION))
    order = ("-published_at", "-pk")
    paginator = CappedPaginator(
        search(products, text).order_by(*order),
        PAGE_SIZE,
        limit=SEARCH_COUNT_LIMIT if text else COUNT_LIMIT,
        remember_as=(
            tuple(search_words(text)),
            *(
                data.get(name)
                for name in ("category", "province", "stars", "price_min", "price_max")
            ),
        ),
    )
    walk = text and paginator.count >= WALK_FROM  # a common word: walk the newest listings
    if walk:
        paginator.object_list = search(products, text, walk=True).order_by(*order)
    page_obj = paginator.get_page(request.GET.get("trang"))
    if walk:
        page_obj.object_list = walked(page_obj)
    query = request.GET.copy()
    query.pop("trang", None)
    return render(
        request,
        "marketplace/catalogue.html",
        {
            "page": page,
            "form": form,
            "page_obj": page_obj,
            "base": page.get_url(request),
            "query": query.urlencode(),
            "card_rendition": CARD_RENDITION,
        },
    )


def page_sections(signal, request, sender, **objects):
    """What other apps' receivers of ``signal`` add to a page, each rendered with its own
    template (which also gets ``objects``): [{"title": …, "html": …}, …]."""
    return [
        {
            "title": response["title"],
            "html": render_to_string(
                response["template"], {**objects, **response.get("context", {})}, request
            ),
        }
        for _receiver, response in signal.send(sender=sender, request=request, **objects)
        if response
    ]


def growing_area_url(area):
    try:
        return area.get_absolute_url()
    except NoReverseMatch:
        return ""


def product_detail(request, page, slug):
    product = get_object_or_404(
        Product.objects.public()
        .select_related("producer", "growing_area", "producer__photo")
        .prefetch_related(photos_with(DETAIL_RENDITION)),
        slug=slug,
    )
    return render(
        request,
        "marketplace/product_page.html",
        {
            "page": page,
            "product": product,
            "base": page.get_url(request),
            "growing_area_url": growing_area_url(product.growing_area)
            if product.growing_area
            else "",
            "detail_rendition": DETAIL_RENDITION,
            "max_quantity": min(product.quantity_available, MAX_LINE_QUANTITY),
            "sections": page_sections(product_page_sections, request, Product, product=product),
        },
    )


def producer_page(request, slug):
    producer = get_object_or_404(
        Producer.objects.filter(verification=Producer.Verification.VERIFIED).select_related(
            "photo"
        ),
        slug=slug,
    )
    products = (
        Product.objects.public()
        .filter(producer=producer)
        .select_related("producer")
        .prefetch_related(photos_with(CARD_RENDITION))
        .order_by("-published_at", "-pk")
    )
    page_obj = Paginator(products, PAGE_SIZE).get_page(request.GET.get("trang"))
    return render(
        request,
        "marketplace/producer_page.html",
        {
            "producer": producer,
            "page_obj": page_obj,
            "base": catalog_url(),
            "card_rendition": CARD_RENDITION,
        },
    )


# --- The farmer's desk ----------------------------------------------------------------------


def _desk_products(producer):
    return (
        producer.products.select_related("growing_area")
        .annotate(photo_count=Count("photos"))
        .order_by("-updated_at", "-pk")
    )


def _history(producer):
    return producer.events.select_related("actor", "product").order_by("-created_at", "-pk")[:30]


def _last_consent_step():
    """The producer's latest consent request or answer (a ListingEvent action), for the
    helper's list of farmers in one query."""
    return Subquery(
        ListingEvent.objects.filter(producer=OuterRef("pk"), action__in=services.CONSENT_ACTIONS)
        .order_by("-created_at", "-pk")
        .values("action")[:1]
    )


def desk(request):
    """/ban-hang/: a farmer's products with their states and history; a helper's farmers.
    Visitors who are not logged in see how to start selling."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "marketplace/sell_landing.html")
    own = list(Producer.objects.filter(members=user).order_by("name"))
    communes = access.served_communes(user)
    farmers = []
    if communes:
        farmers = list(
            Producer.objects.filter(commune_code__in=communes)
            .exclude(members=user)
            .annotate(product_count=Count("products"), consent_step=_last_consent_step())
            .order_by("name")
        )
    if len(own) == 1 and not communes:
        return _producer_desk(request, own[0])
    return render(
        request,
        "marketplace/desk.html",
        {
            "own": own,
            "farmers": farmers,
            "communes": [divisions.commune(code) for code in sorted(communes)],
            "is_helper": user.has_role(Role.COMMUNITY_HELPER),
            "sections": page_sections(desk_sections, request, Producer, producer=None)
            # a helper whose farmers have not consented has no batch pages to go to
            if own or (communes and access.producers_for(user).exists())
            else [],
        },
    )


def _producer_or_403(request, slug):
    return get_for_actor(request.user, Producer, slug=slug)


@login_required
def producer_desk(request, slug):
    return _producer_desk(request, _producer_or_403(request, slug))


def _stock_form(product, data=None):
    """The desk's quantity form of one product; ids are per product, as the desk lists many."""
    return StockForm(
        data,
        initial={"quantity_available": product.quantity_available},
        auto_id=f"id_stock_{product.pk}_%s",
    )


def _producer_desk(request, producer, stock_form=None, status=200):
    """``stock_form`` is (product pk, bound form) when a quantity was refused: shown with its
    error next to that product."""
    products = list(_desk_products(producer))
    for product in products:
        if stock_form and stock_form[0] == product.pk:
            product.stock_form = stock_form[1]
        else:
            product.stock_form = _stock_form(product)
    return render(
        request,
        "marketplace/producer_desk.html",
        {
            "producer": producer,
            "products": products,
            "history": _history(producer),
            "on_behalf": not producer.members.filter(pk=request.user.pk).exists(),
            "consent_request": services.pending_consent_request(producer),
            "sections": page_sections(desk_sections, request, Producer, producer=producer),
        },
        status=status,
    )


@login_required
def producer_profile(request, slug):
    """The farmer's public profile: name, story, photo, tax code, village."""
    producer = _producer_or_403(request, slug)
    form = ProducerProfileForm(request.POST or None, request.FILES or None, instance=producer)
    if request.method == "POST" and form.is_valid():
        changed = [name for name in form.changed_data if name != "new_photo"]
        try:
            services.update_producer_profile(
                producer, request.user, changed, form.cleaned_data.get("new_photo")
            )
        except ValidationError as error:
            form.add_error("new_photo", error)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("marketplace:producer_desk", slug=producer.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "marketplace/producer_profile.html",
        {"form": form, "producer": producer},
        status=status,
    )


def signup(request):
    """A farmer signs up: account with the producer role and a producer awaiting checks."""
    if request.user.is_authenticated and request.user.producers.exists():
        return redirect("marketplace:desk")
    form = FarmerSignupForm(request.POST or None)
    # Every submission counts, accepted or not; choosing a province without JavaScript does not.
    attempt = request.method == "POST" and not form.is_refresh()
    if not throttle.signup_allowed(request, count=attempt):
        response = render(
            request,
            "marketplace/signup_limited.html",
            {"minutes": throttle.SIGNUP_WINDOW_SECONDS // 60},
            status=429,
        )
        response["Retry-After"] = str(throttle.SIGNUP_WINDOW_SECONDS)
        return response
    if attempt and form.is_valid():
        try:
            user, producer = services.register_farmer(**form.registration())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            login(request, user, backend="accounts.backends.PhoneBackend")
            messages.success(
                request,
                _("Welcome! Your producer profile awaits verification. You can list products now."),
            )
            return redirect("marketplace:desk")
    return render(request, "marketplace/signup.html", {"form": form, "assisted": False})


@login_required
def assisted_signup(request):
    """A community helper signs up a farmer of a commune they serve, with consent."""
    communes = access.served_communes(request.user)
    if not communes:
        raise PermissionDenied
    form = AssistedSignupForm(request.POST or None, communes=communes)
    if request.method == "POST" and not form.is_refresh() and form.is_valid():
        try:
            _user, producer = services.register_farmer(
                **form.registration(),
                onboarded_by=request.user,
                consent_method=form.cleaned_data["consent_method"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s is signed up. Now list their products.") % {"name": producer}
            )
            return redirect("marketplace:producer_desk", slug=producer.slug)
    return render(request, "marketplace/signup.html", {"form": form, "assisted": True})


# --- The listing form, one screen at a time -------------------------------------------------

STEPS = [
    ("thong-tin", gettext_lazy("Name and kind")),
    ("gia", gettext_lazy("Price and quantity")),
    ("anh", gettext_lazy("Photos")),
    ("nguon-goc", gettext_lazy("Origin and OCOP")),
    ("gui", gettext_lazy("Check and send")),
]
STEP_NAMES = [name for name, _label in STEPS]


def _next_step(step):
    index = STEP_NAMES.index(step)
    return STEP_NAMES[min(index + 1, len(STEP_NAMES) - 1)]


def _step_context(product, step, producer):
    index = STEP_NAMES.index(step)
    return {
        "product": product,
        "producer": producer,
        "step": step,
        "step_number": index + 1,
        "step_count": len(STEPS),
        "step_label": STEPS[index][1],
        "steps": STEPS,
        "previous_step": STEP_NAMES[index - 1] if index else "",
    }


@login_required
def product_new(request, slug):
    """Step 1 for a new listing: name and kind. Saving it creates the draft."""
    producer = _producer_or_403(request, slug)
    form = NewProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.create_listing(producer, request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("marketplace:product_step", pk=product.pk, step=_next_step("thong-tin"))
    context = _step_context(None, "thong-tin", producer)
    context["form"] = form
    return render(request, "marketplace/listing_step.html", context)


def _product_for(request, pk):
    return get_for_actor(request.user, Product, related=("producer",), pk=pk)


def growing_area_choices(producer):
    """Active areas of the producer's own commune: the only ones a listing may name."""
    return GrowingArea.objects.filter(
        status=GrowingArea.Status.ACTIVE, commune_code=producer.commune_code
    ).order_by("code")


@login_required
def product_step(request, pk, step):
    if step not in STEP_NAMES:
        raise Http404
    product = _product_for(request, pk)
    producer = product.producer
    context = _step_context(product, step, producer)
    if not product.is_editable and request.method == "POST":
        messages.error(request, _("This listing is being reviewed; wait for the answer."))
        return redirect("marketplace:producer_desk", slug=producer.slug)
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None

    if step == "gui":
        context["photos"] = product.photos.select_related("image")
        if request.method == "POST":
            try:
                services.submit_for_review(product, request.user)
            except (ValidationError, InvalidTransition) as error:
                context["errors"] = error.messages
                return render(request, "marketplace/listing_step.html", context, status=400)
            messages.success(request, _("Sent for review. We will tell you when it is published."))
            return redirect("marketplace:producer_desk", slug=producer.slug)
        return render(request, "marketplace/listing_step.html", context)

    if step == "anh":
        form = ProductPhotosForm(data, files)
        context["photos"] = product.photos.prefetch_related(
            Prefetch(
                "image", queryset=get_image_model().objects.prefetch_renditions(THUMB_RENDITION)
            )
        )
        context["thumb_rendition"] = THUMB_RENDITION
        context["max_photos"] = MAX_PHOTOS
        if request.method == "POST" and form.is_valid():
            uploads = form.cleaned_data["photos"]
            if not uploads and product.photos.exists():
                return redirect("marketplace:product_step", pk=product.pk, step=_next_step(step))
            if not uploads:
                form.add_error("photos", _("Add at least one photo of the product."))
            else:
                try:
                    services.add_photos(product, uploads, request.user)
                except ValidationError as error:
                    form.add_error("photos", error)
                else:
                    target = step if "more" in request.POST else _next_step(step)
                    return redirect("marketplace:product_step", pk=product.pk, step=target)
    else:
        form_class = {
            "thong-tin": ProductBasicsForm,
            "gia": ProductDetailsForm,
            "nguon-goc": ProductOriginForm,
        }[step]
        form = form_class(data, files, instance=product)
        if step == "nguon-goc":
            form.fields["growing_area"].queryset = growing_area_choices(producer)
        if request.method == "POST" and form.is_valid():
            try:
                services.update_listing(
                    product,
                    request.user,
                    [name for name in form.changed_data if name != "certificate_photo"],
                    certificate_upload=form.cleaned_data.get("certificate_photo") or None,
                )
            except ValidationError as error:
                form.add_error("certificate_photo" if step == "nguon-goc" else None, error)
            else:
                return redirect("marketplace:product_step", pk=product.pk, step=_next_step(step))
    context["form"] = form
    status = 400 if request.method == "POST" else 200
    return render(request, "marketplace/listing_step.html", context, status=status)


@login_required
def ocop_certificate(request, pk, name):
    """The listing's OCOP certificate, a private file: only to the producer's farmers, their
    consented helper and moderators; the name in the address must be the stored one."""
    product = _product_for(request, pk)
    if not product.ocop_certificate or product.ocop_certificate.name.rsplit("/", 1)[-1] != name:
        raise Http404
    return serve_private(request, product.ocop_certificate, name)


@login_required
@require_POST
def product_stock(request, pk):
    """The quantity left, from the seller desk: the listing stays as it is (no new review)."""
    product = _product_for(request, pk)
    form = _stock_form(product, request.POST)
    if form.is_valid():
        try:
            services.update_stock(product, request.user, form.cleaned_data["quantity_available"])
        except ValidationError as error:
            form.add_error("quantity_available", error)
    if not form.is_valid():
        return _producer_desk(request, product.producer, stock_form=(product.pk, form), status=400)
    messages.success(
        request,
        _("“%(name)s”: %(quantity)s left for sale.")
        % {"name": product.name, "quantity": form.cleaned_data["quantity_available"]},
    )
    url = reverse("marketplace:producer_desk", args=[product.producer.slug])
    return redirect(f"{url}#san-pham-{product.pk}")


@login_required
@require_POST
def photo_remove(request, pk, photo_pk):
    product = _product_for(request, pk)
    photo = get_for_actor(
        request.user, ProductPhoto, related=("image",), pk=photo_pk, product=product
    )
    if not product.is_editable:
        raise PermissionDenied
    try:
        services.remove_photo(photo, request.user)
    except InvalidTransition as error:  # sent for review from another tab meanwhile
        messages.error(request, " ".join(error.messages))
    return redirect("marketplace:product_step", pk=product.pk, step="anh")


@login_required
@require_POST
def photo_first(request, pk, photo_pk):
    product = _product_for(request, pk)
    photo = get_for_actor(request.user, ProductPhoto, pk=photo_pk, product=product)
    if not product.is_editable:
        raise PermissionDenied
    try:
        services.make_main_photo(photo, request.user)
    except InvalidTransition as error:  # sent for review from another tab meanwhile
        messages.error(request, " ".join(error.messages))
    return redirect("marketplace:product_step", pk=product.pk, step="anh")


# --- The farmer's consent to the commune's helpers ------------------------------------------


@login_required
@require_POST
def consent_request(request, slug):
    """A helper asks a farmer of their commune for consent to act for them."""
    producer = get_for_actor(request.user, Producer, access.ASK_CONSENT, slug=slug)
    try:
        services.request_consent(producer, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s is asked for consent; you can act for them once they agree.")
            % {"name": producer.name},
        )
    return redirect("marketplace:desk")


@login_required
@require_POST
def consent_answer(request, slug):
    """The farmer agrees to or refuses a helper's request, on their own desk."""
    producer = get_for_actor(request.user, Producer, access.ANSWER_CONSENT, slug=slug)
    answer = request.POST.get("answer")
    if answer not in ("grant", "refuse"):
        messages.error(request, _("Choose whether you agree or refuse."))
        return redirect("marketplace:producer_desk", slug=producer.slug)
    try:
        services.answer_consent(producer, request.user, grant=answer == "grant")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if answer == "grant":
            messages.success(request, _("The commune's helpers may now act for you."))
        else:
            messages.success(request, _("You refused; the commune's helpers cannot act for you."))
    return redirect("marketplace:producer_desk", slug=producer.slug)
