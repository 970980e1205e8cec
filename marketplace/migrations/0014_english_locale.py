"""The English locale pages are translated into: Wagtail's migrations make only the default
one, and the admin has no screen to add a locale."""

from django.db import migrations


def add_english(apps, schema_editor):
    apps.get_model("wagtailcore", "Locale").objects.get_or_create(language_code="en")


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0013_official_commune_codes"),
        ("wagtailcore", "0054_initial_locale"),
    ]

    operations = [migrations.RunPython(add_english, migrations.RunPython.noop)]
