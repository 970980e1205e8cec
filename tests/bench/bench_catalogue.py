"""The catalogue at growing sizes: 10,000 published products, then 100,000, … up to
``--products`` (1,000,000 with ``BENCH_ARGS="catalogue --products 1000000"``), on SQLite or on
PostgreSQL (a scratch database beside the one DATABASE_URL names).

Each request goes through the whole Django stack (test client) without the anonymous page
cache (config.test_settings turns it off): form, filters, one page of 24 cards, the template,
and the number of matches as the site keeps it (CATALOGUE_COUNT_SECONDS, its production
default: counted by the case's first request). Five cases are measured in alternating rounds
at every size: browsing the first page, a common word (``che``, about one product in eight), a
diacritic-free phrase (``che shan tuyet``), two two-letter words (``sa pa``, one in four) and a
filtered search; and the two heaviest searches as the first search of those words would be,
counting their matches (CATALOGUE_COUNT_SECONDS 0).
The catalogue grows in place between sizes (PostgreSQL: INSERT … SELECT generate_series with
the indexes rebuilt afterwards; SQLite: bulk_create, at most SQLITE_MAX products)."""

import io
import random
import sys
import time
from datetime import timedelta

from . import support
from .support import percentiles, test_database

PRODUCERS = 2_000
SAMPLES = 30  # requests per case and size, in alternating rounds
SQLITE_MAX = 100_000

CASES = [
    ("browsing the first page", "/san-pham/"),
    ("common word `che`", "/san-pham/?q=che"),
    ("diacritic-free phrase `che shan tuyet`", "/san-pham/?q=che+shan+tuyet"),
    ("two-letter words `sa pa`", "/san-pham/?q=sa+pa"),
    ("search + category + price", "/san-pham/?q=mat+ong&category=honey&price_min=100000"),
]
# the same requests, as the first search of their words in CATALOGUE_COUNT_SECONDS would be
COUNTED = {
    "common word `che`, its matches counted": "/san-pham/?q=che",
    "`che shan tuyet`, its matches counted": "/san-pham/?q=che+shan+tuyet",
}

WORDS = {
    "tea": ["Chè Shan Tuyết", "Chè búp", "Trà shan", "Chè xanh"],
    "honey": ["Mật ong bạc hà", "Mật ong rừng", "Mật ong hoa ban"],
    "cinnamon": ["Quế Văn Yên", "Quế thanh", "Tinh dầu quế"],
    "rice": ["Gạo Séng Cù", "Gạo nếp Tan", "Gạo tám"],
    "fruit": ["Mận Tam Hoa", "Lê Bắc Hà", "Táo mèo"],
    "vegetables": ["Rau cải mèo", "Su su", "Măng khô"],
    "handicraft": ["Thổ cẩm Dao đỏ", "Khăn thêu", "Giỏ mây"],
    "other": ["Miến dong", "Thảo quả", "Hạt dổi"],
}
NAMES = [(category, name) for category, names in WORDS.items() for name in names]
PLACES = ["Văn Chấn", "Suối Giàng", "Mù Cang Chải", "Bắc Hà", "Sa Pa", "Trạm Tấu", "Lục Yên"]
UNITS = ["gói 200 g", "hũ 500 ml", "túi 1 kg", "chiếc"]


def sizes(largest):
    """10,000, 100,000, … up to ``largest`` (which ends the list even between powers)."""
    steps, size = [], 10_000
    while size < largest:
        steps.append(size)
        size *= 10
    return [*steps, largest]


def build_producers():
    from django.core.management import call_command

    from marketplace.models import Producer

    call_command("seed_demo", stdout=io.StringIO())
    rng = random.Random(7)  # noqa: S311 - test data
    return Producer.objects.bulk_create(
        Producer(
            name=f"Hộ {rng.choice(PLACES)} {n}",
            slug=f"bench-producer-{n}",
            province_code="15",
            commune_code="04672",
            verification=Producer.Verification.VERIFIED,
        )
        for n in range(PRODUCERS)
    )


def _product(producer, n, now, rng):
    from marketplace.models import Product

    category, word = rng.choice(NAMES)
    return Product(
        producer=producer,
        name=f"{word} {rng.choice(PLACES)} loại {n % 7 + 1}",
        slug=f"bench-{n}",
        category=category,
        price=rng.randrange(20, 2000) * 1000,
        unit=rng.choice(UNITS),
        quantity_available=rng.randrange(1, 500),
        review_state=Product.Review.APPROVED,
        published_at=now - timedelta(seconds=n),
    )


def grow_sqlite(producers, start, stop):
    from django.utils import timezone

    from marketplace.models import Product
    from places.divisions import fold

    rng, now, batch = random.Random(start), timezone.now(), []
    for n in range(start, stop):
        product = _product(producers[n % PRODUCERS], n, now, rng)
        product.search_text = fold(" ".join([product.name, product.producer.name, product.unit]))
        batch.append(product)
        if len(batch) == 5_000:
            Product.objects.bulk_create(batch)
            batch = []
    Product.objects.bulk_create(batch)


VARYING = {
    "producer_id",
    "name",
    "slug",
    "category",
    "price",
    "unit",
    "quantity_available",
    "published_at",
    "search_text",
}

GROW = """
INSERT INTO marketplace_product ({columns})
SELECT {values}
FROM (
    SELECT n,
           (random() * %(names)s)::int %% %(names)s + 1 AS w,
           (random() * %(places)s)::int %% %(places)s + 1 AS p,
           (random() * %(units)s)::int %% %(units)s + 1 AS u,
           n %% %(producers)s + 1 AS k
    FROM generate_series(%(start)s, %(stop)s - 1) AS n
) AS row
"""


def grow_postgresql(producers, start, stop):
    """Rows ``start`` … ``stop - 1`` in one INSERT … SELECT, the search column folded like
    ``Product.save`` folds it; the product table's own indexes dropped and rebuilt around it."""
    from django.db import connection
    from django.utils import timezone

    from marketplace.models import Product
    from places.divisions import fold

    template = _product(producers[0], 0, timezone.now(), random.Random(0))
    fields = [f for f in Product._meta.concrete_fields if not f.primary_key]
    for field in fields:  # what save() would stamp
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            setattr(template, field.attname, timezone.now())
    columns, values, params = [], [], {}
    for field in fields:
        columns.append(connection.ops.quote_name(field.column))
        if field.column in VARYING:
            continue
        params[field.column] = field.get_db_prep_save(getattr(template, field.attname), connection)
        values.append(f"%({field.column})s")
    varying = {
        "producer_id": "(%(producer_ids)s::bigint[])[k]",
        "name": "(%(names_list)s::text[])[w] || ' ' || (%(places_list)s::text[])[p]"
        " || ' loại ' || (n %% 7 + 1)",
        "slug": "'bench-' || n",
        "category": "(%(categories)s::text[])[w]",
        "price": "(20 + (random() * 1980)::int) * 1000",
        "unit": "(%(units_list)s::text[])[u]",
        "quantity_available": "1 + (random() * 498)::int",
        "published_at": "%(now)s::timestamptz - n * interval '1 second'",
        "search_text": "(%(folded_names)s::text[])[w] || ' ' || (%(folded_places)s::text[])[p]"
        " || ' loai ' || (n %% 7 + 1) || ' ' || (%(folded_producers)s::text[])[k]"
        " || ' ' || (%(folded_units)s::text[])[u]",
    }
    values = [varying[f.column] if f.column in VARYING else f"%({f.column})s" for f in fields]
    params.update(
        names=len(NAMES),
        places=len(PLACES),
        units=len(UNITS),
        producers=PRODUCERS,
        start=start,
        stop=stop,
        producer_ids=[p.pk for p in producers],
        names_list=[name for _, name in NAMES],
        categories=[category for category, _ in NAMES],
        folded_names=[fold(name) for _, name in NAMES],
        places_list=PLACES,
        folded_places=[fold(place) for place in PLACES],
        units_list=UNITS,
        folded_units=[fold(unit) for unit in UNITS],
        folded_producers=[fold(p.name) for p in producers],
        now=timezone.now(),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = 'marketplace_product'"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        cursor.execute("SELECT setseed(%s)", [start / (stop + 1)])
        cursor.execute(GROW.format(columns=", ".join(columns), values=", ".join(values)), params)
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("VACUUM ANALYZE marketplace_product")


def measure(client, url, counted=False):
    """One whole request; its duration in seconds. ``counted``: the number of matches is
    counted, as for the first search of these words, not taken from the cache."""
    from django.test.utils import override_settings

    from config import settings as production

    seconds_kept = 0 if counted else production.CATALOGUE_COUNT_SECONDS
    with override_settings(CATALOGUE_COUNT_SECONDS=seconds_kept):
        start = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return seconds


def run():
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    largest = support.PRODUCTS
    cases = [
        *((what, url, False) for what, url in CASES),
        *((w, u, True) for w, u in COUNTED.items()),
    ]
    results = {what: [] for what, _url, _counted in cases}  # [(size, median, p95), …] per case
    with test_database() as vendor:
        if vendor != "postgresql":
            largest = min(largest, SQLITE_MAX)
        producers = build_producers()
        built = 0
        client = Client()
        for size in sizes(largest):
            started = time.perf_counter()
            if vendor == "postgresql":
                grow_postgresql(producers, built, size)
            else:
                grow_sqlite(producers, built, size)
            print(
                f"  {size:,} products ({vendor}) built in {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )
            built = size
            if vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            cache.clear()  # no count kept from the smaller catalogue
            for _what, url, counted in cases:
                measure(client, url, counted)  # warm up caches and renditions
            samples = {what: [] for what, _url, _counted in cases}
            for _round in range(max(SAMPLES, support.ROUNDS)):  # every case, once a round
                for what, url, counted in cases:
                    samples[what].append(measure(client, url, counted))
            for what, seconds in samples.items():
                results[what].append((size, *percentiles(seconds)))
    rows = []
    for what, figures in results.items():
        size, median, p95 = figures[-1]
        growth = "; ".join(f"{s:,}: p95 {p:.1f} ms" for s, _, p in figures)
        first_p95 = figures[0][2]
        rows.append(
            (
                f"catalogue {what}, {size:,} products ({vendor})",
                f"p95 {p95:.1f} ms, median {median:.1f} ms",
                "ms",
                f"{growth} (×{p95 / first_p95:.2f} from {figures[0][0]:,}); "
                f"{max(SAMPLES, support.ROUNDS)} requests per case and size, cases alternating",
            )
        )
    return rows
