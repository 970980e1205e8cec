"""Demo accounts, one or more per role."""

from .models import User
from .roles import Role
from .services import ensure_role_groups

DEMO_PASSWORD = "chophien-demo"  # noqa: S105 - printed for the demo, refused in production

# phone, full name, roles, superuser
DEMO_USERS = [
    ("0912000001", "Nguyễn Thu Hà", [Role.MODERATOR], True),
    ("0912000002", "Hoàng Văn Sáng", [Role.COMMUNITY_HELPER], False),
    ("0912000003", "Lò Thị Mai", [Role.PRODUCER], False),  # Shan Tuyết tea, Xã Văn Chấn
    ("0912000004", "Giàng A Páo", [Role.PRODUCER], False),  # honey
    ("0912000005", "Triệu Thị Hoa", [Role.PRODUCER], False),  # cinnamon
    ("0912000006", "Phạm Minh Đức", [Role.POSTAL_STAFF], False),
]


def seed(command):
    groups = ensure_role_groups()
    for phone, full_name, roles, superuser in DEMO_USERS:
        user = User.objects.filter(phone=f"+84{phone[1:]}").first()
        if user is None:
            create = User.objects.create_superuser if superuser else User.objects.create_user
            user = create(phone, DEMO_PASSWORD, full_name=full_name, is_staff=superuser)
        user.groups.add(*(groups[role] for role in roles))
        command.add_login(roles[0].label, user, DEMO_PASSWORD)


def user(phone):
    """A demo user by the national number written in DEMO_USERS."""
    return User.objects.get(phone=f"+84{phone[1:]}")
