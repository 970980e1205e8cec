"""Demo post offices: one for each demo commune (Xã Văn Chấn, Xã Mù Cang Chải, Xã Mậu A, all
in Lào Cai), each with its own postal staff login (0912 000 006, 0912 000 008, 0912 000 009;
password ``accounts.demo.DEMO_PASSWORD``). The demo orders still waiting for the post office
get their pickup jobs here (the same sweep a lost signal relies on). Running it twice changes
nothing."""

from accounts import demo as accounts_demo
from accounts.models import User
from accounts.roles import Role
from accounts.services import ensure_role_groups

from .models import PostOffice, ServedCommune
from .services import create_missing_jobs

OFFICE_CODE = "LC-VANCHAN"
# code, name, commune (also the one it serves), street, phone, staff phone, staff name
OFFICES = [
    (
        OFFICE_CODE,
        "Bưu điện Văn Chấn",
        "04672",
        "Tổ dân phố 1",
        "+842163870000",
        "0912000006",
        "Phạm Minh Đức",
    ),
    (
        "LC-MUCANGCHAI",
        "Bưu điện Mù Cang Chải",
        "04456",
        "Tổ dân phố 3",
        "+842163871000",
        "0912000008",
        "Sùng A Dế",
    ),
    (
        "LC-MAUA",
        "Bưu điện Mậu A",
        "04375",
        "Tổ dân phố 5",
        "+842163872000",
        "0912000009",
        "Đặng Thị Lan",
    ),
]
DEMO_COMMUNES = [commune for _code, _name, commune, *_rest in OFFICES]


def _staff(command, group, phone, full_name):
    """The office's postal staff login; accounts.demo makes (and prints) the first one."""
    if phone in {p for p, *_rest in accounts_demo.DEMO_USERS}:
        return accounts_demo.user(phone)
    user = User.objects.filter(phone=f"+84{phone[1:]}").first()
    if user is None:
        user = User.objects.create_user(phone, accounts_demo.DEMO_PASSWORD, full_name=full_name)
    user.groups.add(group)
    command.add_login(Role.POSTAL_STAFF.label, user, accounts_demo.DEMO_PASSWORD)
    return user


def seed(command):
    group = ensure_role_groups()[Role.POSTAL_STAFF]
    for code, name, commune, street, phone, staff_phone, staff_name in OFFICES:
        office, _created = PostOffice.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "province_code": "15",
                "commune_code": commune,
                "street": street,
                "phone": phone,
            },
        )
        # the commune moves to its own office when an older demo served it from Văn Chấn
        ServedCommune.objects.update_or_create(commune_code=commune, defaults={"office": office})
        office.staff.add(_staff(command, group, staff_phone, staff_name))
    create_missing_jobs()
