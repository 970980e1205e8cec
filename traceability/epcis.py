"""EPCIS 2.0 JSON-LD documents for a batch's trace events, and their validation.

The schema and context are unchanged copies of GS1's files (``data/epcis-2.0-json-schema.json``,
``data/epcis-2.0-context.jsonld``, from gs1/EPCIS), kept in the repository so the running site
never depends on ``../shared``.

Mapping (CBV 2.0):

- harvest: ObjectEvent ADD, bizStep ``commissioning``, the lot number in ILMD;
- processing steps (withering, rolling, fixing, drying, roasting, milling, fermenting, other):
  ObjectEvent OBSERVE with a bizStep URI of our own vocabulary (CBV has no such steps);
- packing, inspection (with ``certificationInfo``), storage, shipping: ObjectEvent OBSERVE with
  the CBV bizSteps ``packing``, ``inspecting``, ``storing``, ``shipping``;
- a correction is a new event; the event it corrects carries an ``errorDeclaration`` naming it.

Objects are identified at lot level by their GS1 Digital Link URI (``…/01/<gtin>/10/<lot>``).
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from .digital_link import build_path
from .gs1 import DATA_DIR

SCHEMA_PATH = DATA_DIR / "epcis-2.0-json-schema.json"
CONTEXT_PATH = DATA_DIR / "epcis-2.0-context.jsonld"
EPCIS_CONTEXT_URL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# Our own vocabulary for what CBV does not name (tea withering, rolling, …). A fixed namespace,
# not SITE_URL, so identifiers stay the same on every deployment.
VOCABULARY = "https://chophien.vn/voc/"
EVENT_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, VOCABULARY + "event")

PROCESSING_KINDS = ("withering", "rolling", "fixing", "drying", "roasting", "milling", "fermenting")
# kind -> (action, bizStep, disposition); a bizStep None means our vocabulary's URI.
EVENT_MAPPING = {
    "harvest": ("ADD", "commissioning", "active"),
    **{kind: ("OBSERVE", None, "in_progress") for kind in PROCESSING_KINDS},
    "processing": ("OBSERVE", None, "in_progress"),
    "packing": ("OBSERVE", "packing", "in_progress"),
    "inspection": ("OBSERVE", "inspecting", "conformant"),
    "storage": ("OBSERVE", "storing", "sellable_not_accessible"),
    "shipping": ("OBSERVE", "shipping", "in_transit"),
}
# Our quantity units -> UN/ECE Recommendation 20 codes, as EPCIS wants.
UNIT_CODES = {"kg": "KGM", "g": "GRM", "tonne": "TNE", "litre": "LTR", "piece": "H87", "box": "XBX"}


@dataclass
class TraceStep:
    """One trace event, as EPCIS needs it; built from the models by the caller."""

    key: str  # stable and unique, e.g. "trace-event-42"
    kind: str  # a key of EVENT_MAPPING
    time: datetime  # timezone-aware
    gtin: str
    lot: str
    quantity: Decimal | None = None
    unit: str | None = None
    place_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    note: str = ""
    certificate_urls: list[str] = field(default_factory=list)
    harvest_date: date | None = None
    best_before: date | None = None
    recorded_at: datetime | None = None
    corrects: str | None = None  # key of the step this one corrects


def event_id(key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(EVENT_ID_NAMESPACE, key)}"


def bizstep_uri(kind: str) -> str:
    return f"{VOCABULARY}bizstep/{kind}"


def lot_uri(gtin: str, lot: str) -> str:
    return settings.SITE_URL + build_path(gtin, lot=lot)


def _time_and_offset(moment: datetime) -> tuple[str, str]:
    local = timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE))
    offset = local.strftime("%z")
    return local.isoformat(timespec="seconds"), f"{offset[:3]}:{offset[3:]}"


def event_for(step: TraceStep, corrected_by: list[TraceStep] | None = None) -> dict:
    """The EPCIS event for one step; ``corrected_by`` are the steps that correct it."""
    action, bizstep, disposition = EVENT_MAPPING[step.kind]
    event_time, offset = _time_and_offset(step.time)
    epc_class = lot_uri(step.gtin, step.lot)
    quantity = {"epcClass": epc_class}
    if step.quantity is not None:
        quantity["quantity"] = float(step.quantity)
        quantity["uom"] = UNIT_CODES.get(step.unit or "", "KGM")
    event = {
        "type": "ObjectEvent",
        "eventID": event_id(step.key),
        "eventTime": event_time,
        "eventTimeZoneOffset": offset,
        "epcList": [],
        "quantityList": [quantity],
        "action": action,
        "bizStep": bizstep or bizstep_uri(step.kind),
        "disposition": disposition,
    }
    if step.recorded_at:
        event["recordTime"] = _time_and_offset(step.recorded_at)[0]
    if step.latitude is not None and step.longitude is not None:
        event["readPoint"] = {"id": f"geo:{step.latitude:.6f},{step.longitude:.6f}"}
    if step.kind == "harvest":
        ilmd = {"cbvmda:lotNumber": step.lot}
        if step.harvest_date:
            ilmd["cbvmda:harvestStartDate"] = step.harvest_date.isoformat()
        if step.best_before:
            ilmd["cbvmda:bestBeforeDate"] = step.best_before.isoformat()
        event["ilmd"] = ilmd
    if step.certificate_urls:
        event["certificationInfo"] = list(step.certificate_urls)
    if step.place_name:
        event["cp:placeName"] = step.place_name
    if step.note:
        event["cp:note"] = step.note
    if corrected_by:
        declared = min(s.recorded_at or s.time for s in corrected_by)
        event["errorDeclaration"] = {
            "declarationTime": _time_and_offset(declared)[0],
            "reason": "incorrect_data",
            "correctiveEventIDs": [event_id(s.key) for s in corrected_by],
        }
    return event


def document(steps: list[TraceStep], created: datetime | None = None) -> dict:
    """An EPCISDocument with one event per step, in the order given."""
    corrections: dict[str, list[TraceStep]] = {}
    for step in steps:
        if step.corrects:
            corrections.setdefault(step.corrects, []).append(step)
    return {
        "@context": [EPCIS_CONTEXT_URL, {"cp": VOCABULARY}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _time_and_offset(created or timezone.now())[0],
        "epcisBody": {"eventList": [event_for(s, corrections.get(s.key)) for s in steps]},
    }


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def validator():
    """The schema's Draft 7 validator, built on first use: jsonschema and its format checkers
    (lark grammars, arrow, …) take some 30 MB a process that never validates should not hold."""
    from jsonschema import Draft7Validator

    # Format checking on: without it an unknown bizStep word or a bad date passes silently.
    return Draft7Validator(schema(), format_checker=Draft7Validator.FORMAT_CHECKER)


def validation_errors(doc: dict) -> list[str]:
    """Every way ``doc`` breaks the EPCIS 2.0 schema (empty when valid)."""
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(document)'}: {error.message}"
        for error in validator().iter_errors(doc)
    ]
