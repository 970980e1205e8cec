"""The moderators' COD remittance in the Wagtail admin: choose a period, see per producer the
cash collected on delivery, the carrier's fees and the net, export it as CSV, and mark a
producer paid (who and when are kept in the append-only ``CodRemittance``)."""

import csv

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from accounts.access import get_for_actor
from marketplace.access import is_moderator
from marketplace.models import Producer

from . import remittance


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError(_("The period ends before it starts."))
        return data


class PaidForm(PeriodForm):
    producer = forms.IntegerField()
    reference = forms.CharField(
        label=gettext_lazy("Payment reference"), max_length=100, required=False
    )


def default_period(today=None):
    """The current month so far."""
    today = today or timezone.localdate()
    return today.replace(day=1), today


def _moderators_only(request):
    if not is_moderator(request.user):
        raise PermissionDenied


def _period(request):
    """The period asked for in the query, or the current month; and the form showing it."""
    if "start" in request.GET or "end" in request.GET:
        form = PeriodForm(request.GET)
        if form.is_valid():
            return form, form.cleaned_data["start"], form.cleaned_data["end"]
        return form, None, None
    start, end = default_period()
    return PeriodForm(initial={"start": start, "end": end}), start, end


def _report_url(start, end, name="postal_cod_remittance"):
    return f"{reverse(name)}?start={start.isoformat()}&end={end.isoformat()}"


class RemittanceReportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "postal_pickup/admin/cod_remittance.html"
    page_title = gettext_lazy("COD remittance")
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        _moderators_only(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        form, start, end = _period(self.request)
        rows = remittance.report(start, end) if start else []
        owed = [row for row in rows if row.parcels]
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "start": start,
            "end": end,
            "rows": rows,
            "totals": {
                "collected": sum(row.collected for row in owed),
                "fees": sum(row.fees for row in owed),
                "net": sum(row.net for row in owed),
            },
            "csv_url": _report_url(start, end, "postal_cod_remittance_csv") if start else "",
            "paid_url": reverse("postal_cod_remittance_paid"),
        }


def remittance_csv(request):
    """The period's report as CSV (UTF-8 with a BOM, so Excel reads the Vietnamese)."""
    _moderators_only(request)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            " ".join(str(e) for errors in form.errors.values() for e in errors) or _("Bad period."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="cod-{start.isoformat()}-{end.isoformat()}.csv"'
    )
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Producer"),
            _("Phone"),
            _("Parcels"),
            _("Collected (VND)"),
            _("Fees (VND)"),
            _("Net (VND)"),
            _("Paid at"),
            _("Payment reference"),
        ]
    )
    for row in remittance.report(start, end):
        paid = row.remittance
        if row.parcels:
            writer.writerow(
                [
                    row.producer.name,
                    row.producer.phone,
                    row.parcels,
                    row.collected,
                    row.fees,
                    row.net,
                    "",
                    "",
                ]
            )
        if paid:
            writer.writerow(
                [
                    row.producer.name,
                    row.producer.phone,
                    paid.parcels,
                    paid.collected,
                    paid.fees,
                    paid.net,
                    timezone.localtime(paid.paid_at).strftime("%Y-%m-%d %H:%M"),
                    paid.reference,
                ]
            )
    return response


@require_POST
def mark_paid(request):
    _moderators_only(request)
    form = PaidForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        start, end = default_period()
        return redirect(_report_url(start, end))
    data = form.cleaned_data
    producer = get_for_actor(request.user, Producer, pk=data["producer"])
    try:
        paid = remittance.mark_paid(
            producer, data["start"], data["end"], by=request.user, reference=data["reference"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(producer)s marked paid: %(amount)s dong.")
            % {"producer": producer.name, "amount": f"{paid.net:,}".replace(",", ".")},
        )
    return redirect(_report_url(data["start"], data["end"]))


@hooks.register("register_admin_urls")
def register_remittance_urls():
    return [
        path("postal/cod/", RemittanceReportView.as_view(), name="postal_cod_remittance"),
        path("postal/cod/csv/", remittance_csv, name="postal_cod_remittance_csv"),
        path("postal/cod/paid/", mark_paid, name="postal_cod_remittance_paid"),
    ]


class ModeratorMenuItem(MenuItem):
    def is_shown(self, request):
        return is_moderator(request.user)


@hooks.register("register_admin_menu_item")
def remittance_menu_item():
    return ModeratorMenuItem(
        gettext_lazy("COD remittance"),
        reverse("postal_cod_remittance"),
        icon_name="mail",
        order=221,
    )
