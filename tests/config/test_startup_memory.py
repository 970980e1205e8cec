"""What a process loads when Django starts, and when it builds the commune tables.

Every worker, web process and management command pays for what ``django.setup()`` imports, and
a worker importing growing areas also builds the commune tables: libraries only one feature
uses (drawing label sheets, checking a PDF, validating an EPCIS document, calling Stripe,
parsing a free-text address, talking to a bucket) are imported by the code that uses them, so
they stay out of the rest. A module-level import of one of them in a models, apps, hooks or
forms module brings them back into every process (some 60 MB,
``tests/bench/import_memory.py`` measures it) and fails here, without any timing.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# top-level module -> who needs it (and imports it when it does)
LOADED_ON_USE = {
    "jsonschema": "traceability.epcis.validator(): validating an EPCIS document",
    "lark": "jsonschema's format checkers (rfc3987 IRIs)",
    "reportlab": "traceability.labels.render_labels(): drawing a label sheet",
    "qrcode": "traceability.labels.qr_matrix(): drawing a QR code",
    "pypdf": "marketplace.photos._checked_pdf(): checking an uploaded PDF",
    "vietnamadminunits": "places.conversion: converting an old address",
    "geopy": "vietnamadminunits' address parser",
    "aiohttp": "vietnamadminunits' address parser (through geopy)",
    "boto3": "config.s3_storage: a site whose files are in a bucket (AWS_STORAGE_BUCKET_NAME)",
    "botocore": "boto3",
}

PROBE = """
import json, sys
import django
django.setup()
loaded_by_setup = sorted(set(sys.argv[1:]) & {name.split(".")[0] for name in sys.modules})
from places import divisions
divisions.commune("04672"), divisions.find_communes("Văn Chấn", "15"), divisions.provinces()
loaded_by_tables = sorted(set(sys.argv[1:]) & {name.split(".")[0] for name in sys.modules})
print(json.dumps([loaded_by_setup, loaded_by_tables, divisions.commune("04672").name]))
"""


def loaded():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings", "PYTHONPATH": str(ROOT)}
    finished = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", PROBE, *LOADED_ON_USE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def test_django_setup_and_the_commune_tables_leave_single_feature_libraries_unloaded():
    by_setup, by_tables, name = loaded()
    assert by_setup == [], {module: LOADED_ON_USE[module] for module in by_setup}
    assert by_tables == [], {module: LOADED_ON_USE[module] for module in by_tables}
    assert name == "Xã Văn Chấn"  # the tables were built, from the package's own list


def test_the_lazily_imported_libraries_still_work_where_they_are_used():
    from traceability import epcis, labels

    assert len(labels.qr_matrix("https://chophien.vn/01/08938500000005/21/A1")) > 20
    assert epcis.validation_errors({}) != []  # jsonschema loaded on use, errors found
    # the layouts' units are reportlab's own floats, so sheets are laid out as before
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    assert (labels.mm, labels.LAYOUTS["a4-30x30"].page_size) == (mm, A4)
    assert labels.LAYOUTS["a4-30x30"].label_width == 30 * mm
