"""The post office's paper: the A4 pickup list (bảng kê) with a signature box per stop, and the
parcel slips (A6, or four to an A4 sheet), each with the parcel's SSCC and a QR code of its GS1
Digital Link ``<SITE_URL>/00/<sscc>``; and the list as CSV.

The paper is printed in Vietnamese whatever the staff's UI language, as labels are (it goes
to farmers and carriers). Fonts, QR drawing and page compression are the label sheets' own
(``traceability.labels``).
"""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from django.conf import settings
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from accounts.phone import display_phone
from marketplace.models import SellerOrder
from marketplace.prices import format_vnd
from traceability.labels import (
    FONT,
    FONT_BOLD,
    compress_last_page,
    draw_fitted,
    draw_qr,
    fit_lines,
    qr_matrix,
    register_fonts,
)


def parcel_url(sscc):
    """The GS1 Digital Link of a parcel: what its slip's QR code opens."""
    return f"{settings.SITE_URL}/00/{sscc}"


def sscc_text(sscc):
    """The SSCC as GS1 prints it under a code: ``(00)`` and the 18 digits."""
    return f"(00) {sscc}"


def weight_text(grams):
    return f"{grams / 1000:.2f}".replace(".", ",") + " kg"


@dataclass(frozen=True)
class Stop:
    """What the paper says about one job (a stop on the route)."""

    position: int
    job_id: int
    sscc: str
    order_number: str
    commune: str
    village: str
    farmer: str
    farmer_phone: str
    farmer_address: str
    receiver: str
    receiver_phone: str
    receiver_address: str
    parcels: int
    weight_grams: int
    packed: bool
    cod_amount: int

    @property
    def url(self):
        return parcel_url(self.sscc)


def stop_for(job, position=0):
    """A job as a stop; the job comes with its seller order, order and producer."""
    seller_order, order = job.seller_order, job.seller_order.order
    producer = seller_order.producer
    commune = producer.commune
    return Stop(
        position=position,
        job_id=job.pk,
        sscc=job.sscc,
        order_number=order.number,
        commune=commune.name if commune else producer.commune_code,
        village=producer.village,
        farmer=producer.name,
        farmer_phone=display_phone(producer.phone) if producer.phone else "",
        farmer_address=producer.address_text,
        receiver=order.buyer_name,
        receiver_phone=display_phone(order.buyer_phone) if order.buyer_phone else "",
        receiver_address=order.address_text,
        parcels=job.parcel_count or 1,
        weight_grams=job.actual_weight_grams or job.expected_weight_grams,
        packed=seller_order.status == SellerOrder.Status.PACKED,
        cod_amount=job.cod_amount,
    )


# --- CSV ------------------------------------------------------------------------------------

CSV_HEADER = [
    "STT",
    "Xã",
    "Thôn/bản",
    "Người gửi",
    "Điện thoại",
    "Địa chỉ",
    "Mã đơn",
    "SSCC",
    "Số kiện",
    "Khối lượng dự kiến (g)",
    "Đã đóng gói",
    "Thu hộ (VND)",
]


def csv_row(stop):
    return [
        stop.position,
        stop.commune,
        stop.village,
        stop.farmer,
        stop.farmer_phone,
        stop.farmer_address,
        stop.order_number,
        stop.sscc,
        stop.parcels,
        stop.weight_grams,
        "có" if stop.packed else "chưa",
        stop.cod_amount,
    ]


def list_csv(stops: Iterable[Stop]) -> bytes:
    """The list as CSV in UTF-8 with a byte-order mark, so Excel reads the Vietnamese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for stop in stops:
        writer.writerow(csv_row(stop))
    return ("\ufeff" + out.getvalue()).encode()


# --- the A4 pickup list ---------------------------------------------------------------------

MARGIN = 12 * mm
ROW_HEIGHT = 26 * mm
QR_SIDE = 22 * mm
SIGN_WIDTH = 38 * mm


@dataclass(frozen=True)
class ListHeading:
    office: str
    office_code: str
    office_phone: str
    day: date


def _heading(canvas, heading, page):
    width, height = A4
    top = height - MARGIN
    canvas.setFont(FONT_BOLD, 13)
    canvas.drawString(MARGIN, top - 12, "BẢNG KÊ LẤY HÀNG TẠI NHÀ NÔNG DÂN")
    canvas.setFont(FONT, 9)
    canvas.drawRightString(width - MARGIN, top - 12, f"Trang {page}")
    line = f"{heading.office} ({heading.office_code})"
    if heading.office_phone:
        line += f" · {display_phone(heading.office_phone)}"
    canvas.setFont(FONT_BOLD, 10)
    canvas.drawString(MARGIN, top - 28, line)
    canvas.setFont(FONT, 10)
    canvas.drawRightString(width - MARGIN, top - 28, f"Ngày {heading.day:%d/%m/%Y}")
    canvas.line(MARGIN, top - 34, width - MARGIN, top - 34)
    return top - 40


def _draw_stop(canvas, stop, y):
    """One stop between y - ROW_HEIGHT and y: its QR, who and where, the parcel, the cash,
    and a box for the farmer's signature."""
    width = A4[0]
    bottom = y - ROW_HEIGHT
    canvas.setLineWidth(0.4)
    canvas.rect(MARGIN, bottom, width - 2 * MARGIN, ROW_HEIGHT)
    draw_qr(canvas, qr_matrix(stop.url), MARGIN + 1 * mm, bottom + 2 * mm, QR_SIDE)
    left = MARGIN + QR_SIDE + 3 * mm
    sign_left = width - MARGIN - SIGN_WIDTH - 2 * mm
    text_w = (sign_left - left) * 0.58
    canvas.setFont(FONT_BOLD, 9.5)
    name = fit_lines(f"{stop.position}. {stop.farmer}", FONT_BOLD, 9.5, text_w, 1)[0]
    canvas.drawString(left, y - 12, name)
    canvas.setFont(FONT, 8.5)
    canvas.drawString(left, y - 23, f"ĐT: {stop.farmer_phone or '—'}")
    for n, line in enumerate(fit_lines(stop.farmer_address, FONT, 8, text_w, 2)):
        canvas.setFont(FONT, 8)
        canvas.drawString(left, y - 34 - 9 * n, line)
    canvas.setFont(FONT, 7.5)
    canvas.drawString(left, bottom + 4, f"Đơn {stop.order_number} · {sscc_text(stop.sscc)}")
    middle = left + text_w + 3 * mm
    canvas.setFont(FONT, 8.5)
    canvas.drawString(middle, y - 12, f"Số kiện: {stop.parcels}")
    canvas.drawString(middle, y - 23, f"KL dự kiến: {weight_text(stop.weight_grams)}")
    canvas.drawString(middle, y - 34, "Đã đóng gói" if stop.packed else "Chưa đóng gói")
    canvas.setFont(FONT_BOLD, 8.5)
    cod = f"Thu hộ: {format_vnd(stop.cod_amount)}" if stop.cod_amount else "Không thu tiền"
    canvas.drawString(middle, y - 46, cod)
    canvas.rect(sign_left, bottom + 2 * mm, SIGN_WIDTH, ROW_HEIGHT - 4 * mm)
    canvas.setFont(FONT, 6.5)
    canvas.drawString(sign_left + 1.5 * mm, y - 4 * mm, "Chữ ký người gửi")


def render_list(
    heading: ListHeading,
    stops: Iterable[Stop],
    output,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the A4 list of ``stops`` (in route order) to ``output``, grouped by commune and
    village, with the totals at the end; ``progress(done)`` after each stop. Returns how
    many stops were drawn."""
    register_fonts()
    canvas = Canvas(output, pagesize=A4, pageCompression=1, invariant=1)
    canvas.setTitle(f"Bảng kê {heading.office} {heading.day:%d/%m/%Y}")
    canvas.setCreator("Chợ Phiên")
    page = 1
    y = _heading(canvas, heading, page)
    done = parcels = grams = cod = 0

    def room(needed):
        nonlocal page, y
        if y - needed < MARGIN:
            canvas.showPage()
            compress_last_page(canvas)
            page += 1
            y = _heading(canvas, heading, page)

    for (commune, village), place_stops in groupby(stops, key=lambda s: (s.commune, s.village)):
        room(14 + ROW_HEIGHT)
        canvas.setFont(FONT_BOLD, 10)
        canvas.drawString(MARGIN, y - 11, ", ".join(part for part in (village, commune) if part))
        y -= 14
        for stop in place_stops:
            room(ROW_HEIGHT)
            _draw_stop(canvas, stop, y)
            y -= ROW_HEIGHT + 1.5 * mm
            done += 1
            parcels += stop.parcels
            grams += stop.weight_grams
            cod += stop.cod_amount
            if progress:
                progress(done)
    room(40)
    canvas.setFont(FONT_BOLD, 10)
    canvas.drawString(MARGIN, y - 14, f"Tổng cộng: {done} điểm lấy hàng, {parcels} kiện")
    canvas.setFont(FONT, 10)
    canvas.drawString(MARGIN, y - 28, f"Khối lượng dự kiến: {weight_text(grams)}")
    canvas.drawString(MARGIN, y - 42, f"Tiền thu hộ khi giao: {format_vnd(cod)}")
    canvas.showPage()
    compress_last_page(canvas)
    canvas.save()
    return done


# --- parcel slips ---------------------------------------------------------------------------

SLIP_WIDTH, SLIP_HEIGHT = A6


def draw_slip(canvas, stop, x, y):
    """One A6 slip with its bottom-left corner at (x, y)."""
    pad = 5 * mm
    inner = SLIP_WIDTH - 2 * pad
    canvas.setLineWidth(0.5)
    canvas.rect(x + 2 * mm, y + 2 * mm, SLIP_WIDTH - 4 * mm, SLIP_HEIGHT - 4 * mm)
    top = y + SLIP_HEIGHT - pad
    canvas.setFont(FONT_BOLD, 11)
    canvas.drawString(x + pad, top - 9, "PHIẾU GỬI · Chợ Phiên")
    canvas.setFont(FONT, 8.5)
    canvas.drawRightString(x + SLIP_WIDTH - pad, top - 9, f"Đơn {stop.order_number}")
    cursor = top - 24

    def block(title, lines):
        nonlocal cursor
        canvas.setFont(FONT_BOLD, 8.5)
        canvas.drawString(x + pad, cursor, title)
        cursor -= 10
        for text, font, size, most in lines:
            for line in fit_lines(text, font, size, inner, most):
                canvas.setFont(font, size)
                canvas.drawString(x + pad, cursor, line)
                cursor -= size + 2
        cursor -= 4

    sender_place = ", ".join(part for part in (stop.village, stop.commune) if part)
    block(
        "Người gửi:",
        [
            (stop.farmer, FONT_BOLD, 9, 1),
            (sender_place, FONT, 8, 1),
            (f"ĐT: {stop.farmer_phone or '—'}", FONT, 8, 1),
        ],
    )
    block(
        "Người nhận:",
        [
            (stop.receiver, FONT_BOLD, 9, 1),
            (f"ĐT: {stop.receiver_phone or '—'}", FONT, 8, 1),
            (stop.receiver_address, FONT, 8, 2),
        ],
    )
    canvas.setFont(FONT, 9)
    canvas.drawString(x + pad, cursor, f"Khối lượng: {weight_text(stop.weight_grams)}")
    cursor -= 12
    canvas.setFont(FONT_BOLD, 10)
    cod = f"Thu hộ (COD): {format_vnd(stop.cod_amount)}" if stop.cod_amount else "Không thu tiền"
    canvas.drawString(x + pad, cursor, cod)
    side = min(42 * mm, cursor - (y + pad + 10) - 4)
    draw_qr(canvas, qr_matrix(stop.url), x + (SLIP_WIDTH - side) / 2, y + pad + 10, side)
    draw_fitted(canvas, sscc_text(stop.sscc), FONT_BOLD, 9, x + SLIP_WIDTH / 2, y + pad, inner)


def render_slip(stop, output):
    """One job's slip on one A6 page."""
    register_fonts()
    canvas = Canvas(output, pagesize=A6, pageCompression=1, invariant=1)
    canvas.setTitle(f"Phiếu gửi {stop.sscc}")
    canvas.setSubject(f"{stop.order_number} {stop.sscc}")  # searchable: ASCII, not compressed
    canvas.setCreator("Chợ Phiên")
    draw_slip(canvas, stop, 0, 0)
    canvas.showPage()
    canvas.save()


# the four A6 quarters of an A4 sheet, top left first, row by row
QUARTERS = [(0, SLIP_HEIGHT), (SLIP_WIDTH, SLIP_HEIGHT), (0, 0), (SLIP_WIDTH, 0)]


def render_slip_sheets(
    stops: Iterable[Stop], output, progress: Callable[[int], None] | None = None
) -> int:
    """The slips four to an A4 sheet, with cut lines; ``progress(done)`` after each page."""
    register_fonts()
    canvas = Canvas(output, pagesize=A4, pageCompression=1, invariant=1)
    canvas.setTitle("Phiếu gửi")
    canvas.setCreator("Chợ Phiên")
    done = on_page = 0

    def finish_page():
        canvas.setDash(3, 3)
        canvas.setLineWidth(0.3)
        canvas.line(A4[0] / 2, 0, A4[0] / 2, A4[1])
        canvas.line(0, A4[1] / 2, A4[0], A4[1] / 2)
        canvas.showPage()
        compress_last_page(canvas)

    for stop in stops:
        draw_slip(canvas, stop, *QUARTERS[on_page])
        done += 1
        on_page += 1
        if on_page == len(QUARTERS):
            finish_page()
            on_page = 0
            if progress:
                progress(done)
    if on_page or not done:
        finish_page()
        if progress:
            progress(done)
    canvas.save()
    return done
