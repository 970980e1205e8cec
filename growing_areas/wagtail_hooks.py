"""Moderators' back office for the growing-area registry, in the Wagtail admin."""

import django_filters
from django import forms
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.widgets import Button
from wagtail.snippets.views.snippets import EditView, IndexView, SnippetViewSet

from accounts.audit_admin import KeptHistoryDeleteView
from places import divisions
from places.forms import province_choices

from . import admin_views
from .models import EXPIRY_WARNING_DAYS, GrowingArea, local_today


def commune_choices():
    """Every commune, grouped by province (the admin works with JavaScript on or off)."""
    return [("", _("— Choose a commune —"))] + [
        (province.full_name, [(c.code, c.name) for c in divisions.communes_of(province.code)])
        for province in divisions.provinces()
    ]


class GrowingAreaForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Vietnamese writes decimals with a comma; a point is accepted as well.
        for name in ("area_ha", "latitude", "longitude"):
            if name in self.fields:
                field = self.fields[name]
                field.localize = True
                # a type=number input cannot show "120,50": use text with a decimal keypad
                field.widget = forms.TextInput(attrs={"inputmode": "decimal"})
                field.widget.is_localized = True

    def clean_code(self):
        from .validators import normalize_code

        return normalize_code(self.cleaned_data.get("code"))


class ExpiryFilter(django_filters.ChoiceFilter):
    def __init__(self, **kwargs):
        super().__init__(
            choices=[
                ("soon", _("Expires within %(days)d days") % {"days": EXPIRY_WARNING_DAYS}),
                ("expired", _("Expired")),
            ],
            method=self.apply,
            **kwargs,
        )

    @staticmethod
    def apply(queryset, name, value):
        if value == "soon":
            return queryset.expiring_within(EXPIRY_WARNING_DAYS, local_today())
        if value == "expired":
            return queryset.expired(local_today())
        return queryset


def _crop_choices():
    return [
        (c, c)
        for c in GrowingArea.objects.order_by("crop").values_list("crop", flat=True).distinct()
    ]


def _commune_filter_choices():
    used = GrowingArea.objects.order_by().values_list("commune_code", flat=True).distinct()
    communes = [divisions.commune(code) for code in used]
    return sorted(
        ((c.code, c.full_name) for c in communes if c), key=lambda item: divisions.fold(item[1])
    )


class GrowingAreaFilterSet(WagtailFilterSet):
    province_code = django_filters.ChoiceFilter(
        label=_("Province"), choices=lambda: province_choices()[1:]
    )
    commune_code = django_filters.ChoiceFilter(label=_("Commune"), choices=_commune_filter_choices)
    crop = django_filters.ChoiceFilter(label=_("Crop"), choices=_crop_choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=GrowingArea.Status.choices)
    expiry = ExpiryFilter(label=_("Expiry"))

    class Meta:
        model = GrowingArea
        fields = ["province_code", "commune_code", "crop", "status"]


class GrowingAreaIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if admin_views.can_change_areas(self.request.user):
            buttons.append(
                Button(
                    _("Change status"),
                    url=reverse(
                        "wagtailsnippets_growing_areas_growingarea:change_status",
                        args=[instance.pk],
                    ),
                    icon_name="warning",
                    priority=15,
                )
            )
        return buttons

    @property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if admin_views.can_import(self.request.user):
            buttons.append(
                Button(
                    _("Import from a spreadsheet"),
                    url=reverse("growing_area_imports:upload"),
                    icon_name="upload",
                    priority=50,
                )
            )
        return buttons


class GrowingAreaEditView(EditView):
    @property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if admin_views.can_change_areas(self.request.user):
            buttons.append(
                Button(
                    _("Change status"),
                    url=reverse(
                        "wagtailsnippets_growing_areas_growingarea:change_status",
                        args=[self.object.pk],
                    ),
                    icon_name="warning",
                    priority=5,
                )
            )
        return buttons


class StatusColumn(Column):
    def get_value(self, instance):
        return instance.standing_label


class ExpiryColumn(Column):
    """The expiry date as a date (Wagtail's DateColumn shows times relative to now)."""

    def get_value(self, instance):
        if instance.valid_until is None:
            return ""
        text = date_format(instance.valid_until, "d/m/Y")
        if instance.is_expired:
            return f"{text} ({_('Expired')})"
        if instance.expires_soon:
            return f"{text} ({_('Expires soon')})"
        return text


class CommuneColumn(Column):
    def get_value(self, instance):
        return instance.location_text


class GrowingAreaViewSet(SnippetViewSet):
    model = GrowingArea
    icon = "site"
    menu_label = _("Registry")
    menu_order = 1
    index_view_class = GrowingAreaIndexView
    edit_view_class = GrowingAreaEditView
    delete_view_class = KeptHistoryDeleteView  # a code with a status history is revoked instead
    list_per_page = 50
    list_display = [
        "code",
        "name",
        "crop",
        CommuneColumn("commune_code", label=_("Commune")),
        StatusColumn("status", label=_("Status"), sort_key="status"),
        ExpiryColumn("valid_until", label=_("Expiry date"), sort_key="valid_until"),
    ]
    filterset_class = GrowingAreaFilterSet
    search_fields = ["code", "name"]
    search_backend_name = None  # plain database search: imports bypass any search index
    list_export = [
        "code",
        "name",
        "crop",
        "variety",
        "area_ha",
        "province_code",
        "commune_code",
        "village",
        "holder_name",
        "holder_phone",
        "households",
        "issued_by",
        "issued_on",
        "valid_until",
        "latitude",
        "longitude",
        "boundary_geojson",
        "export_markets",
        "status",
    ]
    # the import's column names, so an exported sheet can be edited and imported back
    export_headings = {
        **{name: name for name in list_export},
        "province_code": "province",
        "commune_code": "commune",
    }
    export_filename = "vung-trong"
    ordering = ["code"]

    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("code"),
                    FieldPanel("name"),
                    FieldRowPanel([FieldPanel("crop"), FieldPanel("variety")]),
                    FieldPanel("area_ha"),
                ],
                heading=_("The area"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("province_code", widget=forms.Select(choices=province_choices)),
                    FieldPanel("commune_code", widget=forms.Select(choices=commune_choices)),
                    FieldPanel("village"),
                    FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
                    FieldPanel("boundary", widget=forms.Textarea(attrs={"rows": 6})),
                ],
                heading=_("Where"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("holder_name"),
                    FieldRowPanel([FieldPanel("holder_type"), FieldPanel("holder_phone")]),
                    FieldPanel("households"),
                ],
                heading=_("Holder"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("issued_by"),
                    FieldRowPanel([FieldPanel("issued_on"), FieldPanel("valid_until")]),
                    FieldPanel("export_markets"),
                ],
                heading=_("Code issued"),
            ),
            InlinePanel("certifications", heading=_("Certifications"), label=_("Certification")),
        ],
        base_form_class=GrowingAreaForm,
    )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "status/<str:pk>/",
                admin_views.ChangeStatusView.as_view(),
                name="change_status",
            ),
        ]


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_import(request.user)


class GrowingAreaImportViewSet(ViewSet):
    name = "growing_area_imports"
    url_prefix = "growing-areas/import"
    icon = "upload"
    menu_label = _("Import")
    menu_order = 2
    menu_item_class = ImportMenuItem

    @property
    def menu_url(self):
        return reverse("growing_area_imports:upload")

    def get_urlpatterns(self):
        return [
            path("", admin_views.ImportUploadView.as_view(), name="upload"),
            path("<uuid:pk>/", admin_views.ImportJobView.as_view(), name="job"),
            path("<uuid:pk>/status.json", admin_views.ImportJobStatusView.as_view(), name="status"),
        ]


class GrowingAreaGroup(ViewSetGroup):
    menu_label = _("Growing areas")
    menu_icon = "site"
    menu_order = 250
    items = (GrowingAreaViewSet, GrowingAreaImportViewSet)


@hooks.register("register_admin_viewset")
def register_growing_areas():
    return GrowingAreaGroup()
