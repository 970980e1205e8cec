"""Read-only query helpers shared by the views, the admin and other apps' receivers (so that
none of them imports ``views``). Rules about listings live on the models and their QuerySets."""

from places.divisions import fold


def search(queryset, text):
    """Every word of ``text`` must appear in the folded search column: "che shan tuyet"
    finds "Chè Shan Tuyết". On PostgreSQL a trigram index serves each LIKE."""
    for word in fold(text).split()[:8]:
        queryset = queryset.filter(search_text__contains=word)
    return queryset
