from django.db import migrations

from accounts.services import grant_role_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("traceability", "0001_initial"),
        ("accounts", "0002_role_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    # Frozen: what moderators were given when this migration was written (later permissions
    # come from later migrations and from the role sync after every migrate).
    operations = [
        grant_role_permissions(
            "traceability",
            {
                "moderator": [
                    "view_batch",
                    "view_traceevent",
                    "view_labelprintrun",
                    "view_label",
                    "change_label",
                    "view_scan",
                ]
            },
        )
    ]
