"""The Wagtail admin's sign-in form, with its password box labelled through gettext: Wagtail's
own form leaves the label to Django, which writes the field's name, "Password", in English."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm


class AdminLoginForm(LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("Password")
