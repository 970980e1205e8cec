"""Where a request comes from, read the same way everywhere (label scans, sign-up limits)."""

from django.conf import settings


def client_ip(request):
    """The client's address: REMOTE_ADDR, or with AXES_PROXY_COUNT (AXES_IPWARE_PROXY_COUNT)
    proxies in front, the X-Forwarded-For hop the outermost trusted proxy added."""
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")
