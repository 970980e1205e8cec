from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from vietnam_provinces import Ward

from growing_areas.models import GrowingArea
from marketplace.models import Producer
from places import divisions
from places.recoding import THEIR_CODE_TO_OFFICIAL, recode_app

from .test_sources import compare


def test_each_stored_code_maps_to_the_official_code_of_the_same_commune():
    expected = {
        row["their_code"]: row["code"] for row in compare() if row["resolution"] == "official code"
    }
    assert expected == THEIR_CODE_TO_OFFICIAL
    for theirs, ours in THEIR_CODE_TO_OFFICIAL.items():
        their_commune = Ward.from_code(int(theirs))
        assert divisions.name_key(their_commune.name) == divisions.name_key(
            divisions.commune(ours).name
        )


@pytest.mark.django_db
def test_the_migrations_give_stored_rows_the_official_codes():
    area = GrowingArea.objects.create(
        code="LC-TT-001",
        name="Vùng sơn tra Trạm Tấu",
        crop="Sơn tra",
        area_ha=Decimal("60"),
        province_code="15",
        commune_code="04591",  # Xã Trạm Tấu in vietnam-provinces
        holder_name="HTX Sơn tra Trạm Tấu",
        issued_by="Chi cục Trồng trọt và BVTV",
        issued_on=date(2024, 7, 1),
    )
    # three Cao Bằng communes that trade codes between the packages
    stored = {"01537": "Xã Vinh Quý", "01558": "Xã Lý Quốc", "01561": "Xã Hạ Lang"}
    producers = {
        code: Producer.objects.create(
            name=f"HTX {name}", slug=f"htx-{code}", province_code="04", commune_code=code
        )
        for code, name in stored.items()
    }
    untouched = Producer.objects.create(
        name="HTX Chè Văn Chấn", slug="htx-van-chan", province_code="15", commune_code="04672"
    )

    recode_app("growing_areas", "GrowingArea")(apps, None)
    recode_app("marketplace", "Producer", "HelperCommune")(apps, None)

    area.refresh_from_db()
    assert area.commune.name == "Xã Trạm Tấu"
    for code, name in stored.items():
        producers[code].refresh_from_db()
        assert producers[code].commune.name == name
    untouched.refresh_from_db()
    assert untouched.commune_code == "04672"
