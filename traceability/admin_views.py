"""Moderators' actions on a label in the Wagtail admin: void it, or lift its voiding, each
with a reason, through the services (the edit form cannot change these fields)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from marketplace.access import is_moderator

from . import printing
from .models import Label

LIST_URL_NAME = "wagtailsnippets_traceability_label:list"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Say why.")},
    )


class LabelActionView(WagtailAdminTemplateMixin, FormView):
    """Shared by the two actions: moderators only, the label's voiding history shown."""

    template_name = "traceability/admin/label_action.html"
    form_class = ReasonForm
    header_icon = "tag"

    def dispatch(self, request, *args, **kwargs):
        if not is_moderator(request.user):
            raise PermissionDenied
        self.label = get_object_or_404(
            Label.objects.select_related("batch__product", "print_run"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.label)

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse(LIST_URL_NAME), "label": Label._meta.verbose_name_plural},
            {"url": "", "label": self.page_title, "sublabel": str(self.label)},
        ]

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "label": self.label,
            "submit_label": self.page_title,
            "history": self.label.voidings.select_related("by")[:20],
        }

    def form_valid(self, form):
        try:
            self.act(form.cleaned_data["reason"])
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, self.done_message % {"serial": self.label.serial})
        return redirect(LIST_URL_NAME)


class VoidLabelView(LabelActionView):
    page_title = gettext_lazy("Void label")
    done_message = gettext_lazy("Label %(serial)s voided.")

    def act(self, reason):
        printing.void_label(self.label, reason, by=self.request.user)


class UnvoidLabelView(LabelActionView):
    page_title = gettext_lazy("Lift voiding")
    done_message = gettext_lazy("The voiding of label %(serial)s was lifted.")

    def act(self, reason):
        printing.unvoid_label(self.label, reason, by=self.request.user)
