import pytest
from django.urls import reverse

from accounts.models import User
from tests.conftest import PASSWORD

LOGIN = reverse("accounts:login")


@pytest.fixture
def farmer(make_user):
    return make_user(phone="0912345678", full_name="Lò Thị Mai")


@pytest.mark.parametrize("typed", ["0912 345 678", "+84912345678", "84912345678", "0912.345.678"])
def test_login_with_the_number_as_people_type_it(client, farmer, typed):
    response = client.post(LOGIN, {"username": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(farmer.pk)


def test_number_is_stored_normalised(db):
    user = User.objects.create_user("0912 345 678", PASSWORD)
    assert user.phone == "+84912345678"


def test_the_login_page_speaks_vietnamese(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Số điện thoại" in html
    assert 'inputmode="tel"' in html


def test_wrong_password_says_so_in_vietnamese_and_logs_nobody_in(client, farmer):
    response = client.post(LOGIN, {"username": "0912345678", "password": "sai-mat-khau"})
    assert response.status_code == 200
    assert "Sai số điện thoại hoặc mật khẩu" in response.content.decode()
    assert "_auth_user_id" not in client.session


def _fail(client, username, ip="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": "sai-mat-khau"}, REMOTE_ADDR=ip)


def test_repeated_failures_for_one_number_are_throttled(client, farmer, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        # the same number written differently each time still counts as one person
        typed = ["0912345678", "+84912345678", "84912345678"][attempt % 3]
        assert _fail(client, typed, ip=f"198.51.100.{attempt}").status_code == 200
    locked = _fail(client, "0912 345 678", ip="198.51.100.200")
    assert locked.status_code == 429
    assert "Bạn đã nhập sai mật khẩu quá nhiều lần" in locked.content.decode()
    # even the right password is refused while the lock lasts, from any network
    right = client.post(
        LOGIN, {"username": "0912345678", "password": PASSWORD}, REMOTE_ADDR="192.0.2.99"
    )
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_repeated_failures_from_one_address_are_throttled(client, make_user, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail(client, f"09140000{n:02d}", ip="203.0.113.50")
    other = make_user(phone="0987654321")
    response = client.post(
        LOGIN, {"username": other.phone, "password": PASSWORD}, REMOTE_ADDR="203.0.113.50"
    )
    assert response.status_code == 429
    # the same person from another network is not affected
    response = client.post(
        LOGIN, {"username": other.phone, "password": PASSWORD}, REMOTE_ADDR="203.0.113.51"
    )
    assert response.status_code == 302


def test_a_success_resets_the_count(client, farmer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _fail(client, "0912345678")
    ok = client.post(
        LOGIN, {"username": "0912345678", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7"
    )
    assert ok.status_code == 302
    client.logout()
    assert _fail(client, "0912345678").status_code == 200


def test_logout_and_password_change(client, farmer):
    client.force_login(farmer)
    page = client.get(reverse("accounts:password_change"))
    assert "Đổi mật khẩu" in page.content.decode()
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "che-shan-tuyet-2025",
            "new_password2": "che-shan-tuyet-2025",
        },
    )
    assert response.status_code == 302
    farmer.refresh_from_db()
    assert farmer.check_password("che-shan-tuyet-2025")

    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_account_page_needs_login(client, db):
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
