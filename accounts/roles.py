"""The platform's roles. Each is a Django group, so moderators can grant them in the admin."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PRODUCER = "producer", _("Producer")
    COMMUNITY_HELPER = "community_helper", _("Community helper")
    POSTAL_STAFF = "postal_staff", _("Postal staff")
    MODERATOR = "moderator", _("Moderator")


# Permissions a role's group holds, as "app_label.codename". Given to the groups after every
# migrate (accounts.apps.sync_role_groups), never on sign-up; migrations keep their own lists.
ROLE_PERMISSIONS = {
    Role.PRODUCER: [],
    Role.COMMUNITY_HELPER: [],
    Role.POSTAL_STAFF: [],
    Role.MODERATOR: [
        "wagtailadmin.access_admin",
        # growing areas: the registry, its certifications, status history and imports
        "growing_areas.add_growingarea",
        "growing_areas.change_growingarea",
        "growing_areas.delete_growingarea",
        "growing_areas.view_growingarea",
        "growing_areas.add_certification",
        "growing_areas.change_certification",
        "growing_areas.delete_certification",
        "growing_areas.view_certification",
        "growing_areas.view_statuschange",
        "growing_areas.add_importjob",
        "growing_areas.view_importjob",
        "marketplace.add_producer",
        "marketplace.change_producer",
        "marketplace.view_producer",
        "marketplace.change_product",
        "marketplace.view_product",
        "marketplace.view_productphoto",
        "marketplace.view_listingevent",
        "marketplace.add_helpercommune",
        "marketplace.change_helpercommune",
        "marketplace.delete_helpercommune",
        "marketplace.view_helpercommune",
        # orders: looked at in the admin (written by the services); cancelling is an action
        "marketplace.view_order",
        "marketplace.view_payment",
        "marketplace.view_webhookevent",
        "marketplace.view_transferissue",
        # the post office's fee table (a site setting)
        "marketplace.change_shippingsettings",
        # postal pickup: the offices and the communes they serve; jobs are only looked at
        "postal_pickup.add_postoffice",
        "postal_pickup.change_postoffice",
        "postal_pickup.view_postoffice",
        "postal_pickup.view_pickupjob",
        "postal_pickup.view_pickupjobevent",
        "traceability.view_batch",
        "traceability.view_traceevent",
        "traceability.view_labelprintrun",
        "traceability.view_label",
        "traceability.change_label",
        "traceability.view_scan",
    ],
}
