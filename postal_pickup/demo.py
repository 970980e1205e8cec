"""Demo post office: Bưu điện Văn Chấn collects the parcels of the demo communes; the demo
postal staff (0912 000 006) works there. The demo orders still waiting for the post office get
their pickup jobs here (the same sweep a lost signal relies on). Running it twice changes
nothing."""

from accounts import demo as accounts_demo

from .models import PostOffice, ServedCommune
from .services import create_missing_jobs

OFFICE_CODE = "LC-VANCHAN"
DEMO_COMMUNES = ["04672", "04456", "04375"]  # Văn Chấn, Mù Cang Chải, Mậu A (Lào Cai)


def seed(command):
    office, _created = PostOffice.objects.update_or_create(
        code=OFFICE_CODE,
        defaults={
            "name": "Bưu điện Văn Chấn",
            "province_code": "15",
            "commune_code": "04672",
            "street": "Tổ dân phố 1",
            "phone": "+842163870000",
        },
    )
    for commune in DEMO_COMMUNES:
        ServedCommune.objects.get_or_create(commune_code=commune, defaults={"office": office})
    office.staff.add(accounts_demo.user("0912000006"))
    create_missing_jobs()
