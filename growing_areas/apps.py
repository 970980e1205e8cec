from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrowingAreasConfig(AppConfig):
    name = "growing_areas"
    verbose_name = _("Growing areas")
