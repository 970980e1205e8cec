from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TraceabilityConfig(AppConfig):
    name = "traceability"
    verbose_name = _("Traceability")

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.images import get_image_model

        from growing_areas.models import Certification, GrowingArea
        from growing_areas.signals import area_page_sections
        from marketplace.models import Producer, Product, ProductPhoto, SiteSettings
        from marketplace.signals import desk_sections, product_page_sections

        from . import access, page_cache, receivers  # noqa: F401  (access registers scopes)
        from .models import Batch, Label, LabelPrintRun, TraceAttachment, TraceEvent

        area_page_sections.connect(receivers.area_batches, dispatch_uid="traceability_area")
        product_page_sections.connect(
            receivers.product_batches, dispatch_uid="traceability_product"
        )
        desk_sections.connect(receivers.desk_batches, dispatch_uid="traceability_desk")
        image = get_image_model()
        shown_on_label_pages = [
            *(Label, LabelPrintRun, Batch, TraceEvent, TraceAttachment, Certification),
            *(GrowingArea, Product, Producer, ProductPhoto, SiteSettings),
            *(image, image.get_rendition_model()),
        ]
        for signal in (post_save, post_delete):
            signal.connect(
                page_cache.forget_certificates,
                sender=Certification,
                dispatch_uid="traceability_certificates",
            )
            for model in shown_on_label_pages:
                signal.connect(
                    page_cache.forget_pages,
                    sender=model,
                    dispatch_uid=f"traceability_pages_{model._meta.label_lower}",
                )
