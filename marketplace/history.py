"""The seller desk's history read as sentences: "Lò Thị Mai đã gửi tin “Chè Shan Tuyết” đi
duyệt lúc 30/11/2026 23:04", not field names."""

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ListingEvent

Action = ListingEvent.Action

# %(actor)s, %(product)s (the listing's name) and %(when)s, for each action.
SENTENCES = {
    Action.PRODUCER_CREATED: gettext_lazy("%(actor)s created the producer profile at %(when)s."),
    Action.PRODUCER_VERIFIED: gettext_lazy("%(actor)s verified the producer profile at %(when)s."),
    Action.PRODUCER_SUSPENDED: gettext_lazy(
        "%(actor)s suspended the producer profile at %(when)s."
    ),
    Action.PRODUCER_EDITED: gettext_lazy("%(actor)s edited the producer profile at %(when)s."),
    Action.CREATED: gettext_lazy("%(actor)s created the listing “%(product)s” at %(when)s."),
    Action.EDITED: gettext_lazy("%(actor)s edited the listing “%(product)s” at %(when)s."),
    Action.STOCK_UPDATED: gettext_lazy(
        "%(actor)s updated the quantity available of “%(product)s” at %(when)s."
    ),
    Action.PHOTO_ADDED: gettext_lazy("%(actor)s added a photo to “%(product)s” at %(when)s."),
    Action.PHOTO_REMOVED: gettext_lazy("%(actor)s removed a photo from “%(product)s” at %(when)s."),
    Action.SUBMITTED: gettext_lazy(
        "%(actor)s sent the listing “%(product)s” for review at %(when)s."
    ),
    Action.APPROVED: gettext_lazy(
        "%(actor)s approved and published the listing “%(product)s” at %(when)s."
    ),
    Action.REJECTED: gettext_lazy("%(actor)s rejected the listing “%(product)s” at %(when)s."),
    Action.UNPUBLISHED: gettext_lazy(
        "%(actor)s took the listing “%(product)s” off sale at %(when)s."
    ),
    Action.OCOP_EXPIRY_WARNED: gettext_lazy(
        "%(actor)s warned that the OCOP certificate of “%(product)s” ends soon, at %(when)s."
    ),
    Action.CONSENT_REQUESTED: gettext_lazy(
        "%(actor)s asked for consent to act for the farmer at %(when)s."
    ),
    Action.CONSENT_GRANTED: gettext_lazy(
        "%(actor)s gave the commune's helpers consent to act for them at %(when)s."
    ),
    Action.CONSENT_REFUSED: gettext_lazy(
        "%(actor)s refused the commune's helpers consent to act for them at %(when)s."
    ),
}


def sentence(event):
    """What happened, who did it and when, as one sentence in the active language. An event
    without a person (a daily task, an account since deleted) is told as the platform's."""
    actor = event.actor.get_full_name() if event.actor_id and event.actor else ""
    when = formats.date_format(timezone.localtime(event.created_at), "SHORT_DATETIME_FORMAT")
    product = event.product.name if event.product_id and event.product else _("a deleted listing")
    template = SENTENCES.get(event.action)
    if template is None:  # an action added later without its sentence still reads
        return f"{event.get_action_display()} · {when}"
    return template % {"actor": actor or _("The platform"), "product": product, "when": when}
