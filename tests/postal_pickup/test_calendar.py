"""Pickup dates from the cut-off hour and the working days (local time, Asia/Ho_Chi_Minh)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from postal_pickup.calendar import next_working_day, pickup_date_for

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day, hour, minute=0):
    return datetime(2026, 12, day, hour, minute, tzinfo=HANOI)


@pytest.mark.parametrize(
    ("confirmed", "pickup"),
    [
        (at(1, 9), date(2026, 12, 2)),  # Tuesday morning: Wednesday
        (at(1, 13, 59), date(2026, 12, 2)),  # just before the cut-off
        (at(1, 14), date(2026, 12, 3)),  # at the cut-off: the day after
        (at(4, 10), date(2026, 12, 5)),  # Friday morning: Saturday is a working day
        (at(4, 16), date(2026, 12, 7)),  # Friday afternoon: Sunday is not; Monday
        (at(6, 8), date(2026, 12, 7)),  # Sunday morning: Monday
    ],
)
def test_before_the_cut_off_the_next_working_day_after_it_the_one_after(confirmed, pickup):
    assert pickup_date_for(confirmed) == pickup


def test_the_cut_off_is_in_vietnamese_time_whatever_the_clock_of_the_server():
    # 06:30 UTC is 13:30 in Hà Nội: before the cut-off
    assert pickup_date_for(datetime(2026, 12, 1, 6, 30, tzinfo=ZoneInfo("UTC"))) == date(
        2026, 12, 2
    )


def test_cut_off_and_working_days_come_from_the_settings(settings):
    settings.POSTAL_PICKUP_CUTOFF_HOUR = 10
    settings.POSTAL_WORKING_DAYS = [0, 1, 2, 3, 4]
    assert pickup_date_for(at(1, 11)) == date(2026, 12, 3)
    assert pickup_date_for(at(4, 9)) == date(2026, 12, 7)
    assert next_working_day(date(2026, 12, 4)) == date(2026, 12, 7)
