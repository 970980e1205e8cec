from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TraceabilityConfig(AppConfig):
    name = "traceability"
    verbose_name = _("Traceability")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from growing_areas.models import Certification
        from growing_areas.signals import area_page_sections
        from marketplace.signals import desk_sections, product_page_sections

        from . import access, page_cache, receivers  # noqa: F401  (access registers scopes)

        area_page_sections.connect(receivers.area_batches, dispatch_uid="traceability_area")
        product_page_sections.connect(
            receivers.product_batches, dispatch_uid="traceability_product"
        )
        desk_sections.connect(receivers.desk_batches, dispatch_uid="traceability_desk")
        for signal in (post_save, post_delete):
            signal.connect(
                page_cache.forget_certificates,
                sender=Certification,
                dispatch_uid="traceability_certificates",
            )
