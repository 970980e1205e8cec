from django.urls import path

from . import list_views, views

app_name = "postal_pickup"

urlpatterns = [
    path("buu-dien/", views.pickup_list, name="pickup_list"),
    path("buu-dien/<int:pk>/", list_views.job_detail, name="job_detail"),
    path("buu-dien/<int:pk>/phieu-gui.pdf", list_views.job_slip, name="job_slip"),
    path("buu-dien/<int:pk>/da-lay/", views.job_picked_up, name="job_picked_up"),
    path("buu-dien/<int:pk>/khong-lay-duoc/", views.job_failed, name="job_failed"),
    path("buu-dien/dang-giao/", views.on_the_way, name="on_the_way"),
    path("buu-dien/<int:pk>/trang-thai/", views.job_status, name="job_status"),
    path("webhooks/buu-dien/", views.carrier_webhook, name="carrier_webhook"),
    path("buu-dien/bang-ke/<int:pk>/", list_views.list_detail, name="list_detail"),
    path("buu-dien/bang-ke/<int:pk>/in/", list_views.list_print, name="list_print"),
    path("buu-dien/bang-ke/<int:pk>/bang-ke.pdf", list_views.list_pdf, name="list_pdf"),
    path("buu-dien/bang-ke/<int:pk>/phieu-gui.pdf", list_views.list_slips, name="list_slips"),
    path("buu-dien/bang-ke/<int:pk>/bang-ke.csv", list_views.list_csv, name="list_csv"),
]
