"""Moderators' back office for traceability, in the Wagtail admin: batches and their steps,
print runs, labels (flagged first; voided or restored through the services, with a reason)
and scans."""

import django_filters
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    IndexView,
    InspectView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from accounts.audit_admin import ViewOnlyPolicy
from marketplace.access import is_moderator

from . import admin_views
from .models import Batch, Label, LabelPrintRun, Scan, TraceEvent

for _model in (Batch, TraceEvent, LabelPrintRun, Label, Scan):
    register_permission_policy(_model, ViewOnlyPolicy(_model))


class ReadOnlyViewSet(SnippetViewSet):
    """Records that only services write: moderators look, they do not edit."""

    inspect_view_enabled = True
    copy_view_enabled = False


class BatchViewSet(ReadOnlyViewSet):
    model = Batch
    icon = "list-ul"
    menu_label = _("Batches")
    list_display = ["lot", "product", "growing_area", "harvest_date", "quantity", "unit"]
    list_filter = ["unit", "harvest_date"]
    search_fields = ["lot"]
    ordering = ["-harvest_date", "-pk"]


class TraceEventViewSet(ReadOnlyViewSet):
    model = TraceEvent
    icon = "history"
    menu_label = _("Trace events")
    list_display = ["batch", "kind", "occurred_at", "place", "recorded_by", "corrects"]
    list_filter = ["kind"]
    ordering = ["-recorded_at", "-pk"]


class PrintRunViewSet(ReadOnlyViewSet):
    model = LabelPrintRun
    icon = "doc-full"
    menu_label = _("Label print runs")
    list_display = ["batch", "count", "layout", "status", "progress", "created_at", "voided_at"]
    list_filter = ["status", "layout"]
    ordering = ["-created_at"]


class LabelFilterSet(WagtailFilterSet):
    flagged = django_filters.BooleanFilter(
        label=_("Flagged as possibly copied"),
        field_name="flagged_at",
        lookup_expr="isnull",
        exclude=True,
    )
    voided = django_filters.BooleanFilter(
        label=_("Voided"), field_name="voided_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Label
        fields = []


def _label_action_buttons(user, label, priority):
    """ "Void label" or "Lift voiding", for moderators; the actions go through the services."""
    if not is_moderator(user):
        return []
    if label.voided_at is None:
        name, title, icon = "void", _("Void label"), "warning"
    else:
        name, title, icon = "unvoid", _("Lift voiding"), "undo"
    url = reverse(f"wagtailsnippets_traceability_label:{name}", args=[label.pk])
    return [Button(title, url=url, icon_name=icon, priority=priority)]


class LabelIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        return [*buttons, *_label_action_buttons(self.request.user, instance, 15)]


class LabelInspectView(InspectView):
    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        return [*buttons, *_label_action_buttons(self.request.user, self.object, 5)]


class LabelViewSet(ReadOnlyViewSet):
    """Labels are only looked at; voiding and lifting it are the two actions, each asking for
    a reason and recorded by the services."""

    model = Label
    icon = "tag"
    menu_label = _("Labels")
    index_view_class = LabelIndexView
    inspect_view_class = LabelInspectView
    list_display = [
        "serial",
        "batch",
        "scan_count",
        "network_count",
        "flagged_at",
        "flag_reason",
        "voided_at",
    ]
    filterset_class = LabelFilterSet
    search_fields = ["serial"]
    # Flagged labels first (on any database's NULL ordering), most recent flag on top.
    ordering = ["-is_flagged", "-flagged_at", "-pk"]

    def get_queryset(self, request):
        return Label.objects.select_related("batch__product").annotate(
            is_flagged=ExpressionWrapper(Q(flagged_at__isnull=False), output_field=BooleanField())
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("void/<int:pk>/", admin_views.VoidLabelView.as_view(), name="void"),
            path("unvoid/<int:pk>/", admin_views.UnvoidLabelView.as_view(), name="unvoid"),
        ]


class ScanViewSet(ReadOnlyViewSet):
    model = Scan
    icon = "view"
    menu_label = _("Scans")
    list_display = ["scanned_at", "serial", "lot", "outcome", "browser_family"]
    list_filter = ["outcome", "browser_family"]
    search_fields = ["serial", "lot"]
    ordering = ["-scanned_at"]


class TraceabilityGroup(SnippetViewSetGroup):
    menu_label = _("Traceability")
    menu_icon = "tag"
    menu_order = 320
    items = (BatchViewSet, TraceEventViewSet, PrintRunViewSet, LabelViewSet, ScanViewSet)


register_snippet(TraceabilityGroup)


class FlaggedLabelsMenuItem(MenuItem):
    """A shortcut to the labels that look copied, for those who may see labels."""

    def is_shown(self, request):
        return request.user.has_perm("traceability.view_label")


@hooks.register("register_admin_menu_item")
def flagged_labels_menu_item():
    return FlaggedLabelsMenuItem(
        _("Flagged labels"),
        reverse("wagtailsnippets_traceability_label:list") + "?flagged=true",
        icon_name="warning",
        order=321,
    )
