"""Moderators' back office for traceability, in the Wagtail admin: batches and their steps,
print runs, labels (flagged first, with voiding) and scans."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Batch, Label, LabelPrintRun, Scan, TraceEvent


class ViewOnlyPolicy(ModelPermissionPolicy):
    """Only "view", even for superusers: these rows are written by services alone (trace
    events are append-only), so the admin offers no add, edit or delete."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(["view"])


for _model in (Batch, TraceEvent, LabelPrintRun, Scan):
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


class LabelVoidForm(WagtailAdminModelForm):
    """A moderator voids a label, or lifts the voiding of one found genuine."""

    voided = forms.BooleanField(label=_("Voided"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["voided"].initial = self.instance.voided_at is not None

    def save(self, commit=True):
        if self.cleaned_data["voided"] and self.instance.voided_at is None:
            self.instance.voided_at = timezone.now()
        elif not self.cleaned_data["voided"]:
            self.instance.voided_at = None
        return super().save(commit)


class LabelViewSet(SnippetViewSet):
    model = Label
    icon = "tag"
    menu_label = _("Labels")
    inspect_view_enabled = True
    copy_view_enabled = False
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
    edit_handler = ObjectList(
        [FieldPanel("voided"), FieldPanel("void_reason")], base_form_class=LabelVoidForm
    )

    def get_queryset(self, request):
        return Label.objects.select_related("batch__product").annotate(
            is_flagged=ExpressionWrapper(Q(flagged_at__isnull=False), output_field=BooleanField())
        )


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
