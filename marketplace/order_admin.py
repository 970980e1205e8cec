"""The moderators' back office for orders, in the Wagtail admin: orders (with their parcels,
lines, events and payments, and a "Huỷ đơn" action asking for a reason), payments, the webhook
inbox and the unmatched bank transfers (with a "Resolve" action). Every row here is written by
the services, so each list is view-only; the actions go through ``checkout.cancel_order`` and
``transfers.resolve_transfer_issue``."""

import datetime

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import Button
from wagtail.permissions import register_permission_policy
from wagtail.snippets.views.snippets import (
    IndexView,
    InspectView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from accounts.audit_admin import ViewOnlyPolicy
from accounts.phone import display_phone

from .access import is_moderator
from .checkout import cancel_order
from .order_models import (
    Order,
    OrderLine,
    Payment,
    SellerOrder,
    TransferIssue,
    WebhookEvent,
)
from .prices import format_vnd
from .transfers import Resolution, resolve_transfer_issue

for _model in (Order, Payment, WebhookEvent, TransferIssue):
    register_permission_policy(_model, ViewOnlyPolicy(_model))

ORDER_URLS = "wagtailsnippets_marketplace_order"
TRANSFER_URLS = "wagtailsnippets_marketplace_transferissue"
# What a moderator may still cancel: unpaid or confirmed orders (the service refuses one with
# a parcel already with the post office, and says so).
MODERATOR_CANCELS = {Order.Status.AWAITING_PAYMENT, Order.Status.CONFIRMED}


def vnd_column(name, label):
    return Column(name, label=label, accessor=lambda row: format_vnd(getattr(row, name)))


class ReadOnlyViewSet(SnippetViewSet):
    """Rows only services write: moderators look, they do not add, edit or copy."""

    inspect_view_enabled = True
    copy_view_enabled = False
    search_backend_name = None


# --- Orders -----------------------------------------------------------------------------------


def _cancel_buttons(user, order, priority):
    if not is_moderator(user) or order.status not in MODERATOR_CANCELS:
        return []
    url = reverse(f"{ORDER_URLS}:cancel", args=[order.pk])
    return [Button(_("Cancel order"), url=url, icon_name="cross", priority=priority)]


class OrderIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        return [*buttons, *_cancel_buttons(self.request.user, instance, 15)]


def order_details(order):
    """The order's parcels with their lines, its events and its payments: four queries."""
    parcels = (
        order.seller_orders.select_related("producer")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
        .order_by("pk")
    )
    events = list(
        order.events.select_related("actor", "seller_order__producer").order_by("created_at", "pk")
    )
    for event in events:
        labels = dict((SellerOrder if event.seller_order_id else Order).Status.choices)
        event.change = "{} → {}".format(
            labels.get(event.from_status, "·"), labels.get(event.to_status, event.to_status)
        )
    return {
        "parcels": parcels,
        "events": events,
        "payments": order.payments.order_by("created_at", "pk"),
    }


class OrderInspectView(InspectView):
    template_name = "marketplace/admin/order_inspect.html"

    def get_field_display_value(self, field_name, field):
        """Times in Vietnam's time (the generic view would print UTC), a dash for none."""
        value = super().get_field_display_value(field_name, field)
        if isinstance(value, datetime.datetime):
            return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
        return "—" if value in (None, "") else value

    def get_buyer_phone_display_value(self):
        return display_phone(self.object.buyer_phone)

    def get_goods_total_display_value(self):
        return format_vnd(self.object.goods_total)

    def get_shipping_total_display_value(self):
        return format_vnd(self.object.shipping_total)

    def get_total_display_value(self):
        return format_vnd(self.object.total)

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        return [*buttons, *_cancel_buttons(self.request.user, self.object, 5)]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **order_details(self.object)}


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Kept in the order's history and shown to the buyer on the tracking page."),
        error_messages={"required": _("Say why the order is cancelled.")},
    )


class CancelOrderView(WagtailAdminTemplateMixin, FormView):
    """A moderator cancels an order with a reason: stock returned, a card payment refunded by
    the refund task, everything recorded by ``checkout.cancel_order``."""

    template_name = "marketplace/admin/cancel_order.html"
    form_class = CancelForm
    header_icon = "cross"
    page_title = _("Cancel order")

    def dispatch(self, request, *args, **kwargs):
        if not is_moderator(request.user):
            raise PermissionDenied
        self.order = get_object_or_404(Order, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.order.number

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse(f"{ORDER_URLS}:list"), "label": Order._meta.verbose_name_plural},
            {
                "url": reverse(f"{ORDER_URLS}:inspect", args=[self.order.pk]),
                "label": str(self.order),
            },
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **order_details(self.order),
            "order": self.order,
            "cancellable": self.order.status in MODERATOR_CANCELS,
        }

    def form_valid(self, form):
        try:
            cancel_order(self.order, actor=self.request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:  # a parcel already with the post office, or closed
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "Order %(number)s cancelled: its stock is back on sale; money already paid "
                "by card is refunded."
            )
            % {"number": self.order.number},
        )
        return redirect(f"{ORDER_URLS}:inspect", self.order.pk)


class OrderViewSet(ReadOnlyViewSet):
    model = Order
    icon = "list-ul"
    menu_label = _("Orders")
    index_view_class = OrderIndexView
    inspect_view_class = OrderInspectView
    list_display = [
        "number",
        "buyer_name",
        vnd_column("total", _("Total")),
        "payment_method",
        "status",
        "created_at",
    ]
    list_filter = ["status", "payment_method"]
    list_export = ["number", "buyer_name", "total", "payment_method", "status", "created_at"]
    search_fields = ["number", "buyer_name", "buyer_phone"]
    ordering = ["-created_at", "-pk"]
    # the tracking and checkout tokens are the buyer's keys: never shown, not even here
    inspect_view_fields = [
        "number",
        "status",
        "buyer",
        "buyer_name",
        "buyer_phone",
        "payment_method",
        "goods_total",
        "shipping_total",
        "total",
        "payment_deadline",
        "created_at",
        "confirmed_at",
        "closed_at",
        "note",
    ]

    def get_queryset(self, request):
        return Order.objects.select_related("buyer")

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("cancel/<int:pk>/", CancelOrderView.as_view(), name="cancel"),
        ]


# --- Payments, the webhook inbox, unmatched transfers ----------------------------------------


class PaymentViewSet(ReadOnlyViewSet):
    model = Payment
    icon = "tick-inverse"
    menu_label = _("Payments")
    list_display = [
        "order",
        "method",
        vnd_column("amount", _("Amount")),
        "status",
        "reference",
        "created_at",
        "paid_at",
    ]
    list_filter = ["status", "method"]
    search_fields = ["reference", "provider_id"]
    ordering = ["-created_at", "-pk"]
    # the card client secret lets a browser confirm the payment: not for display
    inspect_view_fields_exclude = ["client_secret"]

    def get_queryset(self, request):
        return Payment.objects.select_related("order")


class WebhookFilterSet(WagtailFilterSet):
    processed = django_filters.BooleanFilter(
        label=_("Processed"), field_name="processed_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = WebhookEvent
        fields = ["provider", "signature_valid"]


class WebhookEventViewSet(ReadOnlyViewSet):
    model = WebhookEvent
    icon = "mail"
    menu_label = _("Webhook inbox")
    list_display = [
        "provider",
        "event_id",
        "signature_valid",
        "received_at",
        "processed_at",
        "attempts",
        Column("error", label=_("Error"), accessor=lambda row: row.error[:80]),
    ]
    filterset_class = WebhookFilterSet
    search_fields = ["event_id"]
    ordering = ["-received_at", "-pk"]


class TransferIssueFilterSet(WagtailFilterSet):
    open = django_filters.BooleanFilter(
        label=_("Waiting for a decision"), field_name="resolved_at", lookup_expr="isnull"
    )

    class Meta:
        model = TransferIssue
        fields = ["reason"]


class ResolveForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Decision"), choices=Resolution.choices, widget=forms.RadioSelect
    )
    order_number = forms.CharField(
        label=_("Order this transfer pays for"),
        required=False,
        max_length=16,
        help_text=_(
            "Only when the transfer had no usable reference: the order number, e.g. CP-24Q7-K3M9."
        ),
    )
    note = forms.CharField(
        label=_("What you did and why"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Say what you did and why.")},
    )

    def clean_order_number(self):
        number = self.cleaned_data["order_number"].strip().upper()
        if not number:
            return None
        payment = (
            Payment.objects.filter(order__number=number, method="vietqr")
            .order_by("-created_at")
            .first()
        )
        if payment is None:
            raise ValidationError(_("No order paid by bank transfer has this number."))
        return payment


class ResolveTransferView(WagtailAdminTemplateMixin, FormView):
    """A moderator decides an unmatched transfer: confirm the order it pays for, or close it
    (money sent back by hand, or not for an order). ``transfers.resolve_transfer_issue``
    records who, when and why."""

    template_name = "marketplace/admin/resolve_transfer.html"
    form_class = ResolveForm
    header_icon = "warning"
    page_title = _("Resolve transfer")

    def dispatch(self, request, *args, **kwargs):
        if not is_moderator(request.user):
            raise PermissionDenied
        self.issue = get_object_or_404(
            TransferIssue.objects.select_related("payment__order"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "issue": self.issue}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            resolve_transfer_issue(
                self.issue,
                actor=self.request.user,
                action=data["action"],
                note=data["note"],
                payment=data["order_number"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Transfer resolved and recorded."))
        return redirect(f"{TRANSFER_URLS}:list")


class TransferIssueIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.resolved_at is None and is_moderator(self.request.user):
            url = reverse(f"{TRANSFER_URLS}:resolve", args=[instance.pk])
            buttons.append(Button(_("Resolve"), url=url, icon_name="tick", priority=5))
        return buttons


class TransferIssueViewSet(ReadOnlyViewSet):
    model = TransferIssue
    icon = "warning"
    menu_label = _("Unmatched transfers")
    index_view_class = TransferIssueIndexView
    list_display = [
        "reason",
        vnd_column("amount", _("Amount received")),
        "content",
        "transaction_id",
        "created_at",
        "resolved_at",
        "resolved_by",
    ]
    filterset_class = TransferIssueFilterSet
    search_fields = ["content", "transaction_id"]
    # open ones first (on any database's NULL ordering), newest on top
    ordering = ["-is_open", "-created_at", "-pk"]

    def get_queryset(self, request):
        return TransferIssue.objects.select_related("resolved_by", "payment__order").annotate(
            is_open=ExpressionWrapper(Q(resolved_at__isnull=True), output_field=BooleanField())
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("resolve/<int:pk>/", ResolveTransferView.as_view(), name="resolve"),
        ]


class OrdersGroup(SnippetViewSetGroup):
    menu_label = _("Orders")
    menu_icon = "list-ul"
    menu_name = "orders"
    menu_order = 210
    items = (OrderViewSet, PaymentViewSet, WebhookEventViewSet, TransferIssueViewSet)
