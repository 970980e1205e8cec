"""The moderators' back office for producers and listings, read like bakerydemo's: snippet
viewsets grouped under one menu, plus the review queue and the province progress report."""

from functools import partial

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import EditView, SnippetViewSet, SnippetViewSetGroup

from config.storage import atomic_removing_files_on_failure, save_or_refuse
from places import divisions
from places.forms import province_choices

from . import admin_views, services
from .models import HelperCommune, ListingEvent, Producer, Product
from .order_admin import OrdersGroup
from .photos import clean_document, random_name


def commune_choices():
    return [("", "—")] + [
        (c.code, c.full_name) for p in divisions.provinces() for c in divisions.communes_of(p.code)
    ]


class ProducerViewSet(SnippetViewSet):
    model = Producer
    icon = "group"
    menu_label = _("Producers")
    list_display = ["name", "kind", "verification", "onboarded_by", "created_at"]
    list_filter = ["verification", "kind", "province_code"]
    list_export = [
        "name",
        "kind",
        "phone",
        "tax_code",
        "province_code",
        "commune_code",
        "verification",
        "created_at",
    ]
    search_fields = ["name", "phone", "tax_code"]
    search_backend_name = None
    inspect_view_enabled = True
    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("name")]),
        FieldPanel("slug"),
        FieldPanel("story"),
        FieldPanel("photo"),
        FieldRowPanel([FieldPanel("phone"), FieldPanel("tax_code")]),
        MultiFieldPanel(
            [
                FieldPanel("province_code", widget=forms.Select(choices=province_choices)),
                FieldPanel("commune_code", widget=forms.Select(choices=commune_choices)),
                FieldPanel("village"),
                FieldPanel("street"),
            ],
            heading=_("Address"),
        ),
        FieldPanel("members", widget=forms.SelectMultiple),
        FieldPanel("verification", read_only=True),
        FieldPanel("onboarded_by", read_only=True),
        FieldPanel("consent_method", read_only=True),
        FieldPanel("consent_at", read_only=True),
    ]


class PrivateFileLink:
    """What the certificate widget shows for the stored file: its name, linked to the view
    that checks who is asking (a private file has no URL of its own)."""

    def __init__(self, fieldfile):
        self.url = fieldfile.instance.ocop_certificate_path
        self.name = fieldfile.name.rsplit("/", 1)[-1]

    def __str__(self):
        return self.name


class CertificateInput(forms.ClearableFileInput):
    """The usual "Currently: … / Change" file input, linking to the access-checked view."""

    def is_initial(self, value):
        return bool(value and getattr(value, "instance", None) is not None and value.name)

    def format_value(self, value):
        if self.is_initial(value):
            return PrivateFileLink(value)
        return None


class ProductAdminForm(WagtailAdminModelForm):
    def clean_ocop_certificate(self):
        """A moderator's replacement goes through the same checks as the farmer's upload: a
        real PDF, or a picture re-encoded without EXIF, stored under a random name."""
        value = self.cleaned_data.get("ocop_certificate")
        if isinstance(value, UploadedFile):
            document = clean_document(value)
            return ContentFile(document.content, name=random_name(document.extension))
        return value

    def save(self, commit=True):
        """A new certificate is written before the listing is saved: a storage that cannot
        take it raises a ValidationError on the certificate field (ProductEditView shows it
        and the edit is rolled back), and a save that fails afterwards removes the written
        file. A certificate replaced or cleared here leaves no file behind once the change is
        committed (the private storage would otherwise keep it with nothing pointing at it)."""
        before = Product.objects.filter(pk=self.instance.pk).values_list(
            "ocop_certificate", flat=True
        )
        old_name = before.first() if self.instance.pk else ""
        new = self.cleaned_data.get("ocop_certificate")
        with atomic_removing_files_on_failure() as stored:
            if isinstance(new, ContentFile):
                certificate = self.instance.ocop_certificate
                save_or_refuse(
                    lambda: certificate.save(new.name, new, save=False), field="ocop_certificate"
                )
                stored.append(certificate)
            product = super().save(commit=commit)
        if old_name and product.ocop_certificate.name != old_name:
            storage = product.ocop_certificate.storage
            transaction.on_commit(partial(storage.delete, old_name))
        return product


class ProductEditView(EditView):
    """The listing's edit form. A certificate the storage cannot take is refused on its field
    like any bad input, with the form shown again: the view's transaction has rolled the whole
    edit back, so the listing and its old certificate stay as they were."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as refused:
            form.add_error(None, refused)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class ListingPermissionPolicy(ModelPermissionPolicy):
    """Nobody adds a listing in the admin, superusers included: a listing is its producer's,
    made on the phone form, and the admin form cannot name the producer. Moderators (and
    superusers) edit, inspect and delete as their permissions say."""

    def user_has_permission(self, user, action):
        return action != "add" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        actions = [action for action in actions if action != "add"]
        if not actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(actions)


# before the viewset is registered, so its views ask this policy
register_permission_policy(Product, ListingPermissionPolicy(Product))


class ProductViewSet(SnippetViewSet):
    """Listings as moderators review them: no add or copy page (see ListingPermissionPolicy),
    so no "Add" button, and the add address is a 404."""

    model = Product
    edit_view_class = ProductEditView
    copy_view_enabled = False
    icon = "tag"
    menu_label = _("Listings")
    list_display = ["name", "producer", "category", "price", "review_state", "submitted_at"]
    list_filter = ["review_state", "category", "ocop_stars"]
    list_export = [
        "name",
        "producer",
        "category",
        "price",
        "unit",
        "quantity_available",
        "review_state",
        "ocop_stars",
        "ocop_decision_date",
    ]
    search_fields = ["name", "search_text"]
    search_backend_name = None
    inspect_view_enabled = True
    panels = [
        FieldPanel("producer", read_only=True),
        FieldRowPanel([FieldPanel("name"), FieldPanel("category")]),
        FieldPanel("slug"),
        FieldRowPanel([FieldPanel("price"), FieldPanel("unit"), FieldPanel("quantity_available")]),
        FieldPanel("description"),
        FieldPanel("gtin"),
        FieldPanel("growing_area"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("ocop_stars"), FieldPanel("ocop_level")]),
                FieldRowPanel(
                    [FieldPanel("ocop_decision_number"), FieldPanel("ocop_decision_date")]
                ),
                FieldPanel("ocop_certificate", widget=CertificateInput),
            ],
            heading="OCOP",
        ),
        FieldPanel("review_state", read_only=True),
        FieldPanel("rejection_reason", read_only=True),
    ]
    edit_handler = ObjectList(panels, base_form_class=ProductAdminForm)

    def get_urlpatterns(self):
        return [pattern for pattern in super().get_urlpatterns() if pattern.name != "add"]

    def get_permissions_to_register(self):
        """The group editor offers no "add" checkbox for listings: it would grant nothing."""
        return super().get_permissions_to_register().exclude(codename="add_product")


class HelperCommuneViewSet(SnippetViewSet):
    model = HelperCommune
    icon = "site"
    menu_label = _("Helpers' communes")
    list_display = ["helper", "commune"]
    search_fields = ["helper__full_name", "helper__phone", "commune_code"]
    search_backend_name = None
    panels = [
        FieldPanel("helper"),
        FieldPanel("commune_code", widget=forms.Select(choices=commune_choices)),
    ]


class ListingEventViewSet(SnippetViewSet):
    model = ListingEvent
    icon = "history"
    menu_label = _("Listing history")
    list_display = ["created_at", "action", "producer", "product", "actor"]
    list_filter = ["action"]
    inspect_view_enabled = True
    search_fields = ["producer__name", "product__name", "note"]
    search_backend_name = None
    panels = [FieldPanel("note", read_only=True)]


class MarketplaceViewSetGroup(SnippetViewSetGroup):
    items = (ProducerViewSet, ProductViewSet, HelperCommuneViewSet, ListingEventViewSet)
    menu_icon = "tag"
    menu_label = _("Marketplace")
    menu_name = "marketplace"
    menu_order = 200


register_snippet(MarketplaceViewSetGroup)
register_snippet(OrdersGroup)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path(
            "marketplace/review/",
            admin_views.ReviewQueueView.as_view(),
            name="marketplace_review_queue",
        ),
        path(
            "marketplace/review/product/<int:pk>/",
            admin_views.review_product,
            name="marketplace_review_product",
        ),
        path(
            "marketplace/review/producer/<int:pk>/",
            admin_views.review_producer,
            name="marketplace_review_producer",
        ),
        path(
            "marketplace/progress/",
            admin_views.ProgressReportView.as_view(),
            name="marketplace_progress",
        ),
    ]


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission, **kwargs):
        self.permission = permission
        super().__init__(*args, **kwargs)

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_menu_item")
def review_queue_menu_item():
    return PermissionMenuItem(
        _("Review queue"),
        reverse("marketplace_review_queue"),
        icon_name="tasks",
        order=190,
        permission="marketplace.change_product",
    )


@hooks.register("construct_homepage_panels")
def add_review_queue_panel(request, panels):
    """Moderators land on the dashboard: show them what waits for a decision first."""
    if request.user.has_perm("marketplace.change_product"):
        panels.append(admin_views.ReviewQueuePanel())


@hooks.register("register_reports_menu_item")
def progress_menu_item():
    return PermissionMenuItem(
        _("Province progress"),
        reverse("marketplace_progress"),
        icon_name="doc-full",
        order=700,
        permission="marketplace.view_product",
    )


@hooks.register("after_edit_snippet")
def record_moderator_edit(request, instance):
    """Edits made in the admin go into the farmer's history like any other change."""
    if isinstance(instance, Product):
        services.record(
            instance.producer, ListingEvent.Action.EDITED, actor=request.user, product=instance
        )
    elif isinstance(instance, Producer):
        services.sync_search_text(instance)
        services.record(instance, ListingEvent.Action.PRODUCER_EDITED, actor=request.user)
