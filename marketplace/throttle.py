"""A limit on farmer sign-ups per network address, counted in Django's cache (shared by every
web machine when CACHE_URL names Redis or Memcached)."""

import hashlib

from django.conf import settings
from django.core.cache import cache

from accounts.network import client_ip

SIGNUP_WINDOW_SECONDS = 60 * 60


def _key(request):
    # Hashed: an IPv6 address has colons some cache backends do not like in keys.
    address = client_ip(request) or "unknown"
    return "signup-rate:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def signup_allowed(request, count=True):
    """False once the address has sent SIGNUP_RATE_LIMIT sign-ups in the current hour.
    With ``count`` this request is one more attempt; the hour starts at the first one."""
    key = _key(request)
    if not count:
        return cache.get(key, 0) < settings.SIGNUP_RATE_LIMIT
    cache.add(key, 0, timeout=SIGNUP_WINDOW_SECONDS)
    try:
        attempts = cache.incr(key)
    except ValueError:  # the hour ended between add() and incr()
        cache.set(key, 1, timeout=SIGNUP_WINDOW_SECONDS)
        attempts = 1
    return attempts <= settings.SIGNUP_RATE_LIMIT
