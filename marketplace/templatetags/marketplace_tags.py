from django import template

register = template.Library()


@register.filter
def vnd(amount):
    """450000 -> "450.000 ₫", the way prices are written in Vietnam."""
    if amount in (None, ""):
        return ""
    return f"{int(amount):,}".replace(",", ".") + "\u00a0₫"


@register.filter
def stars(count):
    return "★" * int(count or 0)
