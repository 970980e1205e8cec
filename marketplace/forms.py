"""Forms farmers and helpers fill in on a phone: one short screen at a time."""

import uuid

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.phone import normalize_phone
from config.widgets import QuickSelect
from places import divisions
from places.forms import AddressForm

from .models import MAX_PHOTOS, MAX_QUANTITY, Producer, Product
from .prices import format_vnd, parse_vnd


class OneTimeTokenForm(forms.Form):
    """A create form that carries a hidden one-time token, made when the empty form is shown
    and kept when it is shown again with errors. The service stores it on the row it creates,
    so a second submit of the same form (a double tap, a resend after a timeout) gets that row
    back instead of a copy. Forms without the field (old pages) still work, unprotected."""

    submission_token = forms.UUIDField(
        required=False,
        widget=forms.HiddenInput,
        initial=uuid.uuid4,
        error_messages={"invalid": _("This form is damaged: open the page again.")},
    )

    @property
    def submission_token_value(self):
        return self.cleaned_data.get("submission_token")


class FarmerSignupForm(OneTimeTokenForm, AddressForm):
    """Phone, password, name and commune: what a farmer needs to start selling."""

    full_name = forms.CharField(
        label=_("Your full name"),
        max_length=150,
        error_messages={"required": _("Write your full name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        error_messages={"required": _("Write your mobile number.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "tel", "inputmode": "tel", "placeholder": "0912 345 678"}
        ),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        # Shown again when the form comes back (a refused field, the commune list reloaded
        # without JavaScript): it is the person's own input, over HTTPS.
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=True),
        help_text=_("At least 8 characters, not only digits."),
        error_messages={"required": _("Choose a password.")},
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=True),
        error_messages={"required": _("Write the password a second time.")},
    )
    producer_name = forms.CharField(
        label=_("Name of your farm, cooperative or business"),
        max_length=150,
        required=False,
        help_text=_("Leave empty to sell under your own name."),
    )
    kind = forms.ChoiceField(
        label=_("You sell as"), choices=Producer.Kind.choices, initial=Producer.Kind.HOUSEHOLD
    )

    field_order = [
        "submission_token",  # first: clean_phone looks at it
        "full_name",
        "phone",
        "password1",
        "password2",
        "kind",
        "producer_name",
        "province_code",
        "commune_code",
        "village",
        "old_address",
    ]

    def clean_phone(self):
        phone = normalize_phone(self.cleaned_data["phone"])
        account = get_user_model().objects.filter(phone=phone).first()
        token = self.cleaned_data.get("submission_token")
        # The same form sent again: the service answers with the account it made the first time.
        repeated = (
            account is not None
            and token is not None
            and Producer.objects.filter(submission_token=token, members=account).exists()
        )
        if account is not None and not repeated:
            raise forms.ValidationError(_("An account with this phone number already exists."))
        return phone

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif password1:
            user = get_user_model()(
                phone=cleaned.get("phone", ""), full_name=cleaned.get("full_name", "")
            )
            try:
                password_validation.validate_password(password1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def registration(self):
        """The keyword arguments of services.register_farmer for this valid form."""
        data = self.cleaned_data
        return {
            "phone": data["phone"],
            "password": data["password1"],
            "submission_token": data.get("submission_token"),
            **{
                name: data[name]
                for name in (
                    "full_name",
                    "producer_name",
                    "kind",
                    "province_code",
                    "commune_code",
                    "village",
                )
            },
        }


class AssistedSignupForm(FarmerSignupForm):
    """A helper signs a farmer up on their behalf: only in a commune they serve, and only with
    the farmer's consent, recorded with how it was given."""

    consent_method = forms.ChoiceField(
        label=_("How did the farmer agree?"),
        choices=[("", _("— Choose —")), *Producer.Consent.choices],
        error_messages={"required": _("Say how the farmer gave their consent.")},
    )
    consent_confirmed = forms.BooleanField(
        label=_("The farmer agrees that I create this account and sell on their behalf."),
        error_messages={"required": _("The farmer's consent is needed to create the account.")},
    )

    # The helper fills the form in; it speaks to them about the farmer.
    LABELS = {
        "full_name": _("The farmer's full name"),
        "phone": _("The farmer's phone number"),
        "password1": _("Password for the farmer"),
        "producer_name": _("Name of the farmer's farm, cooperative or business"),
        "kind": _("The farmer sells as"),
        "old_address": _("Or write the farmer's old address"),
    }
    HELP_TEXTS = {"producer_name": _("Leave empty to sell under the farmer's own name.")}
    REQUIRED_MESSAGES = {
        "full_name": _("Write the farmer's full name."),
        "phone": _("Write the farmer's mobile number."),
    }

    def __init__(self, *args, communes=(), **kwargs):
        self.communes = set(communes)
        if self.communes:
            # Most farmers a helper signs up live in the commune they serve (the first one).
            commune = divisions.commune(min(self.communes))
            initial = kwargs.setdefault("initial", {})
            if commune:
                initial.setdefault("province_code", commune.province_code)
                initial.setdefault("commune_code", commune.code)
        super().__init__(*args, **kwargs)
        for name, label in self.LABELS.items():
            self.fields[name].label = label
        for name, text in self.HELP_TEXTS.items():
            self.fields[name].help_text = text
        for name, message in self.REQUIRED_MESSAGES.items():
            self.fields[name].error_messages["required"] = message

    def clean(self):
        cleaned = super().clean()
        commune = cleaned.get("commune_code")
        if commune and commune not in self.communes:
            self.add_error(
                "commune_code", _("You can only sign up farmers of the communes you serve.")
            )
        return cleaned


class ProducerProfileForm(forms.ModelForm):
    """What a farmer (or their helper) tells buyers about themselves."""

    new_photo = forms.FileField(
        label=_("Photo of you, your farm or your cooperative"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Producer
        fields = ["name", "kind", "story", "tax_code", "village", "street"]
        error_messages = {"name": {"required": _("Write the name buyers will see.")}}
        widgets = {"story": forms.Textarea(attrs={"rows": 5, "maxlength": 2000})}


class ProductBasicsForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["name", "category"]
        error_messages = {
            "name": {"required": _("Write the product name.")},
            "category": {"required": _("Choose the kind of product.")},
        }
        widgets = {"name": forms.TextInput(attrs={"placeholder": "Chè Shan Tuyết cổ thụ"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            ("", _("— Choose the kind —")),
            *Product.Category.choices,
        ]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Write the product name."))
        return name


class NewProductForm(OneTimeTokenForm, ProductBasicsForm):
    """Step 1 of a new listing: saving it creates the draft, once per form."""


class PriceInput(forms.TextInput):
    """A price box with, beside it, what the site understood ("Giá: 450.000 ₫"): shown when
    the form comes back, and kept up to date while typing by static/js/price.js."""

    def __init__(self, attrs=None):
        super().__init__(
            {
                "inputmode": "decimal",
                "placeholder": "450.000",
                "data-price-input": "",
                **(attrs or {}),
            }
        )

    def render(self, name, value, attrs=None, renderer=None):
        box = super().render(name, value, attrs, renderer)
        try:
            price = parse_vnd(value)
        except ValidationError:
            price = None
        return format_html(
            '{}<output class="price-preview" for="{}" data-template="{}" aria-live="polite">'
            "{}</output>",
            box,
            (attrs or {}).get("id", ""),
            # the same words for the script, which fills in the amount while typing
            _("Price: %(price)s") % {"price": "{price}"},
            _("Price: %(price)s") % {"price": format_vnd(price)} if price else "",
        )


class PriceField(forms.CharField):
    """A price in đồng as people write it (see marketplace.prices.parse_vnd): 450000,
    450.000, 450,000, 450k, 1,2tr, 1.2 triệu. Anything else is refused with a message."""

    widget = PriceInput

    def to_python(self, value):
        return parse_vnd(super().to_python(value))


class QuantityField(forms.IntegerField):
    """How many units are left: a whole number from 0 (out of stock) to MAX_QUANTITY."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_QUANTITY)
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Write how many units you can sell."),
                "invalid": _("Write the quantity as a whole number."),
                "min_value": _("The quantity cannot be negative."),
                "max_value": _("The quantity cannot be more than 1.000.000."),
            },
        )
        kwargs.setdefault("widget", forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}))
        super().__init__(**kwargs)


class StockForm(forms.Form):
    """The small form on the seller desk: the quantity left after selling elsewhere."""

    quantity_available = QuantityField(label=_("Quantity available"))


class ProductDetailsForm(forms.ModelForm):
    price = PriceField(
        label=_("Price (₫) for one unit"),
        error_messages={"required": _("Write the price in đồng.")},
    )
    quantity_available = QuantityField(label=_("Quantity available"))
    shipping_weight_grams = forms.IntegerField(
        label=_("Weight of one unit, packed (grams)"),
        min_value=1,
        max_value=30_000,
        help_text=_(
            "Weigh one unit ready to send, with its bag, jar or box: a 200 g pack of tea "
            "weighs about 250 g. The post office fee is counted from it."
        ),
        error_messages={
            "required": _("Write the weight of one unit, packed, in grams."),
            "invalid": _("Write the weight in grams as a whole number, for example 250."),
            "min_value": _("The weight must be at least 1 g."),
            "max_value": _("One unit cannot weigh more than 30 kg by post."),
        },
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "step": 1, "min": 1, "placeholder": "250"}
        ),
    )

    class Meta:
        model = Product
        fields = ["price", "unit", "quantity_available", "shipping_weight_grams", "description"]
        error_messages = {"unit": {"required": _("Write the unit, for example gói 200 g.")}}
        widgets = {"description": forms.Textarea(attrs={"rows": 4, "maxlength": 1000})}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotosField, self).clean(item, initial) for item in files]


class ProductPhotosForm(forms.Form):
    photos = PhotosField(
        label=_("Photos of the product"),
        required=False,
        help_text=_("JPEG, PNG or WebP, up to 10 MB each, at most %(max)d photos.")
        % {"max": MAX_PHOTOS},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs.update(
            {"accept": "image/jpeg,image/png,image/webp", "multiple": True}
        )


class ProductOriginForm(forms.ModelForm):
    """Where it grows and its OCOP certificate, both optional."""

    certificate_photo = forms.FileField(
        label=_("Photo of the OCOP certificate"),
        required=False,
        help_text=_("A photo or a PDF. Only you, your helper and the moderators can see it."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
    )

    class Meta:
        model = Product
        fields = [
            "growing_area",
            "ocop_stars",
            "ocop_decision_number",
            "ocop_decision_date",
            "ocop_level",
        ]
        widgets = {"ocop_decision_date": forms.DateInput(attrs={"type": "date"})}
        error_messages = {
            "ocop_decision_date": {"invalid": _("Write the date as day/month/year.")},
            "growing_area": {
                "invalid_choice": _("Choose an active growing area of your own commune.")
            },
        }
        help_texts = {
            "growing_area": _("Only the active growing areas of your commune are listed."),
        }


class ReviewForm(forms.Form):
    """What a moderator decides about a listing or a producer."""

    decision = forms.ChoiceField(label=_("Decision"))
    reason = forms.CharField(
        label=_("Reason (sent to the farmer)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, decisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = decisions


class CatalogueFilterForm(forms.Form):
    """The catalogue's search box and filters, read from the query string."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        widget=QuickSelect,
        choices=[("", _("All kinds")), *Product.Category.choices],
    )
    province = forms.ChoiceField(label=_("Province"), required=False, widget=QuickSelect)
    stars = forms.ChoiceField(
        label=_("OCOP"),
        required=False,
        widget=QuickSelect,
        choices=[
            ("", _("Any")),
            ("3", _("3 stars or more")),
            ("4", _("4 stars or more")),
            ("5", _("5 stars")),
        ],
    )
    # The same parser as the sellers' price box: "100k" or "1,2tr" work here too.
    price_min = PriceField(
        label=_("Price from (₫)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "100k"}),
    )
    price_max = PriceField(
        label=_("Price to (₫)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "1tr"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [
            ("", _("All provinces")),
            *((p.code, p.name) for p in divisions.provinces()),
        ]


def add_service_errors(form, error):
    """Show a service's ValidationError on the form: under its field, or above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
