"""The checkout's short screens: who buys, where it goes, how to pay, and the review the
buyer confirms. Each screen's answer is kept in the session until the order is placed."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.phone import display_phone, normalize_phone
from places.forms import AddressForm

from .order_models import PaymentMethod
from .payments.registry import available_adapters

DAMAGED_MESSAGE = _("This page was changed or is out of date: check your order again below.")


class ContactForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        error_messages={"required": _("Write the name the post office asks for.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=30,
        help_text=_("The post office calls this number before delivery."),
        error_messages={"required": _("Write your mobile number.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError(_("Write the name the post office asks for."))
        return name

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])

    @staticmethod
    def initial_from(stored, user):
        """What the form shows: the answer kept in the session, else the account's."""
        if stored.get("phone"):
            return {"name": stored.get("name", ""), "phone": display_phone(stored["phone"])}
        if user.is_authenticated:
            return {"name": user.full_name, "phone": display_phone(user.phone)}
        return {}


class DeliveryAddressForm(AddressForm):
    """The places address form (the commune list follows the province with JavaScript off,
    an old address is converted), with the village or street the post office needs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the commune list holds the chosen province's communes only
        self.fields["commune_code"].error_messages["invalid_choice"] = _(
            "This commune is not in the chosen province."
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("commune_code") and not cleaned.get("province_code"):
            self.add_error("province_code", _("Choose a province."))
        if not self.address_candidates and not (cleaned.get("village") or "").strip():
            self.add_error(
                "village", _("Write your village, street and house number for the post office.")
            )
        return cleaned

    def address(self):
        data = self.cleaned_data
        return {
            "province_code": data["province_code"],
            "commune_code": data["commune_code"],
            "village": data["village"].strip(),
        }


def method_choices():
    return [
        (adapter.method, PaymentMethod(adapter.method).label) for adapter in available_adapters()
    ]


class PaymentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How will you pay?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a payment method."),
            "invalid_choice": _("This payment method is not offered now."),
        },
    )
    note = forms.CharField(
        label=_("Note for the farmers (optional)"),
        max_length=500,
        required=False,
        help_text=_("For example: call before delivering, deliver after 5 pm."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        error_messages={"max_length": _("Keep the note under 500 characters.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = method_choices()
        self.fields["method"].initial = PaymentMethod.COD


class PlaceOrderForm(forms.Form):
    """The review's hidden fields: the one-time checkout token, the total shown and each unit
    price shown (``price_<product id>``), which ``place_order`` compares with today's."""

    checkout_token = forms.UUIDField(widget=forms.HiddenInput)
    expected_total = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("checkout_token", "expected_total"):
            self.fields[name].error_messages = {
                "required": DAMAGED_MESSAGE,
                "invalid": DAMAGED_MESSAGE,
                "min_value": DAMAGED_MESSAGE,
            }

    def clean(self):
        cleaned = super().clean()
        prices = {}
        for key, value in self.data.items():
            if not key.startswith("price_"):
                continue
            try:
                product_id, price = int(key.removeprefix("price_")), int(value)
            except (TypeError, ValueError):
                raise ValidationError(DAMAGED_MESSAGE, code="damaged") from None
            if price < 0:
                raise ValidationError(DAMAGED_MESSAGE, code="damaged")
            prices[product_id] = price
        cleaned["seen_prices"] = prices
        return cleaned
