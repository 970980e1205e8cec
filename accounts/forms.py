from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class PhoneLoginForm(AuthenticationForm):
    """Django's login form, asking for a phone number instead of a user name."""

    username = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "tel",
                "inputmode": "tel",
                "placeholder": "0912 345 678",
            }
        ),
    )
    error_messages = {
        "invalid_login": _("Wrong phone number or password. Check both and try again."),
        "inactive": _("This account has been disabled. Please contact the hotline."),
    }
