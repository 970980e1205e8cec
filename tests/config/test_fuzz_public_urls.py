"""Fuzz the public site: every URL pattern of the project (the admins excepted) filled with
random and nasty path segments, percent-encodings, huge numbers, year-1 dates in query
strings and unusual methods; and the GS1 resolver with random AI paths. Nothing may answer
5xx. Seeded, so a failure is found again on the next run."""

import random
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from tests.traceability.conftest import (  # noqa: F401 (fixtures)
    GTIN,
    area,
    batch,
    label,
    make_area,
    make_product,
    media_root,
    run,
    tea,
    tea_producer,
)

SEED = 20261130
# Not public: every admin page needs a moderator (the access tests cover them).
PRIVATE_PREFIXES = ("admin/", "django-admin/")
NASTY_SEGMENTS = [
    "0",
    "1",
    "-1",
    "99999999999999999999999999",
    "9223372036854775808",
    "1e309",
    "NaN",
    "%20",
    "%20%20",
    "%00",
    "%0A",
    "..",
    "%2E%2E",
    "%2F",
    "a%2Fb",
    "%25",
    "%FF",
    "%C3%A8",
    "ch%C3%A8-shan-tuy%E1%BA%BFt",
    "%E2%80%AE",
    "%3Cscript%3E",
    "%27%22",
    "0001-01-01",
    "9999-12-31",
    "L260315-1",
    "L%2F26-A",
    "LC-VC-CHE-001",
    "lc-vc-che-001",
    "x" * 300,
    "ten",
    "trang-chu",
    "san-pham",
    "--",
    "_",
]
QUERY_NAMES = [
    "page",
    "trang",
    "q",
    "category",
    "province",
    "stars",
    "price_min",
    "price_max",
    "crop",
    "status",
    "producer",
    "gtin",
    "lot",
    "linkType",
    "date",
    "harvest_date",
    "issued_on",
    "valid_until",
    "next",
    "language",
    "10",
    "21",
]
QUERY_VALUES = [
    "0001-01-01",
    "01/01/0001",
    "0001-01-01T00:00",
    "9999-12-31",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "%00",
    "%FF",
    "%2F%2F",
    "linkset",
    "gs1:pip",
    "all",
    "che%20shan%20tuyet",
    "x" * 500,
    "",
]
METHODS = ["GET"] * 6 + ["HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "TRACE", "PROPFIND"]
AI_CODES = ["01", "10", "21", "22", "17", "235", "00", "414", "99", "8200", "x", ""]


def _groups_to_placeholders(regex):
    """A regex route as a path with "{}" where each capturing group was."""
    out, i = [], 0
    while i < len(regex):
        if regex[i] == "\\" and i + 1 < len(regex):
            out.append(regex[i + 1])
            i += 2
        elif regex.startswith("(?:", i):
            i += 3
        elif regex[i] == "(":
            depth, j = 1, i + 1
            while depth:
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                j += 1
            out.append("{}")
            i = j
        elif regex[i] in "^$?)":
            i += 1
        else:
            out.append(regex[i])
            i += 1
    return "".join(out)


def _templates(patterns=None, prefix=""):
    """Every route of the URLconf as a path template, "{}" for each variable part."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        pattern = entry.pattern
        text = str(pattern)
        if isinstance(pattern, RoutePattern):  # path(): <int:pk> and the like
            piece = re.sub(r"<(?:\w+:)?\w+>", "{}", text)
        else:
            piece = _groups_to_placeholders(text)
        route = prefix + piece
        if route.startswith(PRIVATE_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            yield from _templates(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def _query(rng):
    names = rng.sample(QUERY_NAMES, rng.randint(0, 3))
    return "&".join(f"{name}={rng.choice(QUERY_VALUES)}" for name in names)


def _public_paths(rng, count):
    templates = sorted(set(_templates()))
    assert len(templates) >= 20  # the walk found the project's routes
    paths = []
    for n in range(count):
        template = templates[n % len(templates)]  # every route, then again at random
        if n >= len(templates):
            template = rng.choice(templates)
        path = "/" + template.replace("{}", "\0")
        while "\0" in path:
            path = path.replace("\0", rng.choice(NASTY_SEGMENTS), 1)
        query = _query(rng)
        paths.append(path + (f"?{query}" if query else ""))
    return paths


def _resolver_paths(rng, count):
    gtins = [GTIN, GTIN[1:], "08939999000018", "0", "9" * 40, "%30" * 14]
    paths = []
    for _n in range(count):
        parts = ["01"] if rng.random() < 0.1 else ["01", rng.choice(gtins)]
        for _pair in range(rng.randint(0, 3)):
            parts += [rng.choice(AI_CODES), rng.choice(NASTY_SEGMENTS)]
        if rng.random() < 0.3:
            parts.insert(rng.randint(0, len(parts)), rng.choice(NASTY_SEGMENTS))
        query = _query(rng) if rng.random() < 0.5 else ""
        paths.append("/" + "/".join(parts) + (f"?{query}" if query else ""))
    return paths


def _request(client, rng, path):
    method = rng.choice(METHODS)
    extra = {}
    if path.startswith("/01/") and rng.random() < 0.5:
        extra["RAW_URI"] = path  # as gunicorn passes it
    if rng.random() < 0.3:
        extra["HTTP_ACCEPT"] = rng.choice(["application/linkset+json", "application/json", "*/*"])
    response = client.generic(method, path, **extra)
    return method, response.status_code


@pytest.mark.parametrize("debug", [False, True])
def test_no_public_url_answers_5xx(
    home_page,
    label,  # noqa: F811 (the fixture imported above)
    producer_user,
    settings,
    debug,
):
    settings.DEBUG = debug
    rng = random.Random(f"{SEED}-{debug}")
    anonymous, farmer = Client(raise_request_exception=False), Client(raise_request_exception=False)
    farmer.force_login(producer_user)
    failures = []
    paths = _public_paths(rng, 260) + _resolver_paths(rng, 140)
    for path in paths:
        client = farmer if rng.random() < 0.3 else anonymous
        method, status = _request(client, rng, path)
        if status >= 500:
            failures.append((method, path[:120], status))
    assert failures == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address", ["/vung-trong/%00/", "/don-hang/%00/", "/san-pham/?q=%00", "/vung-trong/?q=a%00b"]
)
def test_a_nul_byte_in_the_address_is_a_400_before_any_query(client, address):
    """PostgreSQL cannot compare text holding NUL: such an address must never reach a view."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 400 and len(queries) == 0
