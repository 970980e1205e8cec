"""Province and commune choosers that work with JavaScript off, and the old-address box."""

from django import forms
from django.forms.utils import ErrorDict
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from config.widgets import QuickSelect

from . import divisions
from .conversion import SplitCommune, convert_legacy_address

REFRESH_FIELD = "refresh_communes"


def province_choices():
    return [("", _("— Choose a province —"))] + [
        (p.code, p.full_name) for p in divisions.provinces()
    ]


def commune_choices(province_code):
    if not province_code:
        return [("", _("— Choose the province first —"))]
    return [("", _("— Choose a commune —"))] + [
        (c.code, c.name) for c in divisions.communes_of(province_code)
    ]


class AddressFormMixin:
    """For a form with ``province_code``, ``commune_code``, ``village`` and ``old_address``
    fields (see AddressForm). The commune list follows the chosen province: with JavaScript
    the list is refilled at once; without it, the "update" button resubmits the form and the
    view shows it again with the new list (``is_refresh``)."""

    def _setup_address_fields(self):
        province_code = self.data.get(self.add_prefix("province_code")) if self.is_bound else None
        province_code = province_code or self.initial.get("province_code") or ""
        self.fields["commune_code"].choices = commune_choices(
            divisions.province_code(province_code) if divisions.province(province_code) else ""
        )

    def is_refresh(self):
        """True when the person only asked for the commune list to follow the province."""
        return self.is_bound and REFRESH_FIELD in self.data

    def full_clean(self):
        if self.is_refresh():
            # Not a submission: show the form again with the new list and no errors.
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()

    def is_valid(self):
        return not self.is_refresh() and super().is_valid()

    address_candidates = ()

    def _offer_candidates(self, split):
        """The old commune was divided: show the form again with its province chosen and
        only the new communes it became in the commune list, for the person to choose."""
        self.address_candidates = split.candidates
        self.data = self.data.copy()
        self.data[self.add_prefix("province_code")] = split.candidates[0].province_code
        if not self.data.get(self.add_prefix("village")):
            self.data[self.add_prefix("village")] = split.village
        self.fields["commune_code"].choices = [("", _("— Choose one of these communes —"))] + [
            (c.code, c.name) for c in split.candidates
        ]
        self.errors.pop("province_code", None)
        self.add_error("commune_code", split)

    def clean(self):
        cleaned = super().clean()
        old_address = (cleaned.get("old_address") or "").strip()
        self.converted_address = None
        if old_address and not cleaned.get("commune_code"):
            try:
                converted = convert_legacy_address(old_address)
            except SplitCommune as split:
                self._offer_candidates(split)
                return cleaned
            except forms.ValidationError as error:
                self.add_error("old_address", error)
                return cleaned
            self.converted_address = converted
            cleaned["province_code"] = converted.commune.province_code
            cleaned["commune_code"] = converted.commune.code
            if not cleaned.get("village"):
                cleaned["village"] = converted.village
            for name in ("province_code", "commune_code"):
                self.errors.pop(name, None)
        elif not cleaned.get("commune_code") and "commune_code" not in self.errors:
            self.add_error(
                "commune_code",
                _("Choose your commune, or write your old address in the box below."),
            )
        commune = divisions.commune(cleaned.get("commune_code"))
        if (
            commune
            and cleaned.get("province_code")
            and (commune.province_code != cleaned["province_code"])
        ):
            self.add_error("commune_code", _("This commune is not in the chosen province."))
        return cleaned


class AddressForm(AddressFormMixin, forms.Form):
    province_code = forms.ChoiceField(
        label=_("Province"),
        required=False,
        widget=QuickSelect(attrs={"data-province-select": ""}),
    )
    commune_code = forms.ChoiceField(
        label=_("Commune / ward"),
        required=False,
        widget=QuickSelect(
            attrs={"data-commune-select": "", "data-url": reverse_lazy("places:communes")}
        ),
    )
    village = forms.CharField(label=_("Village (thôn/bản), street"), max_length=120, required=False)
    old_address = forms.CharField(
        label=_("Or write your old address"),
        required=False,
        max_length=300,
        help_text=_(
            "For example: Xã Suối Giàng, Huyện Văn Chấn, Tỉnh Yên Bái. "
            "We convert it to the new commune and province."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province_code"].choices = province_choices()
        self._setup_address_fields()

    def clean_province_code(self):
        return self.cleaned_data["province_code"] or ""
