"""Farmer sign-up is limited per network address (SIGNUP_RATE_LIMIT an hour, in the cache)."""

import pytest
from django.test import RequestFactory

from accounts.models import User
from accounts.network import client_ip
from marketplace.models import Producer

from .test_selling import signup_data

pytestmark = pytest.mark.django_db

SIGNUP = "/ban-hang/dang-ky/"


def sign_up(client, number, ip, **overrides):
    data = signup_data(phone=f"0987 000 {number:03d}", **overrides)
    return client.post(SIGNUP, data, REMOTE_ADDR=ip)


def test_the_limit_answers_429_in_vietnamese_and_creates_nothing(client, settings):
    settings.SIGNUP_RATE_LIMIT = 3
    # failed attempts count as well as successful ones
    assert sign_up(client, 1, "198.51.100.7", password2="khac").status_code == 200
    for number in (2, 3):
        client.logout()
        assert sign_up(client, number, "198.51.100.7").status_code == 302
    assert Producer.objects.count() == 2
    client.logout()
    response = sign_up(client, 4, "198.51.100.7")
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    html = response.content.decode()
    assert "Quá nhiều lượt đăng ký" in html
    assert "60 phút" in html
    assert Producer.objects.count() == 2
    assert not User.objects.filter(phone="+84987000004").exists()
    # the form itself is not offered again until the hour is over
    assert client.get(SIGNUP, REMOTE_ADDR="198.51.100.7").status_code == 429


def test_another_address_is_not_affected(client, settings):
    settings.SIGNUP_RATE_LIMIT = 2
    for number in (1, 2):
        client.logout()
        assert sign_up(client, number, "198.51.100.7").status_code == 302
    client.logout()
    assert sign_up(client, 3, "198.51.100.7").status_code == 429
    assert client.get(SIGNUP, REMOTE_ADDR="203.0.113.9").status_code == 200
    assert sign_up(client, 4, "203.0.113.9").status_code == 302
    assert User.objects.filter(phone="+84987000004").exists()
    assert Producer.objects.count() == 3


def test_each_address_has_its_own_count(client, settings):
    settings.SIGNUP_RATE_LIMIT = 2
    # each address sends one refused sign-up: neither is near the limit yet
    assert sign_up(client, 1, "198.51.100.7", password2="khac").status_code == 200
    assert sign_up(client, 1, "203.0.113.9", password2="khac").status_code == 200
    assert sign_up(client, 1, "198.51.100.7").status_code == 302
    client.logout()
    assert sign_up(client, 2, "203.0.113.9").status_code == 302
    client.logout()
    assert sign_up(client, 3, "198.51.100.7").status_code == 429
    assert sign_up(client, 3, "203.0.113.9").status_code == 429
    assert Producer.objects.count() == 2


def test_choosing_a_province_without_javascript_is_not_an_attempt(client, settings):
    from places.forms import REFRESH_FIELD

    settings.SIGNUP_RATE_LIMIT = 1
    for _ in range(3):
        response = client.post(
            SIGNUP, signup_data(**{REFRESH_FIELD: "1"}), REMOTE_ADDR="198.51.100.7"
        )
        assert response.status_code == 200
    assert sign_up(client, 1, "198.51.100.7").status_code == 302
    assert Producer.objects.count() == 1


def test_behind_proxies_the_address_is_the_hop_the_proxy_added(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SIGNUP_RATE_LIMIT = 1
    # a client cannot dodge the limit by sending its own X-Forwarded-For
    for number, forged in ((1, "10.0.0.1"), (2, "10.0.0.2")):
        client.logout()
        response = client.post(
            SIGNUP,
            signup_data(phone=f"0987 000 {number:03d}"),
            REMOTE_ADDR="10.1.1.1",
            HTTP_X_FORWARDED_FOR=f"{forged}, 198.51.100.7",
        )
        assert response.status_code == (302 if number == 1 else 429)
    client.logout()
    response = client.post(
        SIGNUP,
        signup_data(phone="0987 000 003"),
        REMOTE_ADDR="10.1.1.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert response.status_code == 302
    assert Producer.objects.count() == 2


def test_client_address_reads_remote_addr_without_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="10.0.0.1")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "198.51.100.7"
    settings.TRUSTED_PROXY_COUNT = 2
    request.META["HTTP_X_FORWARDED_FOR"] = "10.0.0.1, 203.0.113.9, 192.0.2.1"
    assert client_ip(request) == "203.0.113.9"
