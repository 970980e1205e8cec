"""Which payment methods exist and which are offered now."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..order_models import PaymentMethod

_adapters = {}


def register(adapter_class):
    """Class decorator: make the method of ``adapter_class`` known, in PaymentMethod order."""
    _adapters[PaymentMethod(adapter_class.method)] = adapter_class()
    return adapter_class


def _load():
    from . import card, cod, vietqr  # noqa: F401  (each method's module registers itself)


def adapter_for(method):
    """The adapter of ``method`` (whether offered or not: an old order still refunds)."""
    _load()
    try:
        return _adapters[PaymentMethod(method)]
    except (KeyError, ValueError):
        raise ValidationError(_("Choose a payment method."), code="method") from None


def available_adapters():
    """The methods offered at checkout, COD first."""
    _load()
    return [_adapters[m] for m in PaymentMethod if m in _adapters and _adapters[m].is_available()]


def offered_adapter(method):
    """The adapter of ``method`` if it is offered now, else a ValidationError for the form."""
    adapter = adapter_for(method)
    if not adapter.is_available():
        raise ValidationError(_("This payment method is not offered now."), code="method")
    return adapter
