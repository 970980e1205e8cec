"""The morning pickup lists of a province-sized day, measured side by side in one run:

- drawing up every office's list (``pickup_lists.draw_up_all``: per office a transaction, the
  list row locked, the jobs not yet on it found, their rows written in route order), without
  the notifications (delivered by Celery after the commit in production);
- a bare query reading the same jobs in the same order (office, commune, village, farmer);
- the list's page ``/buu-dien/bang-ke/<id>/`` of an office with 100 stops, opened by its postal
  staff through the whole middleware stack (Django's test client, in process), against a bare
  Django view answered the same way.

The day is 2,000 confirmed orders over 150 offices by default, made with ``bulk_create``;
``BENCH_POSTAL_ORDERS`` and ``BENCH_POSTAL_OFFICES`` make it smaller for a quick check.
Rounds alternate the two sides (``support.alternate``, ``--rounds``), the lists removed after
each drawing up; the ratio is the median of the rounds' ratios with its spread (``Ratios``).
"""

import datetime
import os
import statistics
import uuid

from . import support
from .support import Ratios, alternate, percentiles, test_database, timed

LIST_STOPS = 100
PAGE_REQUESTS = 200  # per side, shared among the rounds

DAY = datetime.date(2026, 12, 10)  # a Thursday
FARMS_PER_OFFICE = 4


def _communes(count):
    from places import divisions

    found = []
    for province in divisions.provinces():
        found += divisions.communes_of(province.code)
        if len(found) >= count:
            return found[:count]
    raise RuntimeError(f"only {len(found)} communes known")


def _seed(orders, offices):
    from django.conf import settings

    from marketplace.models import Order, Producer, SellerOrder
    from postal_pickup.models import PickupJob, PostOffice, ServedCommune
    from postal_pickup.sscc import build_sscc

    communes = _communes(offices)
    made_offices = PostOffice.objects.bulk_create(
        [
            PostOffice(
                code=f"BD{n:04d}",
                name=f"Bưu điện {commune.name}",
                province_code=commune.province_code,
                commune_code=commune.code,
            )
            for n, commune in enumerate(communes)
        ]
    )
    ServedCommune.objects.bulk_create(
        [ServedCommune(office=office, commune_code=office.commune_code) for office in made_offices]
    )
    producers = Producer.objects.bulk_create(
        [
            Producer(
                name=f"Hộ nông dân {n}",
                slug=f"bench-ho-{n}",
                province_code=commune.province_code,
                commune_code=commune.code,
                village=f"Thôn {n % 3}",
                phone=f"+849120{n:05d}",
                verification=Producer.Verification.VERIFIED,
            )
            for n, commune in enumerate(c for c in communes for _f in range(FARMS_PER_OFFICE))
        ]
    )
    office_of = {office.commune_code: office for office in made_offices}
    now = datetime.datetime.now(datetime.UTC)
    placed = Order.objects.bulk_create(
        [
            Order(
                number=f"B{n:07d}",
                tracking_token=uuid.uuid4().hex,
                checkout_token=uuid.uuid4(),
                buyer_name="Nguyễn Thu Hà",
                buyer_phone="+84912345678",
                province_code="01",
                commune_code="00004",
                street=f"{n} Hàng Bông",
                payment_method="cod",
                status=Order.Status.CONFIRMED,
                goods_total=450_000,
                shipping_total=30_000,
                total=480_000,
                confirmed_at=now,
            )
            for n in range(orders)
        ],
        batch_size=1000,
    )
    seller_orders = SellerOrder.objects.bulk_create(
        [
            SellerOrder(
                order=order,
                producer=producers[n % len(producers)],
                status=SellerOrder.Status.TO_PACK,
                goods_total=450_000,
                shipping_fee=30_000,
                weight_grams=1050,
                cod_amount=480_000,
            )
            for n, order in enumerate(placed)
        ],
        batch_size=1000,
    )
    PickupJob.objects.bulk_create(
        [
            PickupJob(
                seller_order=seller_order,
                office=office_of[seller_order.producer.commune_code],
                sscc=build_sscc(n + 1, settings.GS1_COMPANY_PREFIX),
                pickup_date=DAY,
                expected_weight_grams=1050,
                cod_amount=480_000,
            )
            for n, seller_order in enumerate(seller_orders)
        ],
        batch_size=1000,
    )


def _bare():
    from postal_pickup.models import PickupJob
    from postal_pickup.pickup_lists import ROUTE_ORDER

    return list(
        PickupJob.objects.filter(
            status__in=PickupJob.TO_COLLECT,
            needs_moderator=False,
            office__isnull=False,
            pickup_date__lte=DAY,
        )
        .order_by("office_id", *ROUTE_ORDER)
        .values_list("pk", "office_id")
    )


def _draw_up():
    from postal_pickup.pickup_lists import draw_up_all

    return draw_up_all(DAY, tell=False)


def bare(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


def _urlconf():
    """The project's URLs plus /bench-bare/, in a throwaway module."""
    import types

    from django.urls import path

    from config import urls

    module = types.ModuleType("bench_postal_urls")
    module.urlpatterns = [path("bench-bare/", bare), *urls.urlpatterns]
    return module


def _busy_office_page():
    """One office given ``LIST_STOPS`` of the day's jobs, its list drawn up, and a client
    signed in as its postal staff: (client, the list's path)."""
    from django.test import Client

    from accounts.models import User
    from accounts.roles import Role
    from accounts.services import grant_role
    from postal_pickup.models import PickupJob, PostOffice
    from postal_pickup.pickup_lists import draw_up

    office = PostOffice.objects.order_by("pk").first()
    own = PickupJob.objects.filter(office=office).count()
    others = PickupJob.objects.exclude(office=office).order_by("pk").values_list("pk", flat=True)
    PickupJob.objects.filter(pk__in=list(others[: LIST_STOPS - own])).update(office=office)
    pickup_list, _added = draw_up(office, DAY, tell=False)
    if pickup_list.rows.count() != LIST_STOPS:
        raise RuntimeError(
            f"the busy office has {pickup_list.rows.count()} stops, not {LIST_STOPS}"
        )
    staff = User.objects.create_user("0913999002", "bench-password-1", full_name="Lò Văn Páo")
    grant_role(staff, Role.POSTAL_STAFF)
    office.staff.add(staff)
    client = Client()
    client.force_login(staff)
    return client, f"/buu-dien/bang-ke/{pickup_list.pk}/"


def _get(client, path):
    response = client.get(path, headers={"accept-language": "vi"})
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return len(response.content)


def _list_page_rows():
    from django.db import connection
    from django.test.utils import override_settings

    with override_settings(ROOT_URLCONF=_urlconf()):
        client, path = _busy_office_page()
        for _n in range(5):  # warm up: templates, session, translations
            _get(client, path)
            _get(client, "/bench-bare/")
        block = max(10, PAGE_REQUESTS // support.ROUNDS)
        queries = []  # counted by a wrapper: the request's start empties the query log
        with connection.execute_wrapper(
            lambda run, sql, *rest: queries.append(sql) or run(sql, *rest)
        ):
            size = _get(client, path)

        def page_block(_round):
            return [timed(_get, client, path)[1] for _n in range(block)]

        def bare_block(_round):
            return [timed(_get, client, "/bench-bare/")[1] for _n in range(block)]

        page_rounds, bare_rounds = alternate(page_block, bare_block)
    ratios = Ratios(map(statistics.mean, page_rounds), map(statistics.mean, bare_rounds))
    page_p50, page_p95 = percentiles([s for block in page_rounds for s in block])
    bare_p50, _bare_p95 = percentiles([s for block in bare_rounds for s in block])
    return [
        (
            f"list page /buu-dien/bang-ke/<id>/, {LIST_STOPS} stops ({size // 1024} KB)",
            f"{page_p50:.1f}",
            "ms",
            f"p95 {page_p95:.1f} ms, {len(queries)} queries; whole request, test client in process",
        ),
        ("a bare Django view the same way", f"{bare_p50:.2f}", "ms", ""),
        ("list page ÷ bare view (mean request time)", ratios.measured(0), "ratio", ratios.note(0)),
    ]


def run():
    from postal_pickup.models import PickupList, PickupListRow

    orders = int(os.environ.get("BENCH_POSTAL_ORDERS", 2000))
    offices = int(os.environ.get("BENCH_POSTAL_OFFICES", 150))
    with test_database() as vendor:
        _seed(orders, offices)
        _bare()  # warm up both sides
        _draw_up()
        PickupList.objects.all().delete()

        def bare_round(_round):
            jobs, seconds = timed(_bare)
            if len(jobs) != orders:
                raise RuntimeError("the bare query did not read every job")
            return seconds

        def draw_up_round(_round):
            made, seconds = timed(_draw_up)
            if len(made) != offices or PickupListRow.objects.count() != orders:
                raise RuntimeError("the lists do not hold every job once")
            PickupList.objects.all().delete()  # the next round draws them up afresh
            return seconds

        lists, bares = alternate(draw_up_round, bare_round)
        page_rows = _list_page_rows()
    ratios = Ratios(lists, bares)
    drawn = statistics.median(lists)
    return [
        (
            f"pickup lists drawn up: {orders} jobs over {offices} offices",
            f"{drawn * 1000:.0f}",
            "ms",
            f"{vendor}; median of {len(lists)} rounds, {orders / drawn:,.0f} rows/s",
        ),
        (
            "the same jobs read by one bare query, same order",
            f"{statistics.median(bares) * 1000:.1f}",
            "ms",
            f"median of {len(bares)} rounds",
        ),
        ("drawing up ÷ bare query", ratios.measured(0), "ratio", ratios.note(0)),
        *page_rows,
    ]
