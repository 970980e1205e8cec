"""Wagtail's user screens for our User: phone number and full name instead of user name,
first and last name; e-mail optional."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet

from .models import User
from .phone import normalize_phone

FIELDS = ["phone", "full_name", "email", "is_superuser", "groups"]


class PhoneUserFormMixin(forms.ModelForm):
    email = forms.EmailField(required=False, label=_("Email"))
    first_name = None
    last_name = None

    def clean_phone(self):
        return normalize_phone(self.cleaned_data.get("phone"))


class PhoneUserCreationForm(PhoneUserFormMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = FIELDS


class PhoneUserEditForm(PhoneUserFormMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        model = User
        fields = [*FIELDS, "is_active"]


class PhoneUserViewSet(UserViewSet):
    def get_form_class(self, for_update=False):
        return PhoneUserEditForm if for_update else PhoneUserCreationForm
