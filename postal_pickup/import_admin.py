"""The moderators' post office import in the Wagtail admin: upload a CSV or XLSX file, see
every bad line with its column, or the offices created and updated. Post office files are
small (a province has a few hundred offices), so the import runs in the request."""

from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from growing_areas.forms import ImportUploadForm
from marketplace.access import is_moderator

from .importing import COLUMNS, REQUIRED_COLUMNS, import_offices
from .remittance_admin import ModeratorMenuItem


class OfficeImportForm(ImportUploadForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "The first row names the columns: code, name, province, commune, served_communes "
            "and any of phone, village, street, staff_phones."
        )


class OfficeImportView(WagtailAdminTemplateMixin, FormView):
    template_name = "postal_pickup/admin/office_import.html"
    form_class = OfficeImportForm
    header_icon = "upload"
    page_title = gettext_lazy("Import post offices")

    def dispatch(self, request, *args, **kwargs):
        if not is_moderator(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "columns": COLUMNS,
            "required_columns": REQUIRED_COLUMNS,
            "list_url": reverse("wagtailsnippets_postal_pickup_postoffice:list"),
        }

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        report = import_offices(upload.read(), upload.name, dry_run=form.cleaned_data["dry_run"])
        return self.render_to_response(self.get_context_data(form=self.form_class(), report=report))


@hooks.register("register_admin_urls")
def register_import_urls():
    return [path("postal/offices/import/", OfficeImportView.as_view(), name="postal_office_import")]


@hooks.register("register_admin_menu_item")
def import_menu_item():
    return ModeratorMenuItem(
        gettext_lazy("Import post offices"),
        reverse("postal_office_import"),
        icon_name="upload",
        order=222,
    )
