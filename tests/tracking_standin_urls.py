"""The project's URLs plus a stand-in for the order tracking page (``marketplace:order_tracking``,
``/don-hang/<token>/``) while that page is not on this branch yet: the card tests end there.
Used only when the real page is missing (tests/payments_support.py ``tracking_page``)."""

from django.http import HttpResponse
from django.urls import include, path

from config import urls as project_urls
from marketplace import urls as marketplace_urls


def tracking(request, token):
    return HttpResponse(f'<h1 id="order-tracking">{token}</h1>')


urlpatterns = [
    path(
        "",
        include(
            (
                [
                    path("don-hang/<str:token>/", tracking, name="order_tracking"),
                    *marketplace_urls.urlpatterns,
                ],
                "marketplace",
            )
        ),
    ),
    *project_urls.urlpatterns,
]
