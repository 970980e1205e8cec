"""One place where each app says who may see or act on its objects, and the loader views use.

Each app's ``access.py`` registers, per model and per action, the queryset of the objects a
person may use (``@scope(Product)``, ``@scope(Producer, "ask_consent")``). Views load objects
only through ``get_for_actor``, so a view cannot forget the check: an object outside the
person's scope is refused exactly like one that does not exist for them. Later apps add their
models (orders, pickup jobs) and actions ("handle") the same way.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

ACT = "act"

_scopes = {}


def scope(model, action=ACT):
    """Register ``function(user) -> QuerySet of model``: what ``user`` may do ``action`` on."""

    def register(function):
        _scopes[(model, action)] = function
        return function

    return register


def scoped(user, model, action=ACT):
    """The objects of ``model`` that ``user`` may ``action``: none for anonymous visitors."""
    try:
        function = _scopes[(model, action)]
    except KeyError:
        raise LookupError(f"no access rule for {model.__name__} / {action}") from None
    if not user.is_authenticated:
        return model._default_manager.none()
    return function(user)


def get_for_actor(user, model, action=ACT, *, related=(), **lookup):
    """The one object matching ``lookup`` that ``user`` may ``action``.

    404 when no such object exists; 403 when it exists but is not the person's to use (the
    pages say so instead of pretending it is gone, as a farmer may follow an old link)."""
    queryset = scoped(user, model, action)
    if related:
        queryset = queryset.select_related(*related)
    found = queryset.filter(**lookup).first()
    if found is not None:
        return found
    if model._default_manager.filter(**lookup).exists():
        raise PermissionDenied
    raise Http404
