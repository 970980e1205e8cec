"""The record's own rules: code normalised and checked, status history, expiry."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from growing_areas.models import GrowingArea, StatusChange
from growing_areas.services import change_status
from growing_areas.validators import clean_boundary

pytestmark = pytest.mark.django_db


def test_code_is_stored_upper_case_without_spaces(make_area):
    area = make_area(code=" lc-vc 001 ")
    area.full_clean()
    assert area.code == "LC-VC001"


@pytest.mark.parametrize("code", ["LC_VC_001", "LC/VC", "-LC", "Mã-Đ1"])
def test_default_pattern_refuses_other_characters(make_area, code):
    area = make_area(code="OK-1")
    area.code = code
    with pytest.raises(ValidationError) as caught:
        area.full_clean()
    assert "code" in caught.value.message_dict


@override_settings(GROWING_AREA_CODE_PATTERN=r"VN-\d{2}-\d{4}")
def test_code_pattern_comes_from_the_setting(make_area):
    area = make_area(code="VN-15-0001")
    area.full_clean()
    area.code = "LC-001"
    with pytest.raises(ValidationError):
        area.full_clean()


def test_commune_must_belong_to_the_province(make_area):
    area = make_area(province_code="14")  # Sơn La, but Xã Văn Chấn is in Lào Cai
    with pytest.raises(ValidationError) as caught:
        area.full_clean()
    assert "commune_code" in caught.value.message_dict


def test_expiry_before_issue_and_zero_area_are_refused(make_area):
    area = make_area()
    area.valid_until = area.issued_on - timedelta(days=1)
    area.area_ha = Decimal("0")
    with pytest.raises(ValidationError) as caught:
        area.full_clean()
    assert {"valid_until", "area_ha"} <= set(caught.value.message_dict)


def test_coordinates_outside_vietnam_are_refused(make_area):
    area = make_area(latitude=Decimal("48.85"), longitude=Decimal("2.35"))  # Paris
    with pytest.raises(ValidationError) as caught:
        area.full_clean()
    assert {"latitude", "longitude"} <= set(caught.value.message_dict)


def test_status_change_is_recorded_with_who_when_and_why(make_area, moderator):
    area = make_area()
    change = change_status(
        area, "suspended", reason="  Dư lượng thuốc   vượt ngưỡng ", by=moderator
    )
    area.refresh_from_db()
    assert area.status == GrowingArea.Status.SUSPENDED
    assert (change.from_status, change.to_status) == ("active", "suspended")
    assert change.changed_by == moderator
    assert change.reason == "Dư lượng thuốc vượt ngưỡng"
    assert abs(change.changed_at - timezone.now()) < timedelta(minutes=1)
    change_status(area, "active", reason="Kiểm tra lại đạt", by=moderator)
    assert list(area.status_changes.values_list("to_status", flat=True)) == [
        "active",
        "suspended",
    ]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_status_change_without_reason_is_refused_and_changes_nothing(make_area, moderator, reason):
    area = make_area()
    with pytest.raises(ValidationError) as caught:
        change_status(area, "revoked", reason=reason, by=moderator)
    assert "reason" in caught.value.message_dict
    area.refresh_from_db()
    assert area.status == GrowingArea.Status.ACTIVE
    assert not StatusChange.objects.exists()


def test_status_change_to_the_same_status_is_refused(make_area, moderator):
    area = make_area()
    with pytest.raises(ValidationError):
        change_status(area, "active", reason="không đổi", by=moderator)
    with pytest.raises(ValidationError):
        change_status(area, "closed", reason="không có trạng thái này", by=moderator)
    assert not StatusChange.objects.exists()


def test_area_past_its_expiry_shows_as_expired(make_area):
    today = timezone.localdate()
    expired = make_area(valid_until=today - timedelta(days=1))
    soon = make_area(valid_until=today + timedelta(days=30))
    later = make_area(valid_until=today + timedelta(days=365))
    assert expired.is_expired and not expired.is_in_good_standing
    assert str(expired.standing_label) == "Hết hạn"
    assert soon.expires_soon and not soon.is_expired and soon.is_in_good_standing
    assert not later.expires_soon
    assert list(GrowingArea.objects.expired()) == [expired]
    assert list(GrowingArea.objects.expiring_within(60)) == [soon]


@pytest.mark.parametrize(
    "geojson",
    [
        '{"type": "Point", "coordinates": [104.6, 21.6]}',
        '{"type": "Polygon", "coordinates": [[[104.6, 21.6], [104.7, 21.6], [104.6, 21.6]]]}',
        '{"type": "Polygon", "coordinates": [[[104.6, 21.6], [104.7, 21.6], [104.7, 21.7], '
        "[104.6, 21.7]]]}",  # not closed
        '{"type": "Polygon", "coordinates": [[[104.6, 21.6], [104.7, 21.7], [104.7, 21.6], '
        "[104.6, 21.7], [104.6, 21.6]]]}",  # a bow tie crosses itself
        '{"type": "Polygon", "coordinates": [[[21.6, 104.6], [21.7, 104.6], [21.7, 104.7], '
        "[21.6, 104.6]]]}",  # latitude first: outside Vietnam
        '{"type": "Polygon", "coordinates": [[["a", 21.6], [104.7, 21.6], [104.7, 21.7], '
        '["a", 21.6]]]}',
        "{not json",
    ],
)
def test_invalid_polygons_are_refused(geojson):
    with pytest.raises(ValidationError) as caught:
        clean_boundary(geojson)
    assert "GeoJSON" in caught.value.messages[0]


def test_a_feature_holding_a_polygon_is_kept_as_its_geometry():
    ring = [[104.6, 21.6], [104.7, 21.6], [104.7, 21.7], [104.6, 21.6]]
    geometry = clean_boundary(
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}}
    )
    assert geometry == {"type": "Polygon", "coordinates": [ring]}
