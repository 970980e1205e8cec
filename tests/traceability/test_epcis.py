"""EPCIS 2.0 export: documents validate against GS1's schema with format checking on."""

import json
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from traceability import epcis

GTIN = "08939999000017"
LOT = "L260315-1"
# ../shared/standards next to the project, or wherever SHARED_STANDARDS_DIR says
SHARED = Path(
    os.environ.get("SHARED_STANDARDS_DIR")
    or Path(__file__).resolve().parents[3] / "shared" / "standards"
)


def steps():
    at = lambda day, hour: datetime(2026, 3, day, hour, tzinfo=UTC)  # noqa: E731
    return [
        epcis.TraceStep(
            "e1",
            "harvest",
            at(15, 1),
            GTIN,
            LOT,
            Decimal("120.5"),
            "kg",
            "Suối Giàng",
            21.6,
            104.6,
            "Hái một tôm hai lá",
            harvest_date=date(2026, 3, 15),
            best_before=date(2027, 3, 15),
        ),
        *[
            epcis.TraceStep(f"e{n}", kind, at(15, 2 + n), GTIN, LOT)
            for n, kind in enumerate(["withering", "rolling", "fixing", "drying"], start=2)
        ],
        epcis.TraceStep("e6", "packing", at(17, 3), GTIN, LOT, Decimal(200), "piece"),
        epcis.TraceStep(
            "e7",
            "inspection",
            at(18, 3),
            GTIN,
            LOT,
            certificate_urls=["https://chophien.vn/media/chung-nhan/kiem-nghiem.pdf"],
        ),
        epcis.TraceStep("e8", "storage", at(19, 3), GTIN, LOT),
        epcis.TraceStep("e9", "shipping", at(20, 3), GTIN, LOT),
        epcis.TraceStep(
            "e10",
            "drying",
            at(15, 7),
            GTIN,
            LOT,
            corrects="e5",
            recorded_at=at(16, 1),
            note="Sửa giờ sấy",
        ),
    ]


def test_a_full_batch_history_validates_with_format_checking():
    document = epcis.document(steps())
    assert epcis.validation_errors(document) == []
    # and once more through plain JSON, as the endpoint serves it
    assert epcis.validation_errors(json.loads(json.dumps(document))) == []


def test_harvest_is_a_commissioning_add_with_the_lot_in_ilmd():
    harvest = epcis.document(steps())["epcisBody"]["eventList"][0]
    assert harvest["type"] == "ObjectEvent"
    assert (harvest["action"], harvest["bizStep"]) == ("ADD", "commissioning")
    assert harvest["ilmd"]["cbvmda:lotNumber"] == LOT
    assert harvest["quantityList"][0] == {
        "epcClass": f"http://127.0.0.1:8000/01/{GTIN}/10/{LOT}",
        "quantity": 120.5,
        "uom": "KGM",
    }
    assert harvest["eventTimeZoneOffset"] == "+07:00"
    assert harvest["eventTime"] == "2026-03-15T08:00:00+07:00"


def test_tea_processing_steps_use_our_bizstep_uris_and_inspection_its_certificate():
    events = epcis.document(steps())["epcisBody"]["eventList"]
    assert [e["bizStep"] for e in events[1:5]] == [
        "https://chophien.vn/voc/bizstep/withering",
        "https://chophien.vn/voc/bizstep/rolling",
        "https://chophien.vn/voc/bizstep/fixing",
        "https://chophien.vn/voc/bizstep/drying",
    ]
    assert events[6]["bizStep"] == "inspecting"
    assert events[6]["certificationInfo"] == [
        "https://chophien.vn/media/chung-nhan/kiem-nghiem.pdf"
    ]
    assert [e["bizStep"] for e in events[7:9]] == ["storing", "shipping"]


def test_a_correction_declares_the_corrected_event_erroneous():
    events = epcis.document(steps())["epcisBody"]["eventList"]
    corrected, correction = events[4], events[9]
    assert corrected["errorDeclaration"]["correctiveEventIDs"] == [correction["eventID"]]
    assert corrected["errorDeclaration"]["reason"] == "incorrect_data"
    assert "errorDeclaration" not in correction


def test_event_ids_are_stable_and_unique():
    first = [e["eventID"] for e in epcis.document(steps())["epcisBody"]["eventList"]]
    again = [e["eventID"] for e in epcis.document(steps())["epcisBody"]["eventList"]]
    assert first == again and len(set(first)) == len(first)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bizStep", "harvesting"),  # not a CBV word and not a URI
        ("disposition", "fresh"),
        ("eventTimeZoneOffset", "+7:00"),
        ("eventTime", "15/03/2026 08:00"),
        ("action", "CREATE"),
    ],
)
def test_invalid_values_fail_validation(field, value):
    document = epcis.document(steps())
    document["epcisBody"]["eventList"][1][field] = value
    errors = epcis.validation_errors(document)
    assert errors and "eventList/1" in errors[0]


def test_format_checking_is_what_catches_a_bad_bizstep():
    document = epcis.document(steps())
    document["epcisBody"]["eventList"][1]["bizStep"] = "harvesting"
    lax = Draft7Validator(epcis.schema())  # format checking off
    assert not list(lax.iter_errors(document))
    assert epcis.validation_errors(document)


def test_bundled_schema_and_context_are_the_shared_standards_unchanged():
    schema = epcis.SCHEMA_PATH.read_bytes()
    context = epcis.CONTEXT_PATH.read_bytes()
    assert json.loads(schema)["$schema"].startswith("http://json-schema.org/draft-07")
    assert "@context" in json.loads(context)
    for name in ("epcis-2.0-json-schema.json", "epcis-2.0-context.jsonld"):
        assert (SHARED / name).exists(), (
            f"{SHARED / name} is missing: this test compares the bundled copy with the shared "
            "EPCIS standards: put them in ../shared/standards or set SHARED_STANDARDS_DIR"
        )
    assert schema == (SHARED / "epcis-2.0-json-schema.json").read_bytes()
    assert context == (SHARED / "epcis-2.0-context.jsonld").read_bytes()
