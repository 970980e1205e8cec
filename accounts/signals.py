"""Hooks other apps use to add to the account pages without being imported here (accounts
sits above every other app). Same shape as ``marketplace.signals.desk_sections``: a receiver
returns None or a dict {"title": str, "template": str, "context": dict}, and the page shows
one section per dict, in the order the receivers were connected."""

from django.dispatch import Signal

# Sent with ``user`` and ``request`` while the person's own page (/tai-khoan/) is built, e.g.
# their latest orders. The template also gets ``user``.
account_sections = Signal()
