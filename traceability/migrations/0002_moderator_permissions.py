from django.db import migrations


def grant_moderator_permissions(apps, schema_editor):
    # Django creates permissions in post_migrate, after every migration has run; create this
    # app's now so the moderator group is given them in the same migrate.
    from django.contrib.auth.management import create_permissions

    from accounts.services import ensure_role_groups

    app_config = apps.get_app_config("traceability")
    app_config.models_module = True  # the historical stub has none; create_permissions wants one
    create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
    ensure_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("traceability", "0001_initial"),
        ("accounts", "0002_role_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant_moderator_permissions, migrations.RunPython.noop)]
