"""Hooks other apps use to add to a growing area's public page without being imported here
(marketplace and traceability sit below growing_areas)."""

from django.dispatch import Signal

# Sent with ``area`` and ``request`` while the area's page is built. A receiver returns None or
# a dict {"title": str, "template": str, "context": dict}; the page shows one section per dict,
# in the order the receivers were connected (e.g. the products and batches from this area).
area_page_sections = Signal()
