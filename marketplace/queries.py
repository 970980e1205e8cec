"""Read-only query helpers shared by the views, the admin and other apps' receivers (so that
none of them imports ``views``). Rules about listings live on the models and their QuerySets."""

import re

from django.db import connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from places.divisions import fold

MAX_WORDS = 8
# A word this short matches whole words only ("sa" finds "Sa Pa", not "sang"); a longer one
# also matches the words it begins ("che" finds "chè" and "chèn").
WHOLE_WORD_LENGTH = 2

# The PostgreSQL word index (migration 0017): the folded column's words, without stemming.
TSVECTOR = "to_tsvector('simple'::regconfig, marketplace_product.search_text)"
# The same words, in an expression the index does not serve: PostgreSQL then walks the
# listings newest first and checks each one until the page is full.
TSVECTOR_UNINDEXED = "to_tsvector('simple'::regconfig, marketplace_product.search_text || '')"

# From this many matches (a search counts up to 1,000: catalogue_cache.SEARCH_COUNT_LIMIT), a
# page is found faster by walking the newest listings than through the word index, which
# sorts every match: PostgreSQL's estimates for prefix words are far off (40 rows guessed for
# 12,033 found), so the catalogue counts first and chooses itself. At 1,000,000 listings a word
# with 10,000 matches needs about 2,400 listings read for the first page.
WALK_FROM = 1_000


def search_words(text):
    """The words searched for: folded (no diacritics, đ → d, lower case), letters and digits
    only, at most MAX_WORDS of them."""
    return re.findall(r"[a-z0-9]+", fold(text))[:MAX_WORDS]


def _tsquery(words):
    terms = [word if len(word) <= WHOLE_WORD_LENGTH else f"{word}:*" for word in words]
    return " & ".join(terms)


def search(queryset, text, walk=False):
    """Every word of ``text`` must begin a word of the folded search column ("che shan
    tuyet" finds "Chè Shan Tuyết"); a one- or two-letter word must be a whole word ("sa pa"
    finds "Sa Pa", not every "sang"). On PostgreSQL a GIN index of the column's words serves
    it, unless ``walk`` (a common word: see WALK_FROM); SQLite (``make run``) reads the
    column row by row."""
    words = search_words(text)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        return queryset.filter(
            RawSQL(  # noqa: S611 - constant SQL, the words go as a parameter
                f"{TSVECTOR_UNINDEXED if walk else TSVECTOR}"
                " @@ to_tsquery('simple'::regconfig, %s)",
                [_tsquery(words)],
                output_field=BooleanField(),
            )
        )
    for word in words:
        end = r"\b" if len(word) <= WHOLE_WORD_LENGTH else ""
        queryset = queryset.filter(search_text__regex=rf"\b{word}{end}")
    return queryset


def walked(page):
    """Read a page of a common word's matches by walking the listings newest first (see
    WALK_FROM). The planner would rather sort every match, as it guesses a handful: for this
    one statement it is told not to scan the table, sort whole results or start workers."""
    if connection.vendor != "postgresql":
        return list(page.object_list)
    with transaction.atomic(), connection.cursor() as cursor:
        # one statement (SET LOCAL: for this transaction only); a walk that stops after a page
        # gains nothing from parallel workers, which take ~60 ms to start
        cursor.execute(
            "SELECT set_config('enable_seqscan', 'off', true),"
            " set_config('enable_bitmapscan', 'off', true),"
            " set_config('enable_sort', 'off', true),"
            " set_config('max_parallel_workers_per_gather', '0', true)"
        )
        return list(page.object_list)
