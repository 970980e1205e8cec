"""Where a request comes from, read the same way everywhere: django-axes (failed logins, through
AXES_CLIENT_IP_CALLABLE), the farmer sign-up limit and label scans."""

import ipaddress

from django.conf import settings


def _address(text):
    """``text`` as a normalised IP address string, or None when it is not one. Accepts what
    proxies write: ``1.2.3.4``, ``1.2.3.4:5678``, ``2001:db8::1``, ``[2001:db8::1]:443``."""
    text = (text or "").strip().strip('"')
    if text.startswith("["):  # [IPv6] or [IPv6]:port
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # IPv4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # a dual-stack listener shows an IPv4 client as ::ffff:a.b.c.d: one client, one address
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def client_ip(request):
    """The address of the client that sent ``request`` ("" when none can be read).

    Without proxies (TRUSTED_PROXY_COUNT = 0) it is REMOTE_ADDR and X-Forwarded-For is ignored.
    With n trusted proxies it is the n-th X-Forwarded-For entry from the right: the address the
    outermost trusted proxy saw. Entries further left were written by the client, so a forged
    header cannot choose the address; a header with fewer than n entries (a request that did
    not come through every proxy) or an unreadable entry falls back to REMOTE_ADDR."""
    remote = _address(request.META.get("REMOTE_ADDR", "")) or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = forwarded.split(",")
    if len(hops) < proxies:
        return remote
    return _address(hops[-proxies]) or remote
