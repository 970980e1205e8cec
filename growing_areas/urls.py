from django.urls import path

from . import views

app_name = "growing_areas"

urlpatterns = [
    path("vung-trong/", views.area_list, name="list"),
    path("vung-trong.geojson", views.area_geojson, name="geojson"),
    path("vung-trong/<str:code>/", views.area_detail, name="detail"),
]
