from django import template

from accounts.phone import display_phone
from marketplace.history import sentence
from marketplace.prices import format_vnd

register = template.Library()


@register.filter
def vnd(amount):
    """450000 -> "450.000 ₫", the way prices are written in Vietnam."""
    if amount in (None, ""):
        return ""
    return format_vnd(amount)


@register.filter
def stars(count):
    return "★" * int(count or 0)


@register.filter
def phone(value):
    """+84912345678 -> 0912 345 678."""
    return display_phone(value) if value else ""


@register.filter
def history_sentence(event):
    """A ListingEvent as one sentence: who did what, to which listing, when."""
    return sentence(event)
