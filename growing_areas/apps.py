from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def grant_role_permissions(sender, using, **kwargs):
    """After every migrate, give the role groups this app's permissions (a database migrated
    before ROLE_PERMISSIONS grew still ends up right)."""
    from django.contrib.auth.management import create_permissions

    from accounts.services import ensure_role_groups

    create_permissions(sender, verbosity=0, using=using)
    ensure_role_groups()


class GrowingAreasConfig(AppConfig):
    name = "growing_areas"
    verbose_name = _("Growing areas")

    def ready(self):
        post_migrate.connect(
            grant_role_permissions, sender=self, dispatch_uid="growing_areas_role_permissions"
        )
