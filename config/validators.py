"""Checks every app's forms and models share."""

from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

# Dates outside these years are typing mistakes (0001, 20255); year 1 and year 9999 also
# break date arithmetic and time-zone conversion.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def implausible_dates(instance, *fields):
    """{field: Vietnamese message} for each named date or datetime field of ``instance``
    holding a date outside EARLIEST_DATE … LATEST_DATE (empty fields are left alone)."""
    errors = {}
    for field in fields:
        value = getattr(instance, field, None)
        if isinstance(value, datetime):
            value = value.date()  # no time-zone conversion: it is what overflows
        if isinstance(value, date) and not EARLIEST_DATE <= value <= LATEST_DATE:
            errors[field] = _("Enter a real date, between the years 1900 and 2100.")
    return errors
