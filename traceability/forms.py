from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from growing_areas.models import GrowingArea
from marketplace.forms import OneTimeTokenForm
from marketplace.models import Product

from .gs1 import CROCKFORD_ALPHABET, SERIAL_LENGTH
from .layouts import LAYOUT_CHOICES
from .models import MAX_LABELS_PER_RUN, Batch, TraceEvent


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input multiple>; each is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


class BatchForm(OneTimeTokenForm, forms.ModelForm):
    class Meta:
        model = Batch
        fields = [
            "product",
            "growing_area",
            "lot",
            "harvest_date",
            "quantity",
            "unit",
            "packing_date",
            "best_before",
        ]
        widgets = {
            "harvest_date": forms.DateInput(attrs={"type": "date"}),
            "packing_date": forms.DateInput(attrs={"type": "date"}),
            "best_before": forms.DateInput(attrs={"type": "date"}),
            "quantity": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        }

    note = forms.CharField(
        label=_("Note about the harvest"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, producers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(
            producer__in=producers
        ).select_related("producer")
        self.fields["growing_area"].queryset = GrowingArea.objects.eligible_for_batches_of(
            producers
        ).order_by("code")
        self.fields["growing_area"].help_text = _(
            "Only active growing areas of your commune can be chosen."
        )
        self.fields["lot"].required = False
        self.fields["lot"].help_text = _(
            "Leave empty to get one made from the harvest date, e.g. L260315-1."
        )
        self.fields["harvest_date"].initial = timezone.localdate()

    def validate_unique(self):
        # The service suggests a lot and reports a duplicate with a clear message.
        pass


class EventForm(OneTimeTokenForm):
    kind = forms.ChoiceField(
        label=_("Step"),
        choices=[c for c in TraceEvent.Kind.choices if c[0] != TraceEvent.Kind.HARVEST],
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )
    place = forms.CharField(label=_("Where"), max_length=200, required=False)
    note = forms.CharField(
        label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    certificate_number = forms.CharField(
        label=_("Certificate number"),
        max_length=80,
        required=False,
        help_text=_("For an inspection or lab test."),
    )
    certificate_issuer = forms.CharField(label=_("Issued by"), max_length=200, required=False)
    corrects = forms.ModelChoiceField(
        label=_("This corrects an earlier step"),
        queryset=TraceEvent.objects.none(),
        required=False,
        help_text=_("Steps cannot be edited: record the right one and say which it corrects."),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
        help_text=_("Up to 5 photos."),
    )
    documents = MultipleFileField(
        label=_("Certificate or documents"),
        widget=MultipleFileInput(attrs={"accept": ".pdf,image/jpeg,image/png"}),
        help_text=_("PDF, JPEG or PNG, up to 10 MB each, at most 5 per step."),
    )

    def __init__(self, *args, batch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["corrects"].queryset = batch.events.all()
        self.fields["corrects"].label_from_instance = lambda event: (
            f"{event.get_kind_display()} · {timezone.localtime(event.occurred_at):%d/%m/%Y %H:%M}"
        )
        self.fields["occurred_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class PrintRunForm(OneTimeTokenForm):
    count = forms.IntegerField(
        label=_("Number of labels"),
        min_value=1,
        max_value=MAX_LABELS_PER_RUN,
        initial=100,
        error_messages={
            "max_value": _("At most 10,000 labels can be printed in one run."),
            "min_value": _("Print at least one label."),
        },
    )
    layout = forms.ChoiceField(label=_("Sheet layout"), choices=LAYOUT_CHOICES)


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=200)


# Crockford base 32 reads the letters people mistake for digits as those digits.
CROCKFORD_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def serial_as_typed(text):
    """The serial someone typed from a label, as stored: any case, spaces and dashes (and the
    "Sê-ri:" printed before it) ignored, O read as 0 and I or L as 1."""
    text = text.strip()
    if text.casefold().startswith("sê-ri:"):
        text = text[len("sê-ri:") :]
    text = "".join(ch for ch in text.upper() if not ch.isspace() and ch not in "-–")
    return text.translate(CROCKFORD_CONFUSABLES)


class VoidLabelForm(VoidForm):
    serial = forms.CharField(
        label=_("Serial printed under the code"),
        max_length=40,  # room for the spaces and dashes people type between groups
        help_text=_("The 12 characters after “Sê-ri:” under the QR code."),
    )

    def clean_serial(self):
        serial = serial_as_typed(self.cleaned_data["serial"])
        if len(serial) != SERIAL_LENGTH or not set(serial) <= set(CROCKFORD_ALPHABET):
            raise forms.ValidationError(
                _(
                    "A serial is 12 letters and digits, as printed after “Sê-ri:” under the "
                    "QR code."
                ),
                code="serial_format",
            )
        return serial
