from django.db import migrations


class Migration(migrations.Migration):
    """In its own transaction, after the move has emptied the column (0017)."""

    dependencies = [("marketplace", "0018_ocop_certificate_private")]

    operations = [
        migrations.RemoveField(model_name="product", name="ocop_certificate_image"),
    ]
