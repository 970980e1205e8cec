"""Label sheets: every QR code on every page decodes to its own label URL."""

import io

import pypdfium2 as pdfium
import pytest
import zxingcpp

from traceability import digital_link, gs1, labels

GTIN = "08939999000017"


def decode_pdf(data: bytes, dpi=300):
    """Every QR text per page, read back from the rendered PDF."""
    document = pdfium.PdfDocument(data)
    try:
        pages = []
        for page in document:
            image = page.render(scale=dpi / 72).to_pil()
            pages.append([r.text for r in zxingcpp.read_barcodes(image)])
            page.close()
        return pages
    finally:
        document.close()


def page_text(data: bytes):
    document = pdfium.PdfDocument(data)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def make_labels(count, lot="L260315-1"):
    return [
        labels.LabelContent(
            url=digital_link.label_url(GTIN, lot, gs1.new_serial()),
            product_name="Chè Shan Tuyết Suối Giàng",
            lot=lot,
        )
        for _ in range(count)
    ]


@pytest.mark.parametrize("layout", sorted(labels.LAYOUTS))
def test_every_qr_code_decodes_to_its_own_url(layout):
    items = make_labels(labels.LAYOUTS[layout].per_page + 3)  # a full page and a partial one
    out = io.BytesIO()
    pages_seen = []
    drawn = labels.render_labels(
        iter(items), layout, out, total=len(items), progress=lambda d, t: pages_seen.append((d, t))
    )
    assert drawn == len(items)
    decoded = decode_pdf(out.getvalue())
    assert len(decoded) == 2
    per_page = labels.LAYOUTS[layout].per_page
    assert sorted(decoded[0]) == sorted(i.url for i in items[:per_page])
    assert sorted(decoded[1]) == sorted(i.url for i in items[per_page:])
    assert pages_seen == [(per_page, len(items)), (len(items), len(items))]


def test_labels_carry_the_vietnamese_text_product_and_lot():
    out = io.BytesIO()
    labels.render_labels(iter(make_labels(2, lot="LOT/26-A")), "a4-50x50", out)
    text = page_text(out.getvalue())[0]
    assert text.count("Quét để xem nguồn gốc") == 2
    assert text.count("Chè Shan Tuyết Suối Giàng") == 2
    assert "Lô: LOT/26-A" in text


@pytest.mark.parametrize("layout", sorted(labels.LAYOUTS))
def test_each_label_prints_its_serial_in_text(layout):
    items = make_labels(labels.LAYOUTS[layout].per_page + 2)
    out = io.BytesIO()
    labels.render_labels(iter(items), layout, out)
    pages = page_text(out.getvalue())
    per_page = labels.LAYOUTS[layout].per_page
    for n, item in enumerate(items):
        serial = item.url.rsplit("/", 1)[1]
        # whole, on the page that carries its code, and the lot printed alongside
        assert f"Sê-ri: {serial}" in pages[n // per_page], (layout, serial)
    assert pages[0].count("L260315-1") == per_page


def test_long_lots_print_whole_on_the_narrow_layout():
    out = io.BytesIO()
    lot = "L260315-ABCDEFGHIJK"
    labels.render_labels(iter(make_labels(1, lot=lot)), "a4-40x30", out)
    assert lot in page_text(out.getvalue())[0]


def test_qr_codes_are_vectors_not_images():
    out = io.BytesIO()
    labels.render_labels(iter(make_labels(3)), "a4-30x30", out)
    document = pdfium.PdfDocument(out.getvalue())
    try:
        kinds = {obj.type for obj in document[0].get_objects()}
    finally:
        document.close()
    assert pdfium.raw.FPDF_PAGEOBJ_IMAGE not in kinds
    assert pdfium.raw.FPDF_PAGEOBJ_PATH in kinds


def test_layouts_fit_on_a4_with_margins():
    for layout in labels.LAYOUTS.values():
        assert layout.per_page >= 12
        first_x, first_y = layout.origin(0)
        last_x, last_y = layout.origin(layout.per_page - 1)
        assert first_x >= layout.min_margin and last_y >= layout.min_margin
        assert last_x + layout.label_width <= layout.page_size[0] - layout.min_margin
        assert first_y + layout.label_height <= layout.page_size[1] - layout.min_margin


def test_an_unknown_layout_is_refused():
    with pytest.raises(KeyError):
        labels.render_labels(iter(make_labels(1)), "a4-10x10", io.BytesIO())


# --- voiding a lost label by the serial printed on it ---------------------------------------


def _void(client, batch, typed):
    return client.post(f"/ban-hang/lo-hang/{batch.pk}/huy-tem/", {"serial": typed, "reason": "Mất"})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    [
        lambda s: f"Sê-ri: {s}",  # copied whole from the label
        lambda s: s.lower(),
        lambda s: f" {s[:4]} {s[4:8]}-{s[8:]} ",
        lambda s: s.replace("0", "O").replace("1", "I"),  # Crockford: O is 0, I is 1
        lambda s: s.replace("1", "l"),
    ],
    ids=["printed", "lower-case", "grouped", "O-and-I", "l"],
)
def test_a_label_is_voided_by_its_serial_typed_as_printed(client, producer_user, batch, typed):
    from traceability import printing

    run = printing.issue_labels(batch, 40, "a4-50x50", by=producer_user, build=False)
    # a serial with the digits people misread, so the confusable cases are exercised
    label = next(
        (lab for lab in run.labels.all() if "0" in lab.serial and "1" in lab.serial),
        run.labels.first(),
    )
    client.force_login(producer_user)
    response = _void(client, batch, typed(label.serial))
    assert response.status_code == 302
    label.refresh_from_db()
    assert label.is_voided
    assert run.labels.filter(voided_at__isnull=False).count() == 1


@pytest.mark.django_db
def test_only_a_label_of_this_batch_is_voided(client, producer_user, batch, tea, area):
    from datetime import date
    from decimal import Decimal

    from traceability import printing, services

    other = services.record_batch(
        product=tea,
        growing_area=area,
        lot="L260401-2",
        harvest_date=date(2026, 4, 1),
        quantity=Decimal("10"),
        unit="kg",
        by=producer_user,
    )
    foreign = printing.issue_labels(other, 1, "a4-50x50", build=False).labels.get()
    client.force_login(producer_user)
    response = _void(client, batch, foreign.serial)
    assert response.status_code == 400
    assert "Không có tem nào của lô này" in response.content.decode()
    foreign.refresh_from_db()
    assert not foreign.is_voided


@pytest.mark.django_db
def test_a_serial_of_the_wrong_shape_gets_a_vietnamese_message(client, producer_user, batch):
    client.force_login(producer_user)
    response = _void(client, batch, "ABC12")
    assert response.status_code == 400
    assert "12 chữ cái và chữ số" in response.content.decode()


# --- the address printed in the codes ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "site_url",
    ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000", "http://0.0.0.0"],
)
def test_production_refuses_to_print_labels_for_a_local_address(
    client, settings, producer_user, batch, site_url
):
    from traceability.models import LabelPrintRun

    settings.PRODUCTION = True
    settings.SITE_URL = site_url
    client.force_login(producer_user)
    response = client.post(
        f"/ban-hang/lo-hang/{batch.pk}/in-tem/", {"count": 10, "layout": "a4-30x30"}
    )
    assert response.status_code == 400
    assert "SITE_URL" in response.content.decode()
    assert "không thể quét tới" in response.content.decode()
    assert not LabelPrintRun.objects.exists()


@pytest.mark.django_db
def test_a_public_address_or_development_prints(settings, producer_user, batch):
    from traceability import printing

    settings.PRODUCTION = True
    settings.SITE_URL = "https://chophien.vn"
    assert printing.issue_labels(batch, 1, "a4-30x30", build=False).labels.count() == 1
    settings.PRODUCTION = False
    settings.SITE_URL = "http://127.0.0.1:8000"  # what make run serves
    assert printing.issue_labels(batch, 1, "a4-30x30", build=False).labels.count() == 1


@pytest.mark.parametrize("layout", sorted(labels.LAYOUTS))
def test_the_serial_is_printed_under_its_qr_code(layout):
    (item,) = make_labels(1)
    serial = item.url.rsplit("/", 1)[1]
    out = io.BytesIO()
    labels.render_labels(iter([item]), layout, out)
    document = pdfium.PdfDocument(out.getvalue())
    try:
        page = document[0]
        height = page.get_height()
        textpage = page.get_textpage()
        searcher = textpage.search(serial)
        index, _count = searcher.get_next()
        left, bottom, right, top = textpage.get_charbox(index)
        scale = 300 / 72
        (code,) = zxingcpp.read_barcodes(page.render(scale=scale).to_pil())
        corners = [code.position.top_left, code.position.bottom_left, code.position.bottom_right]
        # PDF points, y upwards, like the text boxes
        code_left = min(p.x for p in corners) / scale
        code_right = max(p.x for p in corners) / scale
        code_bottom = height - max(p.y for p in corners) / scale
        searcher.close()
        textpage.close()
    finally:
        document.close()
    assert top <= code_bottom  # below the code …
    assert code_bottom - top < 10 * 2.8346  # … within a centimetre of it …
    assert code_left - 15 <= left <= code_right  # … and starting across from it
