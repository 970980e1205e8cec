from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostalPickupConfig(AppConfig):
    name = "postal_pickup"
    verbose_name = _("Postal pickup")

    def ready(self):
        from marketplace.signals import (
            desk_sections,
            order_cancelled,
            order_confirmed,
            order_timeline_steps,
        )

        from . import (
            access,  # noqa: F401  (registers who may see pickup jobs)
            carrier,  # noqa: F401  (registers the carrier webhook's handler)
        )
        from .desk import desk_cod, desk_pickups
        from .receivers import cancel_jobs_for_order, create_jobs_for_order, delivery_steps

        order_confirmed.connect(create_jobs_for_order, dispatch_uid="postal_pickup_jobs")
        order_cancelled.connect(cancel_jobs_for_order, dispatch_uid="postal_pickup_cancel")
        order_timeline_steps.connect(delivery_steps, dispatch_uid="postal_pickup_timeline")
        # the farmer's desk: where each parcel is, and the cash collected for them
        desk_sections.connect(desk_pickups, dispatch_uid="postal_pickup_desk_jobs")
        desk_sections.connect(desk_cod, dispatch_uid="postal_pickup_desk_cod")

        from traceability.resolver import register_key

        from .tracking import resolve_sscc

        register_key("00", resolve_sscc)
