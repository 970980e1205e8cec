"""The moderators' own admin pages name themselves, and show numbers the way people read
them."""

import re

from accounts.roles import Role
from marketplace import services


def test_review_queue_and_progress_report_are_titled(client, moderator):
    client.force_login(moderator)
    pages = {
        "/admin/marketplace/review/": ("tasks", "Hàng chờ duyệt"),
        "/admin/marketplace/progress/": ("doc-full", "Tiến độ của tỉnh"),
    }
    for url, (icon, title) in pages.items():
        html = client.get(url).content.decode()
        # the visible header (icon and name), not only the browser tab's title
        assert re.search(rf'#icon-{icon}"></use></svg>\s*{title}\s*<', html), url


def test_progress_report_writes_the_helpers_number_nationally(client, moderator, make_user):
    helper = make_user(Role.COMMUNITY_HELPER, phone="0912000222", full_name="Hoàng Văn Sáng")
    services.register_farmer(
        phone="0912000333",
        password="mat-khau-nong-dan-9",
        full_name="Lò Văn Pá",
        producer_name="",
        kind="household",
        province_code="15",
        commune_code="04672",
        village="Bản Pang Cáng",
        onboarded_by=helper,
        consent_method="signed",
    )
    client.force_login(moderator)
    html = client.get("/admin/marketplace/progress/").content.decode()
    assert "Hoàng Văn Sáng (0912 000 222)" in html
    assert "+84912000222" not in html
