from django import forms
from django.utils.translation import gettext_lazy as _

from .services import FailureReason


class PickedUpForm(forms.Form):
    parcels = forms.IntegerField(label=_("Parcels"), min_value=1, max_value=99, initial=1)
    weight_grams = forms.IntegerField(label=_("Weight (g)"), min_value=1, max_value=100_000)


class FailedForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why"), choices=FailureReason.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
