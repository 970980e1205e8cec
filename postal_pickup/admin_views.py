"""The moderators' action on the queue of pickup jobs in the Wagtail admin: give a job an
office and put it back on that office's list. Everything goes through the services."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from marketplace.access import is_moderator
from marketplace.models import InvalidTransition

from . import services
from .models import PickupJob, PostOffice

JOB_URLS = "wagtailsnippets_postal_pickup_pickupjob"


class AssignOfficeForm(forms.Form):
    office = forms.ModelChoiceField(
        label=gettext_lazy("Post office"), queryset=PostOffice.objects.order_by("name")
    )
    reason = forms.CharField(
        label=gettext_lazy("Why"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept in the job's history."),
        error_messages={"required": gettext_lazy("Say why this office collects the parcel.")},
    )


class AssignOfficeView(WagtailAdminTemplateMixin, FormView):
    template_name = "postal_pickup/admin/assign_office.html"
    form_class = AssignOfficeForm
    header_icon = "mail"
    page_title = gettext_lazy("Assign a post office")

    def dispatch(self, request, *args, **kwargs):
        if not is_moderator(request.user):
            raise PermissionDenied
        self.job = get_object_or_404(
            PickupJob.objects.select_related("office", "seller_order__order"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.job.sscc

    def get_initial(self):
        return {"office": self.job.office_id}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "job": self.job,
            "assignable": self.job.status in PickupJob.TO_COLLECT,
            "events": self.job.events.select_related("actor").order_by("created_at", "pk"),
        }

    def form_valid(self, form):
        try:
            job = services.assign_office(
                self.job,
                self.request.user,
                form.cleaned_data["office"],
                form.cleaned_data["reason"],
            )
        except InvalidTransition as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(sscc)s is on the list of %(office)s for %(day)s.")
            % {
                "sscc": job.sscc,
                "office": job.office.name,
                "day": job.pickup_date.strftime("%d/%m/%Y"),
            },
        )
        return redirect(reverse(f"{JOB_URLS}:list") + "?needs_moderator=true")
