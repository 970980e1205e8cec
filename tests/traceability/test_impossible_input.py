"""Impossible dates, lot codes with "/" and unexpected methods get a clear answer, never a
500, and save nothing."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from growing_areas.models import Certification
from traceability.models import Batch, TraceEvent

from .conftest import GTIN

IMPOSSIBLE_DATE = "Nhập một ngày có thật, trong khoảng từ năm 1900 đến năm 2100."


@pytest.fixture
def farmer(client, producer_user):
    client.force_login(producer_user)
    return client


def batch_data(tea, area, **fields):
    data = {
        "product": tea.pk,
        "growing_area": area.pk,
        "lot": "L260401-1",
        "harvest_date": "2026-04-01",
        "quantity": "12",
        "unit": "kg",
    }
    return {**data, **fields}


@pytest.mark.parametrize(
    "fields",
    [
        {"harvest_date": "0001-01-01"},
        {"packing_date": "0001-01-01"},
        {"best_before": "9999-12-31"},
    ],
)
def test_a_batch_with_an_impossible_date_is_refused(farmer, tea, area, fields):
    response = farmer.post("/ban-hang/lo-hang/moi/", batch_data(tea, area, **fields))
    assert response.status_code in {200, 400}
    assert IMPOSSIBLE_DATE in response.content.decode()
    assert not Batch.objects.exists()


def test_a_step_in_year_one_is_refused(farmer, batch):
    response = farmer.post(
        f"/ban-hang/lo-hang/{batch.pk}/buoc-moi/",
        {"kind": "drying", "occurred_at": "0001-01-01T00:00"},
    )
    assert response.status_code == 400
    assert IMPOSSIBLE_DATE in response.content.decode()
    assert TraceEvent.objects.filter(batch=batch).count() == 1  # the harvest only


def test_a_new_lot_code_with_a_slash_is_refused_in_vietnamese(farmer, tea, area):
    response = farmer.post("/ban-hang/lo-hang/moi/", batch_data(tea, area, lot="L/26-A"))
    assert "Mã lô không được chứa dấu “/”: hãy dùng dấu “-”." in response.content.decode()
    assert not Batch.objects.exists()
    response = farmer.post("/ban-hang/lo-hang/moi/", batch_data(tea, area, lot="L-26-A"))
    assert response.status_code == 302 and Batch.objects.get().lot == "L-26-A"


def test_certificates_and_ocop_decisions_refuse_impossible_dates(area, tea):
    certificate = Certification(
        area=area, scheme="vietgap", number="VG-1", valid_until=date(1, 1, 1)
    )
    with pytest.raises(ValidationError) as error:
        certificate.full_clean()
    assert "valid_until" in error.value.message_dict
    area.issued_on = date(1, 1, 1)
    with pytest.raises(ValidationError) as error:
        area.full_clean()
    assert "issued_on" in error.value.message_dict
    tea.ocop_stars, tea.ocop_decision_number = 4, "123/QĐ-UBND"
    tea.ocop_level, tea.ocop_decision_date = "province", date(9999, 12, 31)
    with pytest.raises(ValidationError) as error:
        tea.full_clean()
    assert "ocop_decision_date" in error.value.message_dict


RESOLVER_PATHS = ["/01", "/01/", f"/01/{GTIN}", f"/01/{GTIN}/10/L1/21/X1"]
RESOLVER_PATHS += ["/.well-known/gs1resolver", "/epcis/events?gtin=1&lot=2"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("debug", [True, False])
def test_resolver_paths_answer_405_with_allow_to_other_methods(db, settings, method, debug):
    settings.DEBUG = debug
    client = Client()
    for path in RESOLVER_PATHS:
        response = getattr(client, method)(path)
        assert response.status_code == 405, path
        assert response["Allow"] == "GET, HEAD, OPTIONS", path


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_form_sent_to_an_address_without_its_slash_is_sent_on_keeping_the_method(
    db, settings, method
):
    settings.DEBUG = True  # where Django would raise an error page
    response = getattr(Client(), method)("/ban-hang/lo-hang?producer=x")
    assert response.status_code == 308
    assert response["Location"] == "/ban-hang/lo-hang/?producer=x"
