from django.urls import path, re_path

from . import resolver, views

app_name = "traceability"

urlpatterns = [
    # GS1 Digital Link: /01/<gtin>[/22/<cpv>][/10/<lot>][/21/<serial>], checked by the view
    # "/01" alone too, so every method on it gets the resolver's answer (405 with Allow)
    re_path(r"^01(?:/(?P<rest>.*))?$", resolver.resolve, name="resolve"),
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
    path("ban-hang/in-tem/<int:pk>/lam-lai/", views.print_run_retry, name="print_run_retry"),
    path("ban-hang/in-tem/<int:pk>/huy/", views.print_run_void, name="print_run_void"),
]
