"""Operations on accounts that views, commands and migrations call."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .roles import ROLE_PERMISSIONS, Role


@transaction.atomic
def ensure_role_groups(group_model=Group, permission_model=Permission):
    """Create each role's group and give it every permission ``ROLE_PERMISSIONS`` names that
    exists; running it again changes nothing. Only adds: a permission given by hand stays.
    Run after every ``migrate`` (see ``AccountsConfig``), never on a request."""
    wanted = {role: [tuple(d.split(".", 1)) for d in ROLE_PERMISSIONS[role]] for role in Role}
    every = {pair for pairs in wanted.values() for pair in pairs}
    found = {
        (app_label, codename): pk
        for pk, app_label, codename in permission_model.objects.filter(
            content_type__app_label__in={app_label for app_label, _ in every},
            codename__in={codename for _, codename in every},
        ).values_list("pk", "content_type__app_label", "codename")
    }
    groups = {}
    for role in Role:
        group, _ = group_model.objects.get_or_create(name=role.value)
        group.permissions.add(*(found[pair] for pair in wanted[role] if pair in found))
        groups[role] = group
    return groups


def grant_role(user, role):
    """Put ``user`` in the role's group, and nothing else: the group's permissions are the
    moderators' to change and are not rewritten here."""
    group, _ = Group.objects.get_or_create(name=Role(role).value)
    user.groups.add(group)
    user.__dict__.pop("_role_names", None)


def grant_role_permissions(app_label, permissions):
    """A migration operation giving role groups ``permissions`` on ``app_label``'s models, a
    ``{group name: [codename, …]}`` literal frozen in the migration that calls it (today's
    ``ROLE_PERMISSIONS`` may name models that migration does not know). Django only creates
    permissions after every migration has run, so the operation creates the app's first."""
    from django.contrib.auth.management import create_permissions
    from django.db import migrations

    def forwards(apps, schema_editor):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True  # a historical app has none; create_permissions asks
        create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
        Group = apps.get_model("auth", "Group")  # noqa: N806 - the historical model
        Permission = apps.get_model("auth", "Permission")  # noqa: N806
        for group_name, codenames in permissions.items():
            group, _ = Group.objects.get_or_create(name=group_name)
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )

    return migrations.RunPython(forwards, migrations.RunPython.noop)
