from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project itself, installed so its system checks run."""

    name = "config"
    verbose_name = "Chợ Phiên"

    def ready(self):
        from . import checks  # noqa: F401 - registers the checks
