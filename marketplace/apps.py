from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_unpublished, post_page_move

        from accounts.signals import account_sections
        from growing_areas.signals import area_page_sections

        from . import (
            access,  # noqa: F401  (registers who may use producers and listings)
            transfers,  # noqa: F401  (registers the bank notifications' handler)
        )
        from .cart import merge_session_cart
        from .payments import card  # noqa: F401  (registers the Stripe webhook handler)
        from .receivers import (
            account_orders,
            area_products,
            desk_orders,
            page_tree_changed,
            page_tree_saved,
        )
        from .signals import desk_sections
        from .tracking import claim_orders_placed_here

        area_page_sections.connect(area_products, dispatch_uid="marketplace_area_products")
        # the seller desk links to its parcels; the account page lists the person's orders
        desk_sections.connect(desk_orders, dispatch_uid="marketplace_desk_orders")
        account_sections.connect(account_orders, dispatch_uid="marketplace_account_orders")
        # the cached catalogue address follows the page tree and the sites
        post_save.connect(page_tree_saved, dispatch_uid="marketplace_catalog_url_saved")
        post_delete.connect(page_tree_saved, dispatch_uid="marketplace_catalog_url_deleted")
        page_unpublished.connect(page_tree_changed, dispatch_uid="marketplace_catalog_url_off")
        post_page_move.connect(page_tree_changed, dispatch_uid="marketplace_catalog_url_moved")
        # the anonymous cart joins the account's at login
        user_logged_in.connect(merge_session_cart, dispatch_uid="marketplace_merge_cart")
        # and the orders it just placed as a guest, when the phone numbers agree
        user_logged_in.connect(claim_orders_placed_here, dispatch_uid="marketplace_claim_orders")
