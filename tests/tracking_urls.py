"""The site's URLconf plus a stand-in for the order tracking page (``/don-hang/<token>/``,
built by another branch): checkout tests follow the redirect's address, not its page. Used
only while ``marketplace:order_tracking`` does not exist (see the ``order_tracking_route``
fixture)."""

from django.http import HttpResponse
from django.urls import include, path

from config.urls import urlpatterns as site_urlpatterns
from marketplace.urls import app_name
from marketplace.urls import urlpatterns as marketplace_urlpatterns


def tracking_stand_in(request, token):
    return HttpResponse(f"order {token}")


urlpatterns = [
    # the same namespace again, first: reverse() finds the stand-in in it
    path(
        "",
        include(
            (
                [
                    *marketplace_urlpatterns,
                    path("don-hang/<str:token>/", tracking_stand_in, name="order_tracking"),
                ],
                app_name,
            )
        ),
    ),
    *site_urlpatterns,
]
