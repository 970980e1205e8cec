"""Demo growing areas. The codes are illustrative: no official format could be confirmed."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from places import divisions

from .models import Certification, GrowingArea
from .services import change_status

SHAN_TUYET_CODE = "LC-VC-CHE-001"

# A ring around the old tea trees of Suối Giàng (now Xã Văn Chấn), [longitude, latitude].
SHAN_TUYET_BOUNDARY = {
    "type": "Polygon",
    "coordinates": [
        [
            [104.6512, 21.6402],
            [104.6581, 21.6431],
            [104.6659, 21.6418],
            [104.6702, 21.6361],
            [104.6668, 21.6297],
            [104.6590, 21.6272],
            [104.6521, 21.6303],
            [104.6489, 21.6356],
            [104.6512, 21.6402],
        ]
    ],
}

# code, name, crop, variety, ha, commune, village, holder, phone, households, lat, lon, markets
AREAS = [
    (
        SHAN_TUYET_CODE,
        "Vùng chè Shan Tuyết cổ thụ Suối Giàng",
        "Chè",
        "Shan Tuyết",
        "120.5",
        "04672",
        "Thôn Pang Cáng",
        "HTX Chè Shan Tuyết Suối Giàng",
        "0912000003",
        86,
        "21.635200",
        "104.659100",
        "EU, Nhật Bản",
    ),
    (
        "LC-MCC-LUA-001",
        "Ruộng bậc thang lúa Séng Cù Mù Cang Chải",
        "Lúa",
        "Séng Cù",
        "45",
        "04456",
        "Bản Lìm Mông",
        "HTX Nông nghiệp Mù Cang Chải",
        "",
        52,
        "21.852400",
        "104.087600",
        "",
    ),
    (
        "LC-TT-SONTRA-001",
        "Vùng sơn tra Trạm Tấu",
        "Sơn tra",
        "",
        "60",
        "04606",
        "Bản Xà Hồ",
        "HTX Sơn tra Trạm Tấu",
        "",
        40,
        "21.468100",
        "104.402300",
        "",
    ),
    (
        "LC-TY-QUE-001",
        "Vùng quế hữu cơ Trấn Yên",
        "Quế",
        "Quế Văn Yên",
        "210",
        "04498",
        "Thôn Khe Cam",
        "Hộ Triệu Thị Hoa và nhóm hộ",
        "0912000005",
        35,
        "21.786000",
        "104.810000",
        "EU, Hoa Kỳ",
    ),
    (
        "LC-BH-MAN-001",
        "Vùng mận Tam Hoa Bắc Hà",
        "Mận",
        "Tam Hoa",
        "32.8",
        "02839",
        "Thôn Na Hối",
        "HTX Mận Tam Hoa Bắc Hà",
        "",
        28,
        "22.537000",
        "104.291000",
        "Trung Quốc",
    ),
    (
        "LC-YT-THAOQUA-001",
        "Vùng thảo quả dưới tán rừng Y Tý",
        "Thảo quả",
        "",
        "150",
        "02701",
        "Thôn Sín Chải",
        "HTX Thảo quả Y Tý",
        "",
        64,
        "22.663000",
        "103.627000",
        "",
    ),
    (
        "LC-TL-LUA-001",
        "Vùng lúa nếp Tú Lệ",
        "Lúa",
        "Nếp Tú Lệ",
        "25",
        "04630",
        "Bản Lè",
        "HTX Nếp Tú Lệ",
        "",
        47,
        "21.812000",
        "104.300000",
        "",
    ),
    (
        "TQ-HY-CAM-001",
        "Vùng cam sành Hàm Yên",
        "Cam",
        "Cam sành",
        "95",
        "02374",
        "Thôn Nà Khà",
        "HTX Cam sành Hàm Yên",
        "",
        70,
        "22.070000",
        "105.040000",
        "",
    ),
    (
        "SL-MC-MAN-001",
        "Vùng mận hậu Mộc Châu",
        "Mận",
        "Mận hậu",
        "70",
        "03980",
        "Tiểu khu Vườn Đào",
        "Công ty CP Nông sản Mộc Châu",
        "",
        None,
        "20.848000",
        "104.640000",
        "Singapore",
    ),
    (
        "LC-CT-CHE-002",
        "Vùng chè Cát Thịnh",
        "Chè",
        "Chè xanh",
        "18",
        "04693",
        "Thôn Khe Dụ",
        "Hộ ông Hà Văn Tuấn",
        "",
        12,
        "21.597000",
        "104.724000",
        "",
    ),
]
SUSPENDED_CODE = "LC-CT-CHE-002"
SUSPENSION_REASON = (
    "Mẫu chè kiểm tra tháng 10 có dư lượng thuốc bảo vệ thực vật vượt ngưỡng; tạm dừng "
    "đến khi có kết quả kiểm tra lại."
)


def seed(command):
    from accounts import demo as accounts_demo

    from .importing.rows import holder_type_for

    today = timezone.localdate()
    created = 0
    for (
        code,
        name,
        crop,
        variety,
        hectares,
        commune_code,
        village,
        holder,
        phone,
        households,
        latitude,
        longitude,
        markets,
    ) in AREAS:
        if GrowingArea.objects.filter(code=code).exists():
            continue
        # One code falls due within the 60-day warning, so the expiry notice has work.
        valid_until = today + timedelta(days=45) if code == "LC-TL-LUA-001" else date(2029, 6, 30)
        area = GrowingArea(
            code=code,
            name=name,
            crop=crop,
            variety=variety,
            area_ha=Decimal(hectares),
            commune_code=commune_code,
            province_code=divisions.commune(commune_code).province_code,
            village=village,
            holder_name=holder,
            holder_type=holder_type_for(holder),
            holder_phone=f"+84{phone[1:]}" if phone else "",
            households=households,
            issued_by="Chi cục Trồng trọt và Bảo vệ thực vật",
            issued_on=date(2024, 7, 1),
            valid_until=valid_until,
            latitude=Decimal(latitude),
            longitude=Decimal(longitude),
            boundary=SHAN_TUYET_BOUNDARY if code == SHAN_TUYET_CODE else None,
            export_markets=markets,
        )
        area.full_clean()
        area.save()
        created += 1
        if code == SHAN_TUYET_CODE:
            Certification.objects.create(
                area=area,
                scheme=Certification.Scheme.VIETGAP,
                number="VietGAP-TT-15-01-0089",
                issuer="Trung tâm Chứng nhận phù hợp (QUACERT)",
                issued_on=date(2024, 3, 15),
                valid_until=date(2027, 3, 14),
            )
            Certification.objects.create(
                area=area,
                scheme=Certification.Scheme.ORGANIC,
                number="HC-2024-0457",
                issuer="Trung tâm Chứng nhận phù hợp (QUACERT)",
                issued_on=date(2024, 9, 1),
                valid_until=today + timedelta(days=50),
            )
        if code == SUSPENDED_CODE:
            change_status(
                area,
                GrowingArea.Status.SUSPENDED,
                reason=SUSPENSION_REASON,
                by=accounts_demo.user("0912000001"),
            )
    command.stdout.write(f"Growing areas: {created} created, {len(AREAS) - created} already there.")
