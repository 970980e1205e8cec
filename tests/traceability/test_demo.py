"""seed_demo gives a newcomer a provenance page to open at once."""

import re
from io import StringIO
from urllib.parse import urlsplit

from django.core.management import call_command

from traceability import epcis
from traceability.models import Batch


def test_seed_demo_prints_a_label_url_that_opens_a_provenance_page(db, client, home_page):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())  # twice changes nothing
    batch = Batch.objects.get()
    kinds = list(batch.events.values_list("kind", flat=True))
    assert kinds[0] == "harvest" and {"withering", "rolling", "inspection", "packing"} <= set(kinds)
    url = re.search(r"Demo label.*?(http\S+)", out.getvalue()).group(1)
    page = client.get(urlsplit(url).path, HTTP_ACCEPT_LANGUAGE="vi")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Chè Shan Tuyết cổ thụ Suối Giàng" in text and "KN-2026-0315" in text
    exported = client.get(f"/epcis/events?gtin={batch.gtin}&lot={batch.lot}")
    assert epcis.validation_errors(exported.json()) == []
