"""Pickup dates: which day the post office comes, from the cut-off hour and working days.

Both are settings: ``POSTAL_PICKUP_CUTOFF_HOUR`` (an order confirmed before it, local time,
is collected on the next working day; after it, on the working day after that) and
``POSTAL_WORKING_DAYS`` (weekday numbers, Monday = 0). Dates are Asia/Ho_Chi_Minh dates.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


def working_days():
    days = {int(day) for day in settings.POSTAL_WORKING_DAYS}
    if not days or not days <= set(range(7)):
        raise ImproperlyConfigured("POSTAL_WORKING_DAYS needs weekday numbers from 0 to 6.")
    return days


def next_working_day(day):
    """The first working day strictly after ``day``."""
    days = working_days()
    day += timedelta(days=1)
    while day.weekday() not in days:
        day += timedelta(days=1)
    return day


def local_date(moment):
    return timezone.localtime(moment).date()


def pickup_date_for(confirmed_at):
    """The day the post office collects an order confirmed at ``confirmed_at``."""
    local = timezone.localtime(confirmed_at)
    day = next_working_day(local.date())
    if local.hour >= settings.POSTAL_PICKUP_CUTOFF_HOUR:
        day = next_working_day(day)
    return day
