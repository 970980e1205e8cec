"""Who may see or act on producers and listings. Views load them only through
``accounts.access.get_for_actor``, with the scopes registered here.

A person may act for a producer when they are one of its members, a moderator, or a community
helper serving the producer's commune *and* the farmer's consent is recorded
(``Producer.consent_at``): a farmer who signed up alone is theirs alone until they agree.
"""

from django.db.models import Q

from accounts.access import scope
from accounts.roles import Role

from .models import HelperCommune, Order, Producer, Product, ProductPhoto, SellerOrder

# Actions on a producer besides acting for it: a helper asks a farmer of their commune for
# consent; the farmer (a member) answers.
ASK_CONSENT = "ask_consent"
ANSWER_CONSENT = "answer_consent"
# The orders a person bought from their account (a moderator's own purchases, not everyone's).
BOUGHT = "bought"


def is_moderator(user):
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.MODERATOR))


def served_communes(user):
    """The commune codes a community helper serves (empty for anyone else)."""
    if not user.is_authenticated or not user.has_role(Role.COMMUNITY_HELPER):
        return set()
    if not hasattr(user, "_served_communes"):
        user._served_communes = set(
            HelperCommune.objects.filter(helper=user).values_list("commune_code", flat=True)
        )
    return user._served_communes


def consented():
    """The condition "the farmer's consent to the commune's helpers is recorded"."""
    return Q(consent_at__isnull=False)


@scope(Producer)
def producers_for(user):
    """The producers ``user`` may act for: their own, and for a helper those of the communes
    they serve whose consent is recorded. Moderators work in the admin, so they get every
    producer here too."""
    if not user.is_authenticated:
        return Producer.objects.none()
    if is_moderator(user):
        return Producer.objects.all()
    condition = Q(members=user)
    communes = served_communes(user)
    if communes:
        condition |= Q(commune_code__in=communes) & consented()
    return Producer.objects.filter(condition).distinct()


@scope(Product)
def products_for(user):
    return Product.objects.filter(producer__in=producers_for(user))


@scope(ProductPhoto)
def photos_for(user):
    return ProductPhoto.objects.filter(product__producer__in=producers_for(user))


@scope(Producer, ASK_CONSENT)
def consent_askable(user):
    """The farmers of a helper's communes other than the helper's own producers."""
    communes = served_communes(user)
    if not communes:
        return Producer.objects.none()
    return Producer.objects.filter(commune_code__in=communes).exclude(members=user)


@scope(Producer, ANSWER_CONSENT)
def consent_answerable(user):
    """Only the farmer's own accounts answer for them: not a helper, not a moderator."""
    return Producer.objects.filter(members=user)


# --- Orders -----------------------------------------------------------------------------------


@scope(SellerOrder)
def seller_orders_for(user):
    """The parcels of the producers ``user`` acts for: the farmer's own, a consenting
    helper's farmers', every one for moderators."""
    return SellerOrder.objects.filter(producer__in=producers_for(user))


@scope(Order)
def orders_for(user):
    """A logged-in buyer's own orders; moderators see every order (in the admin). Anyone
    holding an order's tracking link sees that order without an account."""
    if is_moderator(user):
        return Order.objects.all()
    return Order.objects.filter(buyer=user)


@scope(Order, BOUGHT)
def orders_bought(user):
    """The orders placed from ``user``'s account: their "my orders" list, for everyone,
    moderators included."""
    return Order.objects.filter(buyer=user)
