from django.urls import path

from . import views

app_name = "postal_pickup"

urlpatterns = [
    path("buu-dien/", views.pickup_list, name="pickup_list"),
    path("buu-dien/<int:pk>/da-lay/", views.job_picked_up, name="job_picked_up"),
    path("buu-dien/<int:pk>/khong-lay-duoc/", views.job_failed, name="job_failed"),
    path("buu-dien/dang-giao/", views.on_the_way, name="on_the_way"),
    path("buu-dien/<int:pk>/trang-thai/", views.job_status, name="job_status"),
    path("webhooks/buu-dien/", views.carrier_webhook, name="carrier_webhook"),
]
