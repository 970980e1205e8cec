"""System checks on the settings that Django's own checks do not know about. They run with
``manage.py check``, ``migrate`` and ``collectstatic``, so a release with them failing stops
before it serves anyone."""

from django.conf import settings
from django.core.checks import Error, register

# The development default of GS1_COMPANY_PREFIX, in Vietnam's 893 range but licensed to no one.
PLACEHOLDER_GS1_COMPANY_PREFIX = "8939999"


@register()
def gs1_company_prefix_is_licensed(app_configs=None, **kwargs):
    """In production, GTINs the platform allocates are printed on labels that can never be
    recalled: refuse the placeholder company prefix (or none at all)."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    prefix = str(getattr(settings, "GS1_COMPANY_PREFIX", "") or "").strip()
    if not prefix or prefix == PLACEHOLDER_GS1_COMPANY_PREFIX:
        return [
            Error(
                "GS1_COMPANY_PREFIX is unset or the development placeholder "
                f"{PLACEHOLDER_GS1_COMPANY_PREFIX}: production would print GTINs under a "
                "prefix that belongs to no one.",
                hint="Set GS1_COMPANY_PREFIX to the company prefix licensed to you by GS1 "
                "Vietnam: labels once printed cannot be recalled.",
                id="config.E001",
            )
        ]
    if not (prefix.isascii() and prefix.isdigit() and 6 <= len(prefix) <= 11):
        return [
            Error(
                f"GS1_COMPANY_PREFIX {prefix!r} is not a GS1 company prefix.",
                hint="A GS1 company prefix is 6 to 11 digits, as GS1 Vietnam issued it.",
                id="config.E002",
            )
        ]
    return []
