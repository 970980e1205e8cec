from django.conf import settings
from django.contrib import admin
from django.urls import include, path
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
    path("i18n/", include("django.conf.urls.i18n")),
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
