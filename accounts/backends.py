"""Log in by phone number written in any of the usual forms."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from .phone import normalize_phone


class PhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get("phone")
        try:
            username = normalize_phone(username)
        except ValidationError:
            return None
        return super().authenticate(request, username=username, password=password)


def axes_username(request, credentials):
    """The name django-axes counts failures under: the normalised number, so typing
    0912… and +84912… counts as the same person."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username")
    try:
        return normalize_phone(raw)
    except ValidationError:
        return (raw or "").strip()
