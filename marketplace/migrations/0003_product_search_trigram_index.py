"""On PostgreSQL, a trigram index on the folded search column, so ?q= stays fast at 100,000
products. SQLite has no such index type; there the search scans the column."""

from django.db import migrations


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS marketplace_product_search_trgm "
        "ON marketplace_product USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS marketplace_product_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0002_producers_products")]

    operations = [migrations.RunPython(create_trigram_index, drop_trigram_index)]
