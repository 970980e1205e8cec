"""Read-only query helpers shared by the views, the admin and other apps' receivers (so that
none of them imports ``views``). Rules about listings live on the models and their QuerySets."""

import re

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from places.divisions import fold

MAX_WORDS = 8
# A word this short matches whole words only ("sa" finds "Sa Pa", not "sang"); a longer one
# also matches the words it begins ("che" finds "chè" and "chèn").
WHOLE_WORD_LENGTH = 2

# The PostgreSQL word index (migration 0017): the folded column's words, without stemming.
TSVECTOR = 'to_tsvector(\'simple\'::regconfig, "marketplace_product"."search_text")'


def search_words(text):
    """The words searched for: folded (no diacritics, đ → d, lower case), letters and digits
    only, at most MAX_WORDS of them."""
    return re.findall(r"[a-z0-9]+", fold(text))[:MAX_WORDS]


def _tsquery(words):
    terms = [word if len(word) <= WHOLE_WORD_LENGTH else f"{word}:*" for word in words]
    return " & ".join(terms)


def search(queryset, text):
    """Every word of ``text`` must begin a word of the folded search column ("che shan
    tuyet" finds "Chè Shan Tuyết"); a one- or two-letter word must be a whole word ("sa pa"
    finds "Sa Pa", not every "sang"). On PostgreSQL a GIN index of the column's words serves
    it; SQLite (``make run``) reads the column row by row."""
    words = search_words(text)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        return queryset.filter(
            RawSQL(  # noqa: S611 - constant SQL, the words go as a parameter
                f"{TSVECTOR} @@ to_tsquery('simple'::regconfig, %s)",
                [_tsquery(words)],
                output_field=BooleanField(),
            )
        )
    for word in words:
        end = r"\b" if len(word) <= WHOLE_WORD_LENGTH else ""
        queryset = queryset.filter(search_text__regex=rf"\b{word}{end}")
    return queryset
