"""On PostgreSQL, a GIN index of the words of the folded search column, which the catalogue's
search uses (marketplace/queries.py): a word index stays selective for common and two-letter
words, where the trigram index of 0003 let the planner guess 17 rows for 3,161 found. The
trigram index is dropped: nothing searches by trigram any more, and every save paid for it.

The index is created plainly (inside the migration's transaction), which blocks writes to
products while it builds: about a minute at 1,000,000 products. On a large live catalogue,
create it beforehand by hand with ``CREATE INDEX CONCURRENTLY IF NOT EXISTS`` and the same
definition; this migration then finds it and does nothing. SQLite has no such index; there the
search reads the column row by row."""

from django.db import migrations

INDEX = (
    "CREATE INDEX IF NOT EXISTS marketplace_product_search_words "
    "ON marketplace_product USING gin (to_tsvector('simple'::regconfig, search_text))"
)
TRIGRAM = (
    "CREATE INDEX IF NOT EXISTS marketplace_product_search_trgm "
    "ON marketplace_product USING gin (search_text gin_trgm_ops)"
)


def create_word_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(INDEX)
    schema_editor.execute("DROP INDEX IF EXISTS marketplace_product_search_trgm")


def drop_word_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS marketplace_product_search_words")
    schema_editor.execute(TRIGRAM)


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0016_default_shipping_weights")]

    operations = [migrations.RunPython(create_word_index, drop_word_index)]
