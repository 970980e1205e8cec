from django.urls import path, re_path

from . import resolver, views

app_name = "traceability"

urlpatterns = [
    # GS1 Digital Link: /01/<gtin>[/22/<cpv>][/10/<lot>][/21/<serial>], checked by the view
    # "/01" alone too, so every method on it gets the resolver's answer (405 with Allow)
    re_path(r"^01(?:/(?P<rest>.*))?$", resolver.resolve, name="resolve"),
    # any other GS1 primary key (/00/<sscc>, /414/<gln>, /8004/<giai>…): 400 with the reason
    re_path(r"^(?P<key>\d{2,4})(?:/(?P<rest>.*))?$", resolver.resolve_other_key, name="other_key"),
    path(".well-known/gs1resolver", resolver.resolver_description, name="resolver_description"),
    path("epcis/events", resolver.epcis_events, name="epcis_events"),
    # the farmer's side, under the seller desk
    path("ban-hang/lo-hang/", views.batch_list, name="batch_list"),
    path("ban-hang/lo-hang/moi/", views.batch_new, name="batch_new"),
    path("ban-hang/lo-hang/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("ban-hang/lo-hang/<int:pk>/buoc-moi/", views.event_new, name="event_new"),
    path("ban-hang/lo-hang/<int:pk>/in-tem/", views.print_run_new, name="print_run_new"),
    path("ban-hang/lo-hang/<int:pk>/huy-tem/", views.label_void, name="label_void"),
    path("ban-hang/in-tem/<int:pk>/", views.print_run, name="print_run"),
    path("ban-hang/in-tem/<int:pk>/tem.pdf", views.print_run_pdf, name="print_run_pdf"),
    path("ban-hang/tai-lieu/<int:pk>/<str:name>", views.document, name="document"),
    path("ban-hang/in-tem/<int:pk>/lam-lai/", views.print_run_retry, name="print_run_retry"),
    path("ban-hang/in-tem/<int:pk>/huy/", views.print_run_void, name="print_run_void"),
    # a compressed Digital Link URI: one base64url segment; anything else there is a 404
    re_path(r"^(?P<compressed>[A-Za-z0-9_-]{8,})$", resolver.resolve_compressed, name="compressed"),
]
