from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self):
        from growing_areas.signals import area_page_sections

        from . import access  # noqa: F401  (registers who may use producers and listings)
        from .receivers import area_products

        area_page_sections.connect(area_products, dispatch_uid="marketplace_area_products")
