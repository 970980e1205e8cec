from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


def sync_role_groups(sender, using, apps=global_apps, **kwargs):
    """After every ``migrate`` (and every test-database flush), give the role groups the
    permissions ``ROLE_PERMISSIONS`` names, so a fresh database has them and a permission added
    to the code reaches an existing one. Django creates permissions in this same signal, app by
    app, so every app's are created first."""
    from django.contrib.auth.management import create_permissions

    from .services import ensure_role_groups

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
    try:
        group_model, permission_model = (
            apps.get_model("auth", "Group"),
            apps.get_model("auth", "Permission"),
        )
    except LookupError:  # migrated only up to before auth exists
        return
    ensure_role_groups(group_model, permission_model)


class AccountsConfig(AppConfig):
    default = True  # this module also holds the Wagtail users config below
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from .audit_admin import register_view_only_policies

        post_migrate.connect(sync_role_groups, sender=self, dispatch_uid="accounts_sync_roles")
        register_view_only_policies()


class UsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user screens, with forms for phone-number accounts."""

    default = False
    user_viewset = "accounts.wagtail_users.PhoneUserViewSet"
