"""Hooks other apps use to add to marketplace pages without being imported here (traceability
sits below marketplace). Same shape as ``growing_areas.signals.area_page_sections``: a
receiver returns None or a dict {"title": str, "template": str, "context": dict}, and the page
shows one section per dict, in the order the receivers were connected."""

from django.dispatch import Signal

# Sent with ``product`` and ``request`` while a public product page is built (e.g. the
# product's recent batches and their provenance pages). The template also gets ``product``.
product_page_sections = Signal()

# Sent with ``producer`` and ``request`` while the seller desk is built: ``producer`` is the
# one the desk acts for (the farmer's own, or the one a helper acts for), or None on the
# overview of several producers. The template also gets ``producer``.
desk_sections = Signal()

# Sent with ``order`` and ``seller_orders`` (each with its ``producer``) once the transaction
# that confirmed the order has committed: at placing for cash on delivery, when the money
# arrives for prepaid methods. ``postal_pickup`` listens; marketplace never imports it.
order_confirmed = Signal()

# Sent with ``order``, ``seller_orders`` (as they were before), ``actor`` and ``reason`` inside
# the transaction that cancelled a confirmed order, its row locked: what a receiver writes (the
# post office's jobs called off) is kept or undone with the cancellation, and a receiver that
# raises undoes the cancellation.
order_cancelled = Signal()

# Sent with ``order`` while the buyer's timeline is built (``tracking.timeline``): a receiver
# returns a list of ``tracking.Step`` (when, what) to add, e.g. the carrier's in-transit and
# delivery steps. They are merged by time. Never names or phone numbers: the page is the
# buyer's, reached by a link that may be passed on.
order_timeline_steps = Signal()
