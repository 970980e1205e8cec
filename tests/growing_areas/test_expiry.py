"""The daily notice to moderators of codes and certificates about to expire."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Notification
from growing_areas.models import Certification
from growing_areas.services import change_status
from growing_areas.tasks import notify_expiring_growing_areas

pytestmark = pytest.mark.django_db


def test_beat_runs_the_notice_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["growing-areas-expiry-notice"]
    assert entry["task"] == notify_expiring_growing_areas.name
    schedule = entry["schedule"]
    # once a day, at a fixed morning hour in Vietnam time, whenever beat was started
    assert schedule.hour == {7}
    assert len(schedule.minute) == 1
    assert schedule.day_of_week == set(range(7))
    assert schedule.day_of_month == set(range(1, 32))


def test_moderators_hear_of_areas_and_certifications_expiring_within_60_days(
    make_area, moderator, producer_user
):
    today = timezone.localdate()
    make_area(code="SOON-1", name="Vùng chè sắp hết hạn", valid_until=today + timedelta(days=59))
    make_area(code="LATER-1", valid_until=today + timedelta(days=61))
    make_area(code="GONE-1", valid_until=today - timedelta(days=1))
    revoked = make_area(code="REVOKED-1", valid_until=today + timedelta(days=10))
    change_status(revoked, "revoked", reason="Thu hồi mã")
    certified = make_area(code="CERT-1", valid_until=today + timedelta(days=900))
    Certification.objects.create(
        area=certified, scheme="vietgap", number="VG-77", valid_until=today + timedelta(days=30)
    )
    Certification.objects.create(
        area=certified, scheme="organic", number="HC-99", valid_until=today + timedelta(days=90)
    )

    assert notify_expiring_growing_areas() == 1
    notice = Notification.objects.get()
    assert notice.recipient == moderator
    assert "Vùng trồng" in notice.subject or "vùng trồng" in notice.subject
    assert "SOON-1 · Vùng chè sắp hết hạn (Xã Văn Chấn, Lào Cai)" in notice.body
    assert "CERT-1 · VietGAP VG-77" in notice.body
    for absent in ("LATER-1", "GONE-1", "REVOKED-1", "HC-99"):
        assert absent not in notice.body
    assert not Notification.objects.filter(recipient=producer_user).exists()

    assert notify_expiring_growing_areas() == 0  # a second run the same day sends nothing more
    assert Notification.objects.count() == 1


def test_no_notice_when_nothing_expires(make_area, moderator):
    make_area(valid_until=timezone.localdate() + timedelta(days=365))
    assert notify_expiring_growing_areas() == 0
    assert not Notification.objects.exists()
