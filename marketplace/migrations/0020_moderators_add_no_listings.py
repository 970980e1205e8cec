from django.db import migrations

# A listing is made by its producer on the phone form; the admin adds none (ListingPermissionPolicy
# refuses "add" to everyone), so the moderators' group no longer holds a permission that does
# nothing. The role sync after migrate only adds, hence this migration.


def moderator_group_and_permission(apps):
    Group = apps.get_model("auth", "Group")  # noqa: N806 - the historical model
    Permission = apps.get_model("auth", "Permission")  # noqa: N806
    group = Group.objects.filter(name="moderator").first()
    permission = Permission.objects.filter(
        content_type__app_label="marketplace", codename="add_product"
    ).first()
    return group, permission


def take_away(apps, schema_editor):
    group, permission = moderator_group_and_permission(apps)
    if group and permission:
        group.permissions.remove(permission)


def give_back(apps, schema_editor):
    group, permission = moderator_group_and_permission(apps)
    if group and permission:
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0019_remove_product_ocop_certificate_image"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(take_away, give_back)]
