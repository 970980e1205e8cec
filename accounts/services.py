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
