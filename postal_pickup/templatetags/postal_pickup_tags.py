"""Template helpers of the postal pages."""

from django import template

from postal_pickup import services

register = template.Library()


@register.simple_tag
def next_steps(job):
    """[(status value, label)] the job may move to after pickup, in the parcel's order."""
    return [(str(status), status.label) for status in services.next_steps(job)]
