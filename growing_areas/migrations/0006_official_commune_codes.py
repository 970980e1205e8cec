"""Stored commune codes to the official ones of Decision 19/2025/QĐ-TTg (places.recoding)."""

from django.db import migrations

from places.recoding import recode_app


class Migration(migrations.Migration):
    dependencies = [("growing_areas", "0005_status_history_kept")]

    operations = [
        migrations.RunPython(
            recode_app("growing_areas", "GrowingArea"), migrations.RunPython.noop, elidable=False
        )
    ]
