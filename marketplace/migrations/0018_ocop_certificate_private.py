"""The OCOP certificate becomes a private file.

It was a Wagtail image: public media, its original and renditions under public URLs. Each
product's certificate image is copied, bytes as they are, into the private storage field
(config.storage.private_storage); then the image, its renditions and their files are deleted,
so no public copy remains. Running the move again finds nothing left to move. Going back
does not bring the public images back (they are gone on purpose): the reverse step does
nothing and the private files stay where they are.
"""

import posixpath

import django.core.validators
from django.core.files.base import ContentFile
from django.db import migrations, models
from django.utils.crypto import get_random_string

import config.storage


def move_certificates_to_private_storage(apps, schema_editor):
    Product = apps.get_model("marketplace", "Product")
    Image = apps.get_model("wagtailimages", "Image")
    Rendition = apps.get_model("wagtailimages", "Rendition")
    products = Product.objects.filter(ocop_certificate_image__isnull=False).select_related(
        "ocop_certificate_image"
    )
    for product in products:
        image = product.ocop_certificate_image
        if not product.ocop_certificate:
            extension = posixpath.splitext(image.file.name)[1].lower().lstrip(".") or "jpg"
            if extension == "jpeg":
                extension = "jpg"
            with image.file.open("rb") as source:
                content = source.read()
            product.ocop_certificate.save(
                f"{get_random_string(12).lower()}.{extension}", ContentFile(content), save=False
            )
        product.ocop_certificate_image = None
        product.save(update_fields=["ocop_certificate", "ocop_certificate_image"])
        for rendition in Rendition.objects.filter(image_id=image.pk):
            rendition.file.delete(save=False)
        image.file.delete(save=False)
        Image.objects.filter(pk=image.pk).delete()  # its rendition rows go with it


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0017_product_word_index"),
        ("wagtailimages", "0025_alter_image_file_alter_rendition_file"),
    ]

    operations = [
        migrations.RenameField(
            model_name="product", old_name="ocop_certificate", new_name="ocop_certificate_image"
        ),
        migrations.AddField(
            model_name="product",
            name="ocop_certificate",
            field=models.FileField(
                blank=True,
                max_length=200,
                storage=config.storage.private_storage,
                upload_to="ocop/",
                validators=[
                    django.core.validators.FileExtensionValidator(["pdf", "jpg", "png"])
                ],
                verbose_name="OCOP certificate photo",
            ),
        ),
        migrations.RunPython(move_certificates_to_private_storage, migrations.RunPython.noop),
    ]
