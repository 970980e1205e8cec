"""Operations on accounts that views, commands and migrations call."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .roles import ROLE_PERMISSIONS, Role


@transaction.atomic
def ensure_role_groups(group_model=Group, permission_model=Permission):
    """Create each role's group with its permissions; running it again changes nothing.
    Migrations pass their historical models."""
    groups = {}
    for role in Role:
        group, _ = group_model.objects.get_or_create(name=role.value)
        for dotted in ROLE_PERMISSIONS[role]:
            app_label, codename = dotted.split(".")
            permission = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                group.permissions.add(permission)
        groups[role] = group
    return groups


def grant_role(user, role):
    user.groups.add(ensure_role_groups()[Role(role)])
    user.__dict__.pop("_role_names", None)


def grant_role_permissions(app_label):
    """A migration operation giving the role groups their permissions on ``app_label``'s
    models in the same ``migrate`` that creates them. Django only creates permissions after
    every migration has run, so the operation creates the app's permissions itself first."""
    from django.contrib.auth.management import create_permissions
    from django.db import migrations

    def forwards(apps, schema_editor):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True  # a historical app has none; create_permissions asks
        create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
        ensure_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))

    return migrations.RunPython(forwards, migrations.RunPython.noop)
