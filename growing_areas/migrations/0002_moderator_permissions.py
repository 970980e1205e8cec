from django.db import migrations

from accounts.services import grant_role_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("growing_areas", "0001_initial"),
        ("accounts", "0002_role_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    # Frozen: what moderators were given when this migration was written (later permissions
    # come from later migrations and from the role sync after every migrate).
    operations = [
        grant_role_permissions(
            "growing_areas",
            {
                "moderator": [
                    "add_growingarea",
                    "change_growingarea",
                    "delete_growingarea",
                    "view_growingarea",
                    "add_certification",
                    "change_certification",
                    "delete_certification",
                    "view_certification",
                    "view_statuschange",
                    "add_importjob",
                    "view_importjob",
                ]
            },
        )
    ]
