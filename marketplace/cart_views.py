"""The buyer's cart: the add-to-cart form on product pages and the cart page. The rules
(what may be bought, how many, the parcels and their fees) are ``cart.py``'s; these views only
read the form, ask it, and say plainly what it refused."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .cart import Cart, CartError, buyable, cart_summary, clean_quantity
from .models import catalog_url


def cart_page(request, errors=(), status=200):
    """Lines grouped by producer, each parcel with its weight and fee (the other-province fee,
    the highest, until the checkout knows the address)."""
    return render(
        request,
        "marketplace/cart.html",
        {"summary": cart_summary(request), "errors": errors, "products_url": catalog_url()},
        status=status,
    )


@require_POST
def cart_add(request):
    """ "Thêm vào giỏ" on a product page. Refused input leaves the cart as it was."""
    try:
        product = buyable(request.POST.get("product"))
    except CartError as error:
        return cart_page(request, error.messages, status=400)
    try:
        quantity = clean_quantity(request.POST.get("quantity"))
        Cart(request).add(product, quantity)
    except CartError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(product.get_absolute_url())
    messages.success(
        request,
        _("Added to your cart: %(product)s × %(quantity)s.")
        % {"product": product.name, "quantity": quantity},
    )
    return redirect("marketplace:cart")


@require_POST
def cart_update(request):
    """A cart line's own form: a new quantity, or the "remove" button."""
    if "remove" in request.POST:
        Cart(request).remove(_product_id(request.POST.get("product")))
        return redirect("marketplace:cart")
    try:
        product = buyable(request.POST.get("product"))
        quantity = clean_quantity(request.POST.get("quantity"))
        Cart(request).set(product, quantity)
    except CartError as error:
        return cart_page(request, error.messages, status=400)
    return redirect("marketplace:cart")


def _product_id(value):
    """A product id from a form, or None (a line that cannot exist is nothing to remove)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
