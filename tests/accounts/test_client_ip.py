"""One client-address rule (accounts.network.client_ip) for failed-login throttling, the sign-up
limit and label scans: behind TRUSTED_PROXY_COUNT proxies, the address is the one the outermost
trusted proxy saw, never one the client wrote."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.network import client_ip
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
LOGIN = reverse("accounts:login")
PROXY = "10.0.0.2"  # what REMOTE_ADDR says for every visitor behind the load balancer


def request(remote="198.51.100.7", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_a_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(forwarded="203.0.113.9")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "address"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        # what the client wrote itself is left of the hop the proxy added
        (1, "1.2.3.4, 5.6.7.8, 203.0.113.9", "203.0.113.9"),
        (2, "1.2.3.4, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        # proxies that write ports, brackets or IPv4-mapped IPv6
        (1, "203.0.113.9:51234", "203.0.113.9"),
        (1, "[2402:800:1:2::1]:443", "2402:800:1:2::1"),
        (1, "2402:0800:0001:0002:0000:0000:0000:0001", "2402:800:1:2::1"),
        (1, "::ffff:203.0.113.9", "203.0.113.9"),
    ],
)
def test_behind_proxies_the_hop_the_outermost_proxy_added(settings, proxies, forwarded, address):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request(remote=PROXY, forwarded=forwarded)) == address


@pytest.mark.parametrize(
    "forwarded",
    [
        "",  # reached the web machine without the proxy
        "203.0.113.9",  # through one proxy of the two
        "unknown, garbage",
        "not-an-address, 10.0.0.1",
        "999.1.1.1, 10.0.0.1",
        ", 10.0.0.1",
        "[2402:800::1, 10.0.0.1",
    ],
)
def test_a_short_or_unreadable_header_falls_back_to_the_connection(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request(remote="192.0.2.44", forwarded=forwarded)) == "192.0.2.44"


def test_an_unreadable_connection_address_is_empty(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(remote="")) == ""
    assert client_ip(request(remote="localhost")) == ""


def _fail_login(client, number, forwarded):
    return client.post(
        LOGIN,
        {"username": number, "password": "sai-mat-khau"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_a_proxy_axes_locks_the_attacker_and_not_the_next_visitor(
    client, make_user, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    victim = make_user(phone="0987654321")
    # one attacker tries many numbers, forging a new X-Forwarded-For each time
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail_login(client, f"09140000{n:02d}", f"10.9.9.{n}, 203.0.113.66")
    locked = client.post(
        LOGIN,
        {"username": victim.phone, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="172.16.0.1, 203.0.113.66",
    )
    assert locked.status_code == 429
    # another buyer behind the same proxy logs in as usual
    response = client.post(
        LOGIN,
        {"username": victim.phone, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.23",
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(victim.pk)


def _settings_value(name, **env):
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TRUSTED_PROXY_COUNT", "AXES_PROXY_COUNT", "DATABASE_URL"}
    }
    environ.update(DJANGO_ENV="test", DJANGO_SETTINGS_MODULE="config.settings", **env)
    code = f"from django.conf import settings; print(settings.{name})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_old_variable_name_is_still_read_and_a_negative_count_refused():
    assert _settings_value("TRUSTED_PROXY_COUNT", AXES_PROXY_COUNT="2").stdout.strip() == "2"
    both = _settings_value("TRUSTED_PROXY_COUNT", AXES_PROXY_COUNT="2", TRUSTED_PROXY_COUNT="1")
    assert both.stdout.strip() == "1"
    refused = _settings_value("TRUSTED_PROXY_COUNT", TRUSTED_PROXY_COUNT="-1")
    assert refused.returncode != 0 and "TRUSTED_PROXY_COUNT" in refused.stderr
