"""A farmer on a cheap phone cancels a lost label by typing the serial printed under its QR
code, the way people type: lower case, in groups, an O for a 0. Buyers scanning it are
warned from then on."""

import io
import re
from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from tests.e2e.conftest import shot
from traceability.digital_link import label_url
from traceability.models import Label, LabelPrintRun


def printed_serials(pdf_bytes):
    """The serials as printed in text on the first sheet of a print run."""
    document = pdfium.PdfDocument(pdf_bytes)
    try:
        text = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    return re.findall(r"Sê-ri: ([0-9A-Z]{12})", text)


def as_a_person_types_it(serial):
    """Lower case, in groups of four, with O typed for 0 and l for 1."""
    grouped = " ".join(serial[i : i + 4] for i in range(0, len(serial), 4))
    return grouped.replace("0", "O").replace("1", "l").lower()


@pytest.mark.django_db(transaction=True)
def test_a_farmer_voids_a_label_by_typing_its_printed_serial(live_server, phone):
    call_command("seed_demo", stdout=io.StringIO())
    run = LabelPrintRun.objects.select_related("batch").get()
    with run.pdf.open("rb") as pdf:
        serials = printed_serials(pdf.read())
    assert len(serials) == run.count  # every label of the sheet shows its serial
    # the label whose serial has the most characters people mistype, for the test's sake
    serial = max(serials, key=lambda s: s.count("0") + s.count("1"))
    label = Label.objects.get(serial=serial)
    assert label.batch_id == run.batch_id and not label.is_voided

    page = phone.new_page()
    page.goto(f"{live_server.url}/tai-khoan/dang-nhap/")
    page.get_by_label("Số điện thoại").fill("0912 000 003")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server.url}/ban-hang/lo-hang/{run.batch_id}/")
    form = page.locator("form[action$='/huy-tem/']")
    form.get_by_label("Số sê-ri của tem").fill(as_a_person_types_it(serial))
    form.get_by_label("Lý do").fill("Rơi mất khi đóng gói")
    shot(page, "40-void-label-typed")
    with page.expect_navigation():
        form.get_by_role("button", name="Hủy tem").click()
    shot(page, "41-void-label-done")
    expect(page.get_by_text(f"Đã hủy tem {serial}.")).to_be_visible()
    label.refresh_from_db()
    assert label.is_voided and label.void_reason == "Rơi mất khi đóng gói"
    assert Label.objects.filter(voided_at__isnull=False).count() == 1  # that one label only

    batch = run.batch
    buyer = phone.browser.new_context(viewport={"width": 360, "height": 640}, locale="vi-VN")
    scan = buyer.new_page()
    scan.goto(live_server.url + urlsplit(label_url(batch.gtin, batch.lot, serial)).path)
    shot(scan, "42-voided-label-scanned")
    expect(scan.get_by_role("alert").first).to_be_visible()
    expect(scan.get_by_role("alert").first).to_contain_text("hủy")
    buyer.close()
