"""A buyer scans the QR label on a tea package with a cheap phone: the provenance page opens
in Vietnamese, and a made-up serial is called out as not genuine."""

import io
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from traceability.digital_link import label_url
from traceability.models import Label, Scan


@pytest.mark.django_db(transaction=True)
def test_scanning_a_label_on_a_phone(live_server, phone):
    call_command("seed_demo", stdout=io.StringIO())
    label = Label.objects.select_related("batch__product").first()
    batch = label.batch
    path = urlsplit(label_url(batch.gtin, batch.lot, label.serial)).path

    page = phone.new_page()
    page.goto(f"{live_server.url}{path}")
    shot(page, "20-provenance")
    expect(page.get_by_role("heading", name=batch.product.name).first).to_be_visible()
    expect(page.get_by_text("Tem này do chính nhà sản xuất phát hành.")).to_be_visible()
    expect(page.get_by_role("heading", name="Hành trình của lô hàng")).to_be_visible()
    expect(page.get_by_text(batch.lot).first).to_be_visible()
    assert Scan.objects.filter(label=label).count() == 1

    fake = path.replace(label.serial, "ZZZZZZZZZZZZ")
    page.goto(f"{live_server.url}{fake}")
    shot(page, "21-not-genuine")
    warning = page.get_by_role("alert")
    expect(warning.first).to_contain_text("chưa từng được nhà sản xuất phát hành")
    # the lot's story is still shown under the warning
    expect(page.get_by_text(batch.lot).first).to_be_visible()
