"""Demo traceability data: a harvested, processed and packed batch of the Văn Chấn Shan Tuyết
tea with an inspection certificate, one print run of labels, and one label URL printed."""

import io
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A5
from reportlab.pdfgen.canvas import Canvas

from accounts import demo as accounts_demo
from growing_areas.models import GrowingArea
from marketplace.models import Product

from . import printing, services
from .digital_link import label_url
from .labels import FONT, FONT_BOLD, register_fonts
from .models import Batch

PRODUCT_SLUG = "che-shan-tuyet-co-thu-suoi-giang"
DEMO_LOT = "SUOIGIANG-01"
WORKSHOP = "Xưởng chè HTX Suối Giàng, Thôn Pang Cáng, Xã Văn Chấn"

# kind, days after harvest, hour, note
STEPS = [
    ("withering", 0, 14, "Làm héo trên nong tre 8 giờ, trong nhà thoáng mát."),
    ("fixing", 0, 22, "Sao diệt men trên chảo gang, 280 °C."),
    ("rolling", 1, 6, "Vò tay từng mẻ 5 kg cho búp xoăn đều."),
    ("drying", 1, 9, "Sấy hai lần bằng than củi, độ ẩm còn dưới 5 %."),
]


def _photo(name, colour):
    picture = Image.new("RGB", (480, 360), colour)
    draw = ImageDraw.Draw(picture)
    draw.ellipse((140, 80, 340, 280), fill=(250, 245, 220))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _certificate(lot, day):
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A5, invariant=1)
    canvas.setFont(FONT_BOLD, 14)
    canvas.drawString(40, 540, "PHIẾU KẾT QUẢ THỬ NGHIỆM (mẫu minh họa)")
    canvas.setFont(FONT, 10)
    lines = [
        "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Lào Cai",
        "Số: KN-2026-0315",
        f"Mẫu: Chè Shan Tuyết cổ thụ Suối Giàng, lô {lot}",
        f"Ngày lấy mẫu: {day:%d/%m/%Y}",
        "Dư lượng thuốc bảo vệ thực vật: không phát hiện",
        "Kết luận: đạt TCVN 3218:2012",
    ]
    for n, line in enumerate(lines):
        canvas.drawString(40, 500 - 20 * n, line)
    canvas.save()
    return SimpleUploadedFile("phieu-kiem-nghiem.pdf", buffer.getvalue(), "application/pdf")


def _at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def seed(command):
    product = Product.objects.filter(slug=PRODUCT_SLUG).select_related("growing_area").first()
    if product is None:
        command.stdout.write("traceability: the Shan Tuyết demo product is missing; skipped.")
        return
    batch = Batch.objects.filter(product=product, lot=DEMO_LOT).first()
    if batch is None:
        batch = _seed_batch(product)
    label = batch.labels.order_by("print_run", "position").first()
    if label is None:
        run = printing.issue_labels(batch, 12, "a4-30x30", build=False)
        printing.build_print_run(run.pk)
        label = run.labels.order_by("position").first()
    command.stdout.write(
        "Demo label (open it to see a provenance page): "
        + label_url(batch.gtin, batch.lot, label.serial)
    )


def _seed_batch(product):
    farmer = accounts_demo.user("0912000003")
    area = (
        product.growing_area
        or GrowingArea.objects.eligible_for_batch(product).order_by("code").first()
    )
    harvest = timezone.localdate() - timedelta(days=20)
    batch = services.record_batch(
        product=product,
        growing_area=area,
        lot=DEMO_LOT,
        harvest_date=harvest,
        quantity=Decimal("48.5"),
        unit="kg",
        packing_date=harvest + timedelta(days=4),
        best_before=harvest + timedelta(days=365),
        note="Hái một tôm hai lá từ cây chè cổ thụ trên 100 năm tuổi.",
        by=farmer,
    )
    for n, (kind, days, hour, note) in enumerate(STEPS):
        services.record_event(
            batch,
            kind=kind,
            occurred_at=_at(harvest + timedelta(days=days), hour),
            place=WORKSHOP,
            note=note,
            photos=[_photo(f"{kind}.jpg", (60 + 30 * n, 120, 50))],
            by=farmer,
        )
    services.record_event(
        batch,
        kind="inspection",
        occurred_at=_at(harvest + timedelta(days=3), 9),
        place="Thành phố Lào Cai",
        note="Lấy mẫu kiểm nghiệm dư lượng thuốc bảo vệ thực vật.",
        certificate_number="KN-2026-0315",
        certificate_issuer="Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Lào Cai",
        documents=[_certificate(DEMO_LOT, harvest + timedelta(days=2))],
        by=farmer,
    )
    services.record_event(
        batch,
        kind="packing",
        occurred_at=_at(harvest + timedelta(days=4), 8),
        place=WORKSHOP,
        note="Đóng gói 200 g trong túi hút chân không, dán tem truy xuất.",
        photos=[_photo("packing.jpg", (180, 140, 60))],
        by=farmer,
    )
    return batch
