"""The project's URLs plus /bench-bare/, the bare Django view the bench compares pages with."""

from django.http import HttpResponse
from django.urls import path

from config import urls


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("bench-bare/", bare), *urls.urlpatterns]
