"""Moderators' back office for the postal side, in the Wagtail admin: post offices with the
communes they serve and their staff, and the pickup jobs (looked at, never edited here: the
services write them), the moderators' queue first (filter "In the moderators' queue"), each
queued job with its action "Assign an office" (``admin_views.AssignOfficeView``)."""

import django_filters
from django import forms
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
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
from accounts.models import User
from accounts.roles import Role
from marketplace.access import is_moderator
from places import divisions

from .admin_views import JOB_URLS, AssignOfficeView
from .models import PickupJob, PostOffice

register_permission_policy(PickupJob, ViewOnlyPolicy(PickupJob))


def commune_choices():
    return [("", "—")] + [
        (c.code, c.full_name) for p in divisions.provinces() for c in divisions.communes_of(p.code)
    ]


def province_choices():
    return [("", "—")] + [(p.code, p.full_name) for p in divisions.provinces()]


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return f"{user.full_name} ({user.phone})"


class PostOfficeViewSet(SnippetViewSet):
    model = PostOffice
    icon = "home"
    menu_label = _("Post offices")
    list_display = ["code", "name", "commune", "phone"]
    search_fields = ["code", "name"]
    search_backend_name = None
    ordering = ["name"]
    copy_view_enabled = False
    panels = [
        FieldPanel("code"),
        FieldPanel("name"),
        MultiFieldPanel(
            [
                FieldPanel("province_code", widget=forms.Select(choices=province_choices)),
                FieldPanel("commune_code", widget=forms.Select(choices=commune_choices)),
                FieldPanel("village"),
                FieldPanel("street"),
            ],
            heading=_("Address"),
        ),
        FieldPanel("phone"),
        FieldPanel("staff", widget=forms.CheckboxSelectMultiple),
        InlinePanel(
            "served_communes",
            heading=_("Communes served"),
            label=_("commune"),
            panels=[FieldPanel("commune_code", widget=forms.Select(choices=commune_choices))],
        ),
    ]

    def get_form_class(self, for_update=False):
        form_class = super().get_form_class(for_update)
        # only postal staff can belong to an office
        form_class.base_fields["staff"].queryset = User.objects.filter(
            groups__name=Role.POSTAL_STAFF.value
        ).order_by("full_name")
        return form_class


class PickupJobFilterSet(WagtailFilterSet):
    needs_moderator = django_filters.BooleanFilter(label=_("In the moderators' queue"))
    pickup_date = django_filters.DateFromToRangeFilter(
        label=_("Pickup date"), widget=DateRangePickerWidget
    )

    class Meta:
        model = PickupJob
        fields = ["office", "status"]


def _assign_buttons(user, job, priority):
    """The moderators' action on a job still to be collected: give it an office and put it
    back on that office's list."""
    if not is_moderator(user) or job.status not in PickupJob.TO_COLLECT:
        return []
    url = reverse(f"{JOB_URLS}:assign", args=[job.pk])
    label = _("Assign an office") if job.needs_moderator else _("Move to another office")
    return [Button(label, url=url, icon_name="mail", priority=priority)]


class PickupJobIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        return [*buttons, *_assign_buttons(self.request.user, instance, 15)]


class PickupJobInspectView(InspectView):
    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        return [*buttons, *_assign_buttons(self.request.user, self.object, 5)]


class PickupJobViewSet(SnippetViewSet):
    model = PickupJob
    icon = "mail"
    menu_label = _("Pickup jobs")
    index_view_class = PickupJobIndexView
    inspect_view_class = PickupJobInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "sscc",
        "seller_order",
        "office",
        "needs_moderator",
        "status",
        "pickup_date",
        "failures",
        "cod_amount",
    ]
    filterset_class = PickupJobFilterSet
    search_fields = ["sscc", "seller_order__order__number", "seller_order__producer__name"]
    search_backend_name = None
    # The moderators' queue (no office, or failed too often) first, then by date.
    ordering = ["-needs_moderator", "pickup_date", "pk"]

    def get_queryset(self, request):
        return PickupJob.objects.select_related(
            "office", "seller_order__order", "seller_order__producer"
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("assign/<int:pk>/", AssignOfficeView.as_view(), name="assign"),
        ]


class PostalPickupGroup(SnippetViewSetGroup):
    items = (PickupJobViewSet, PostOfficeViewSet)
    menu_icon = "mail"
    menu_label = _("Postal pickup")
    menu_name = "postal_pickup"
    menu_order = 220


register_snippet(PostalPickupGroup)
from . import import_admin, remittance_admin  # noqa: E402, F401  (import, COD remittance)
