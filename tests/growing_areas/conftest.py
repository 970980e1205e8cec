"""Helpers for the growing-area tests: areas made directly, and import files built in memory."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from growing_areas.importing import COLUMNS
from growing_areas.models import GrowingArea

HEADER = list(COLUMNS)  # the documented import columns, in their documented order


def good_row(**overrides):
    row = {
        "code": "LC-VC-001",
        "name": "Vùng chè Shan Tuyết Suối Giàng",
        "crop": "Chè",
        "variety": "Shan Tuyết",
        "area_ha": "12,5",
        "province": "Lào Cai",
        "commune": "Xã Văn Chấn",
        "village": "Thôn Pang Cáng",
        "holder_name": "HTX Chè Suối Giàng",
        "holder_phone": "0912 345 678",
        "households": "40",
        "issued_by": "Chi cục Trồng trọt và BVTV",
        "issued_on": "01/07/2024",
        "valid_until": "2029-06-30",
        "latitude": "21,6352",
        "longitude": "104.6591",
        "boundary_geojson": "",
        "status": "",
    }
    row.update(overrides)
    return row


def csv_bytes(rows, header=HEADER, delimiter=","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows, header=HEADER):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(column) for column in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def make_area(db):
    counter = iter(range(1, 100_000))

    def make(**fields):
        number = next(counter)
        fields.setdefault("code", f"T-{number:04d}")
        fields.setdefault("name", f"Vùng thử {number}")
        fields.setdefault("crop", "Chè")
        fields.setdefault("area_ha", Decimal("10"))
        fields.setdefault("province_code", "15")
        fields.setdefault("commune_code", "04672")
        fields.setdefault("holder_name", "HTX Chè Suối Giàng")
        fields.setdefault("issued_by", "Chi cục Trồng trọt và BVTV")
        fields.setdefault("issued_on", date(2024, 7, 1))
        return GrowingArea.objects.create(**fields)

    return make


@pytest.fixture
def admin_form_data():
    """admin_form_data(**overrides) -> the POST data of the admin's area edit form: a valid
    active area of Xã Văn Chấn with no certification, ``overrides`` replacing fields."""

    def build(**overrides):
        data = {
            "code": "LC-VC-001",
            "name": "Vùng chè",
            "crop": "Chè",
            "variety": "",
            "area_ha": "3,5",
            "province_code": "15",
            "commune_code": "04672",
            "village": "",
            "latitude": "",
            "longitude": "",
            "boundary": "",
            "holder_name": "HTX Chè",
            "holder_type": "cooperative",
            "holder_phone": "",
            "households": "",
            "issued_by": "Chi cục",
            "issued_on": "2024-07-01",
            "valid_until": "",
            "export_markets": "",
            "certifications-TOTAL_FORMS": "0",
            "certifications-INITIAL_FORMS": "0",
            "certifications-MIN_NUM_FORMS": "0",
            "certifications-MAX_NUM_FORMS": "1000",
        }
        data.update(overrides)
        return data

    return build
