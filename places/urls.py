from django.urls import path

from . import views

app_name = "places"

urlpatterns = [
    path("xa.json", views.communes, name="communes"),
    path("doi-dia-chi/", views.convert_address, name="convert_address"),
]
