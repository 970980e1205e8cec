"""Label sheets as PDF: one sticker per serial with a vector QR code of the label URL, the
product name, the lot, the serial in human-readable text under the code (as GS1 labels print
it, so a lost label can be voided by typing it) and "Quét để xem nguồn gốc".

QR codes are built with ``qrcode`` as a module matrix and drawn as filled rectangles, so they
print sharp at any printer resolution. Labels are read from an iterator and each finished page
is compressed at once, so a 10,000-label run keeps neither the labels nor the uncompressed page
drawings in memory.

Fonts: DejaVu Sans Condensed (``data/fonts``, Bitstream Vera licence in
``data/fonts/LICENSE-DejaVu.txt``), because reportlab's bundled fonts lack Vietnamese letters.
"""

import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .digital_link import parse
from .gs1 import DATA_DIR
from .layouts import LAYOUT_CHOICES, LAYOUTS, SheetLayout, mm  # noqa: F401 - re-exported

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

# reportlab and qrcode (some 20 MB) are imported by the functions that draw, not here: the
# admin's hooks import this module in every process, and only the one drawing a sheet needs them.

FONT = "ChoPhienSans"
FONT_BOLD = "ChoPhienSans-Bold"
SCAN_PROMPT = "Quét để xem nguồn gốc"  # printed in Vietnamese whatever the UI language
QUIET_ZONE = 2  # modules of white around each code; the label margin adds the rest
SERIAL_PREFIX = "Sê-ri: "  # printed in Vietnamese too; the void form reads what follows


@dataclass(frozen=True)
class LabelContent:
    url: str
    product_name: str
    lot: str

    @property
    def serial(self) -> str:
        """The serial (AI 21) the QR code carries, read back from its URL, so the text printed
        under the code is always what the code says."""
        return parse(urlsplit(self.url).path).serial or ""


@cache
def register_fonts():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    fonts = DATA_DIR / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(fonts / "DejaVuSansCondensed.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(fonts / "DejaVuSansCondensed-Bold.ttf")))


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR module matrix for ``url`` (no quiet zone), error correction level M."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def _qr_path(matrix) -> str:
    """PDF path operators drawing the dark modules, one rectangle per horizontal run, in
    module units with the origin at the bottom-left (the caller scales)."""
    size = len(matrix)
    ops = []
    for r, row in enumerate(matrix):
        y = size - 1 - r
        c = 0
        while c < size:
            if row[c]:
                start = c
                while c < size and row[c]:
                    c += 1
                ops.append(f"{start} {y} {c - start} 1 re")
            else:
                c += 1
    ops.append("f")
    return "\n".join(ops)


def draw_qr(canvas: "Canvas", matrix, x: float, y: float, side: float):
    """Draw ``matrix`` as vectors in a ``side``-point square at (x, y), quiet zone included."""
    modules = len(matrix) + 2 * QUIET_ZONE
    unit = side / modules
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.translate(x + QUIET_ZONE * unit, y + QUIET_ZONE * unit)
    canvas.scale(unit, unit)
    # Raw path operators: one "re" per run keeps big runs small in the file.
    canvas._code.append(_qr_path(matrix))
    canvas.restoreState()


def fit_lines(text, font, size, width, max_lines):
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase import pdfmetrics

    lines = simpleSplit(text, font, size, width) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and pdfmetrics.stringWidth(last + "…", font, size) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def draw_fitted(canvas, text, font, size, centre_x, y, width):
    """Draw ``text`` whole, centred on ``centre_x``: the type shrinks rather than cut it."""
    from reportlab.pdfbase import pdfmetrics

    while size > 3.5 and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.25
    canvas.setFont(font, size)
    canvas.drawCentredString(centre_x, y, text)


def draw_label(canvas: "Canvas", layout: SheetLayout, label: LabelContent, x: float, y: float):
    from reportlab.pdfbase import pdfmetrics

    width, height = layout.label_width, layout.label_height
    pad = 1.5 * mm
    small = height < 40 * mm
    name_size, text_size = (5.5, 4.8) if small else (7.5, 6.5)
    lead = 1.15
    serial_line = SERIAL_PREFIX + label.serial
    if width >= height * 1.25:
        # Wide sticker: code on the left with the serial under it, text in a column to its right.
        side = min(height - 2 * pad - text_size * lead, width * 0.55)
        qr_y = y + pad + text_size * lead
        draw_qr(canvas, qr_matrix(label.url), x + pad / 2, qr_y, side)
        draw_fitted(
            canvas, serial_line, FONT_BOLD, text_size, x + pad / 2 + side / 2, y + pad, side
        )
        text_x = x + pad + side
        text_w = x + width - pad - text_x
        top = y + height - pad - name_size
        name_lines = fit_lines(label.product_name, FONT_BOLD, name_size, text_w, 3)
        other = ["Lô:", label.lot, *fit_lines(SCAN_PROMPT, FONT, text_size, text_w, 3)]
    else:
        text_block = (name_size + 3 * text_size) * lead + pad
        side = min(width - 2 * pad, height - 2 * pad - text_block)
        draw_qr(canvas, qr_matrix(label.url), x + (width - side) / 2, y + height - pad - side, side)
        text_x = x + pad
        text_w = width - 2 * pad
        # the serial first, right under the code, as GS1 prints human-readable text
        serial_y = y + height - pad - side - text_size
        draw_fitted(canvas, serial_line, FONT_BOLD, text_size, x + width / 2, serial_y, text_w)
        top = serial_y - name_size * lead
        name_lines = fit_lines(label.product_name, FONT_BOLD, name_size, text_w, 1)
        other = [f"Lô: {label.lot}", SCAN_PROMPT]
    cursor = top
    canvas.setFont(FONT_BOLD, name_size)
    for line in name_lines:
        canvas.drawString(text_x, cursor, line)
        cursor -= name_size * lead
    for line in other:
        # The lot must print whole: shrink the type rather than cut it.
        size = text_size
        while size > 3.5 and pdfmetrics.stringWidth(line, FONT, size) > text_w:
            size -= 0.25
        canvas.setFont(FONT, size)
        canvas.drawString(text_x, cursor, line)
        cursor -= text_size * lead


def compress_last_page(canvas: "Canvas"):
    """Deflate the page just finished now rather than when the whole file is saved."""
    from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFStream

    page = canvas._doc.Pages.pages[-1]
    if page.stream:
        data = page.stream.encode("latin-1") if isinstance(page.stream, str) else page.stream
        page.Contents = PDFStream(
            dictionary=PDFDictionary({"Filter": PDFName("FlateDecode")}),
            content=zlib.compress(data, 6),
        )
        page.stream = None


def render_labels(
    labels: Iterable[LabelContent],
    layout_key: str,
    output,
    total: int | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    title: str = "",
) -> int:
    """Write a PDF of ``labels`` on ``layout_key`` sheets to the binary file ``output``.

    ``progress(done, total)`` is called after each page. Returns the number of labels drawn.
    """
    from reportlab.pdfgen.canvas import Canvas

    layout = LAYOUTS[layout_key]
    register_fonts()
    canvas = Canvas(output, pagesize=layout.page_size, pageCompression=1, invariant=1)
    canvas.setTitle(title or "Tem truy xuất nguồn gốc")
    canvas.setCreator("Chợ Phiên")
    done = 0
    on_page = 0
    for label in labels:
        draw_label(canvas, layout, label, *layout.origin(on_page))
        done += 1
        on_page += 1
        if on_page == layout.per_page:
            canvas.showPage()
            compress_last_page(canvas)
            on_page = 0
            if progress:
                progress(done, total)
    if on_page or not done:
        canvas.showPage()
        compress_last_page(canvas)
        if progress:
            progress(done, total)
    canvas.save()
    return done
