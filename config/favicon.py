"""/favicon.ico, which browsers ask for on every site whatever the page says: answered from
the static folder, before Wagtail's page tree is searched for a page of that name."""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

FAVICON = "favicon.ico"


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request):
    """The icon's bytes, cached by browsers for a day; no database query."""
    path = finders.find(FAVICON) or (settings.STATIC_ROOT / FAVICON)
    try:
        return FileResponse(open(path, "rb"), content_type="image/x-icon")
    except OSError as error:
        raise Http404 from error
