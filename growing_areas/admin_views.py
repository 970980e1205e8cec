"""The moderators' views beyond the snippet's own: change an area's status with a reason, and
upload a spreadsheet whose import runs in Celery while a progress bar follows it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from config.storage import atomic_removing_files_on_failure, save_or_refuse

from . import services
from .forms import ChangeStatusForm, ImportUploadForm
from .models import GrowingArea, ImportJob
from .tasks import run_import

SHOWN_ERRORS = 500


def can_change_areas(user):
    return user.has_perm("growing_areas.change_growingarea")


def can_import(user):
    return all(
        user.has_perm(p)
        for p in (
            "growing_areas.add_importjob",
            "growing_areas.add_growingarea",
            "growing_areas.change_growingarea",
        )
    )


class PermissionRequiredMixin:
    permission_test = None

    def dispatch(self, request, *args, **kwargs):
        if not type(self).permission_test(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _index_url():
    return reverse("wagtailsnippets_growing_areas_growingarea:list")


class ChangeStatusView(PermissionRequiredMixin, WagtailAdminTemplateMixin, FormView):
    permission_test = can_change_areas
    template_name = "growing_areas/admin/change_status.html"
    form_class = ChangeStatusForm
    header_icon = "site"
    page_title = gettext_lazy("Change status")

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.area = get_object_or_404(GrowingArea, pk=kwargs["pk"])

    def get_page_subtitle(self):
        return str(self.area)

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": _index_url(), "label": GrowingArea._meta.verbose_name_plural},
            {
                "url": reverse(
                    "wagtailsnippets_growing_areas_growingarea:edit", args=[self.area.pk]
                ),
                "label": str(self.area),
            },
            {"url": "", "label": self.page_title},
        ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "area": self.area}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "area": self.area,
            "history": self.area.status_changes.select_related("changed_by")[:20],
        }

    def form_valid(self, form):
        try:
            services.change_status(
                self.area,
                form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                by=self.request.user,
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(area)s is now “%(status)s”.")
            % {"area": self.area.code, "status": self.area.get_status_display()},
        )
        return redirect(_index_url())


class ImportUploadView(PermissionRequiredMixin, WagtailAdminTemplateMixin, FormView):
    permission_test = can_import
    template_name = "growing_areas/admin/import_form.html"
    form_class = ImportUploadForm
    header_icon = "upload"
    page_title = gettext_lazy("Import growing areas")

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": _index_url(), "label": GrowingArea._meta.verbose_name_plural},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        from .importing import COLUMNS, REQUIRED_COLUMNS

        return {
            **super().get_context_data(**kwargs),
            "columns": COLUMNS,
            "required_columns": REQUIRED_COLUMNS,
            "recent_jobs": ImportJob.objects.select_related("created_by")[:10],
        }

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            with atomic_removing_files_on_failure() as stored:
                job = ImportJob(
                    original_name=upload.name[:255],
                    dry_run=form.cleaned_data["dry_run"],
                    created_by=self.request.user,
                )
                # a bucket that does not answer: no job is recorded, the form says so
                save_or_refuse(lambda: job.file.save(upload.name, upload, save=False))
                stored.append(job.file)  # a job that cannot be recorded leaves no file
                job.save()
                transaction.on_commit(lambda: run_import.delay(str(job.pk)))
        except ValidationError as error:
            form.add_error("file", error)
            return self.form_invalid(form)
        return redirect("growing_area_imports:job", pk=job.pk)


class ImportJobView(PermissionRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    permission_test = can_import
    template_name = "growing_areas/admin/import_job.html"
    header_icon = "upload"
    page_title = gettext_lazy("Import growing areas")

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.job = get_object_or_404(ImportJob, pk=kwargs["pk"])

    def get_context_data(self, **kwargs):
        job = self.job
        return {
            **super().get_context_data(**kwargs),
            "job": job,
            "shown_errors": job.errors[:SHOWN_ERRORS],
            "hidden_error_count": max(0, job.error_count - SHOWN_ERRORS),
            "status_url": reverse("growing_area_imports:status", kwargs={"pk": job.pk}),
            "list_url": _index_url(),
        }

    def get_page_subtitle(self):
        return str(self.job)

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": _index_url(), "label": GrowingArea._meta.verbose_name_plural},
            {"url": reverse("growing_area_imports:upload"), "label": self.page_title},
            {"url": "", "label": str(self.job)},
        ]


class ImportJobStatusView(PermissionRequiredMixin, View):
    """The small JSON the progress bar polls."""

    permission_test = can_import

    def get(self, request, pk):
        job = get_object_or_404(ImportJob, pk=pk)
        return JsonResponse(
            {
                "state": job.state,
                "state_label": job.get_state_display(),
                "finished": job.is_finished,
                "total_rows": job.total_rows,
                "processed_rows": job.processed_rows,
                "percent": job.percent,
                "created": job.created_count,
                "updated": job.updated_count,
                "error_count": job.error_count,
            },
            headers={"Cache-Control": "no-store"},
        )
