"""The public address printed in every label's QR code must be one buyers can reach: labels
cannot be recalled once stuck on packages."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LOCAL_NAMES = {"localhost", "localhost.localdomain"}


def is_local_address(site_url):
    """Whether ``site_url`` names this machine (localhost, 127.x, ::1, 0.0.0.0): a phone
    scanning a label would never reach it."""
    host = (urlsplit(site_url).hostname or "").lower().rstrip(".")
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def check_label_site_address():
    """Refuse, with a Vietnamese message, to issue labels in production while ``SITE_URL``
    points at this machine; in development and tests a local address is what ``make run``
    serves, so it is allowed."""
    if settings.PRODUCTION and is_local_address(settings.SITE_URL):
        raise ValidationError(
            _(
                "Labels cannot be printed yet: the site's public address (SITE_URL) is "
                "%(url)s, which phones scanning the labels cannot reach. Ask the administrator "
                "to set SITE_URL to the site's real address first."
            )
            % {"url": settings.SITE_URL},
            code="local_site_url",
        )
