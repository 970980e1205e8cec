from django import template
from django.utils import formats

from accounts.phone import display_phone
from marketplace.cart import Cart
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


@register.filter
def grams(weight):
    """600 -> "600 g", 1250 -> "1,25 kg": a parcel's weight as the post office writes it."""
    if weight in (None, ""):
        return ""
    if weight < 1000:
        return f"{weight} g"
    return f"{formats.number_format(round(weight / 1000, 2), use_l10n=True)} kg"


@register.simple_tag(takes_context=True)
def cart_count(context):
    """Units in the visitor's cart, counted only where the header shows it: for an anonymous
    visitor from the session alone, for a logged-in one by one small query."""
    request = context.get("request")
    if request is None or not hasattr(request, "session") or not hasattr(request, "user"):
        return 0
    return Cart(request).count()
