from django.db import migrations

from accounts.services import grant_role_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0004_product_growing_area"),
        ("accounts", "0002_role_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    # Frozen: what moderators were given when this migration was written (later permissions
    # come from later migrations and from the role sync after every migrate).
    operations = [
        grant_role_permissions(
            "marketplace",
            {
                "moderator": [
                    "add_producer",
                    "change_producer",
                    "view_producer",
                    "add_product",
                    "change_product",
                    "view_product",
                    "view_productphoto",
                    "view_listingevent",
                    "add_helpercommune",
                    "change_helpercommune",
                    "delete_helpercommune",
                    "view_helpercommune",
                ]
            },
        )
    ]
