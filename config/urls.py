from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from .favicon import favicon
from .health import healthz
from .media import serve_media

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # The language switch posts without a CSRF token: a language is no one's secret and gives
    # no authority (a hostile page could at most switch a visitor's language), and without a
    # token the pages every anonymous visitor gets are the same bytes, kept whole and
    # compressed once (config/shared_pages.py). Its "next" is checked as Django's view does.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("tai-khoan/", include("accounts.urls")),
    path("dia-danh/", include("places.urls")),
    path("", include("growing_areas.urls")),
    path("", include("marketplace.urls")),
    path("", include("traceability.urls")),
    path("", include("postal_pickup.urls")),
]

if settings.SERVE_MEDIA:
    # Uploads are served with a type from an allowlist, nosniff and a sandboxing CSP.
    urlpatterns.append(
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve_media, name="media")
    )

# Wagtail's page tree serves everything else; it must come last.
urlpatterns.append(path("", include(wagtail_urls)))
