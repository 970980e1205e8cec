"""Pages kept whole and handed to every anonymous visitor (the catalogue's listing, a label's
provenance page) hold nothing of one visitor's own. The one such thing a page of ours can
carry is a form's CSRF token, so a page with one is never kept: the language switch, the only
form on those pages, posts without a token (config/urls.py)."""

# the hidden field {% csrf_token %} writes
CSRF_FIELD = 'name="csrfmiddlewaretoken"'


def shareable(html):
    """True when ``html`` may be handed to other visitors as it is."""
    return CSRF_FIELD not in html
