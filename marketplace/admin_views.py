"""Moderators' screens in the Wagtail admin: the review queue and the province progress report."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.images import get_image_model

from places import divisions

from . import services
from .forms import ReviewForm
from .models import InvalidTransition, Producer, Product, ProductPhoto
from .queries import search

THUMB = "fill-160x120"

# The states whose listings the queue can show: those a moderator can decide something on.
QUEUE_STATES = [state for state in Product.Review if Product.decisions(state)]

# One decision for a listing whose producer awaits verification: both happen, or neither.
APPROVE_AND_VERIFY = "approved+verified"
# The first, empty choice: nothing is decided until the moderator picks something.
NO_DECISION = ("", gettext_lazy("Choose a decision…"))
DASHBOARD_ROWS = 5


def producer_awaits_verification(producer):
    return producer.verification == Producer.Verification.PENDING


def listing_decisions(product, state=None):
    """The moderator's choices for ``product`` (in ``state``, its own by default), from the
    model's transition table, after an empty first choice. When approving is one of them and
    the producer awaits verification, "approve and verify the producer" comes first."""
    decisions = Product.decisions(state or product.review_state)
    if producer_awaits_verification(product.producer) and any(
        target == Product.Review.APPROVED for target, _label in decisions
    ):
        decisions = [(APPROVE_AND_VERIFY, _("Approve and verify the producer")), *decisions]
    return [NO_DECISION, *decisions]


def producer_decisions(producer):
    return [NO_DECISION, *Producer.decisions(producer.verification)]


class ModeratorMixin:
    permission = "marketplace.change_product"

    def get_breadcrumbs_items(self):
        # the page's own title after "Home", so the header names the page
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.page_title}]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ReviewQueueView(ModeratorMixin, WagtailAdminTemplateMixin, TemplateView):
    """Producers and listings awaiting review, or (?state=approved) published listings that
    may be unpublished."""

    template_name = "marketplace/admin/review_queue.html"
    page_title = gettext_lazy("Review queue")
    header_icon = "tasks"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = self.request.GET.get("state", Product.Review.PENDING)
        if state not in QUEUE_STATES:
            state = Product.Review.PENDING
        images = get_image_model().objects.prefetch_renditions(THUMB)
        products = (
            Product.objects.filter(review_state=state)
            .select_related("producer", "growing_area")
            .prefetch_related(
                Prefetch(
                    "photos",
                    queryset=ProductPhoto.objects.prefetch_related(
                        Prefetch("image", queryset=images)
                    ),
                )
            )
            .order_by("submitted_at", "pk")
        )
        query = self.request.GET.get("q", "").strip()
        if query:
            products = search(products, query)
        context.update(
            state=state,
            states=[(s, s.label) for s in QUEUE_STATES],
            products=[
                (p, ReviewForm(decisions=listing_decisions(p, state))) for p in products[:50]
            ],
            producers=[
                (p, ReviewForm(decisions=producer_decisions(p)))
                for p in Producer.objects.filter(verification=Producer.Verification.PENDING)
                .select_related("onboarded_by")
                .order_by("created_at")[:50]
            ]
            if state == Product.Review.PENDING
            else [],
            thumb=THUMB,
            query=query,
        )
        return context


def _decide(request, obj, decisions, apply):
    form = ReviewForm(request.POST, decisions=decisions)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return
    try:
        apply(form.cleaned_data["decision"], form.cleaned_data["reason"])
    except (ValidationError, InvalidTransition) as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved: %(name)s.") % {"name": obj})


def review_product(request, pk):
    if request.method != "POST" or not request.user.has_perm("marketplace.change_product"):
        raise PermissionDenied
    product = get_object_or_404(Product.objects.select_related("producer"), pk=pk)

    def apply(decision, reason):
        if decision == APPROVE_AND_VERIFY:
            if not request.user.has_perm("marketplace.change_producer"):
                raise PermissionDenied
            services.approve_and_verify(product, request.user, reason)
        else:
            services.review_listing(product, request.user, decision, reason)

    _decide(request, product, listing_decisions(product), apply)
    product.refresh_from_db()
    product.producer.refresh_from_db()
    if product.review_state == Product.Review.APPROVED and not product.producer.is_verified:
        messages.warning(
            request,
            _("%(producer)s is not verified yet: the listing shows once the producer is.")
            % {"producer": product.producer},
        )
    return redirect(f"{reverse('marketplace_review_queue')}?state={request.POST.get('back', '')}")


def review_producer(request, pk):
    if request.method != "POST" or not request.user.has_perm("marketplace.change_producer"):
        raise PermissionDenied
    producer = get_object_or_404(Producer, pk=pk)
    _decide(
        request,
        producer,
        producer_decisions(producer),
        lambda decision, note: services.review_producer(producer, request.user, decision, note),
    )
    return redirect("marketplace_review_queue")


class ProgressReportView(ModeratorMixin, WagtailAdminTemplateMixin, TemplateView):
    """OCOP products on the platform by province and commune, against the 100% target."""

    template_name = "marketplace/admin/progress.html"
    permission = "marketplace.view_product"
    page_title = gettext_lazy("Province progress")
    header_icon = "doc-full"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ocop = Q(ocop_stars__isnull=False)
        listed = ~Q(review_state=Product.Review.DRAFT)
        published = Product.objects.public_condition()
        rows = (
            Product.objects.filter(ocop)
            .values("producer__province_code", "producer__commune_code")
            .annotate(
                registered=Count("pk"),
                listed=Count("pk", filter=listed),
                published=Count("pk", filter=published),
                valid=Count("pk", filter=published & Product.objects.ocop_valid_condition()),
            )
            .order_by("producer__province_code", "producer__commune_code")
        )
        provinces = {}
        for row in rows:
            code = row["producer__province_code"]
            province = provinces.setdefault(
                code,
                {
                    "province": divisions.province(code),
                    "registered": 0,
                    "listed": 0,
                    "published": 0,
                    "valid": 0,
                    "communes": [],
                },
            )
            for key in ("registered", "listed", "published", "valid"):
                province[key] += row[key]
            row["commune"] = divisions.commune(row["producer__commune_code"])
            row["percent"] = round(100 * row["published"] / row["registered"])
            province["communes"].append(row)
        for province in provinces.values():
            province["percent"] = round(100 * province["published"] / province["registered"])
        helpers = (
            Producer.objects.filter(onboarded_by__isnull=False)
            .values("onboarded_by__full_name", "onboarded_by__phone")
            .annotate(
                producers=Count("pk", distinct=True),
                verified=Count(
                    "pk", filter=Q(verification=Producer.Verification.VERIFIED), distinct=True
                ),
                products=Count("products", distinct=True),
            )
            .order_by("-producers")
        )
        context.update(
            provinces=list(provinces.values()),
            helpers=list(helpers),
            pending_products=Product.objects.filter(review_state=Product.Review.PENDING).count(),
            pending_producers=Producer.objects.filter(
                verification=Producer.Verification.PENDING
            ).count(),
        )
        return context


class ReviewQueuePanel(Component):
    """The admin dashboard's view of the review queue: how many listings and producers wait,
    the oldest few of each, linked to the queue."""

    name = "marketplace_review_queue"
    template_name = "marketplace/admin/dashboard_queue.html"
    order = 90  # above Wagtail's own panels: this is the moderators' daily work

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        listings = Product.objects.filter(review_state=Product.Review.PENDING)
        producers = Producer.objects.filter(verification=Producer.Verification.PENDING)
        context.update(
            listings=list(
                listings.select_related("producer").order_by("submitted_at", "pk")[:DASHBOARD_ROWS]
            ),
            listing_count=listings.count(),
            producers=list(producers.order_by("created_at", "pk")[:DASHBOARD_ROWS]),
            producer_count=producers.count(),
            queue_url=reverse("marketplace_review_queue"),
        )
        return context
