from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TraceabilityConfig(AppConfig):
    name = "traceability"
    verbose_name = _("Traceability")

    def ready(self):
        from growing_areas.signals import area_page_sections
        from marketplace.signals import desk_sections, product_page_sections

        from . import access, receivers  # noqa: F401  (access registers who may use batches)

        area_page_sections.connect(receivers.area_batches, dispatch_uid="traceability_area")
        product_page_sections.connect(
            receivers.product_batches, dispatch_uid="traceability_product"
        )
        desk_sections.connect(receivers.desk_batches, dispatch_uid="traceability_desk")
