from django import forms
from django.utils.translation import gettext_lazy as _

from config.widgets import QuickSelect
from places import divisions

from .models import GrowingArea


class AreaFilterForm(forms.Form):
    """The filters of the public list and the GeoJSON feed; every field is optional."""

    province = forms.ChoiceField(label=_("Province"), required=False, widget=QuickSelect)
    crop = forms.ChoiceField(label=_("Crop"), required=False, widget=QuickSelect)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *GrowingArea.Status.choices],
    )

    def __init__(self, *args, crops=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", _("All provinces"))] + [
            (p.code, p.full_name) for p in divisions.provinces()
        ]
        self.fields["crop"].choices = [("", _("All crops"))] + [(c, c) for c in crops]

    def filter(self, queryset):
        if not self.is_bound or not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["province"]:
            queryset = queryset.filter(province_code=data["province"])
        if data["crop"]:
            queryset = queryset.filter(crop=data["crop"])
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        return queryset


class ChangeStatusForm(forms.Form):
    """Asks for the new status and, always, the reason."""

    status = forms.ChoiceField(label=_("New status"))
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("Kept in the area's history with your name and the time."),
        error_messages={"required": _("Say why the status changes.")},
    )

    def __init__(self, *args, area, **kwargs):
        super().__init__(*args, **kwargs)
        self.area = area
        self.fields["status"].choices = [
            (value, label) for value, label in GrowingArea.Status.choices if value != area.status
        ]

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Say why the status changes."))
        return reason


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (CSV or XLSX)"),
        help_text=_(
            "The first row names the columns: code, name, crop, area_ha, commune, holder_name, "
            "issued_by, issued_on and any of the optional ones."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file, save nothing"), required=False, initial=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        from .importing import max_bytes

        if upload.size > max_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB. Split it into smaller files.")
                % {"size": max_bytes() // (1024 * 1024)}
            )
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt", ".xlsm")):
            raise forms.ValidationError(_("Upload a CSV (.csv) or Excel (.xlsx) file."))
        return upload
