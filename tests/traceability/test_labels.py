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
