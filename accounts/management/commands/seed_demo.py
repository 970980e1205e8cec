"""Build the demo site. Each project app may have a ``demo.py`` with ``seed(command)``; they
run in INSTALLED_APPS order, so an app can rely on the demo data of the apps above it.
Running the command twice changes nothing."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

PROJECT_APPS = (
    "accounts",
    "places",
    "growing_areas",
    "marketplace",
    "traceability",
    "postal_pickup",
)


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo pages, accounts and data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DJANGO_ENV=production (demo passwords are public).",
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION and not options["allow_production"]:
            raise CommandError(
                "Refusing to load demo accounts with known passwords in production; "
                "pass --allow-production if you really mean it."
            )
        self.logins = []
        with transaction.atomic():
            for config in apps.get_app_configs():
                if config.name in PROJECT_APPS and find_spec(f"{config.name}.demo"):
                    import_module(f"{config.name}.demo").seed(self)
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Logins (phone / password):"))
        for role, name, phone, password in self.logins:
            self.stdout.write(f"  {role:<28} {name:<34} {phone:<14} {password}")

    def add_login(self, role, user, password):
        """Demo modules call this so the logins are printed at the end."""
        self.logins.append((str(role), user.full_name, user.phone_display, password))
