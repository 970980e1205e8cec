from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostalPickupConfig(AppConfig):
    name = "postal_pickup"
    verbose_name = _("Postal pickup")

    def ready(self):
        from marketplace.signals import order_confirmed

        from . import access  # noqa: F401  (registers who may see pickup jobs)
        from .receivers import create_jobs_for_order

        order_confirmed.connect(create_jobs_for_order, dispatch_uid="postal_pickup_jobs")

        from traceability.resolver import register_key

        from .tracking import resolve_sscc

        register_key("00", resolve_sscc)
