"""Catalogue search at 100,000 published products, on SQLite, or on PostgreSQL (a scratch
database beside the one DATABASE_URL names; `make bench` runs again there when it answers).

Each request goes through the whole Django stack (test client): form, filters, the count for
pagination, one page of 24 cards with their photos' renditions, the template. The ratios compare
a search with browsing the first page of the same catalogue, request by request in
alternation, in the same run."""

import io
import random
import statistics
from datetime import timedelta

from . import support
from .support import Ratios, alternate, percentiles, test_database

PRODUCTS = 100_000
PRODUCERS = 2_000
SAMPLES = 30  # requests per address, in alternating rounds
QUERIES = ["che shan tuyet", "mat ong", "que van yen", "gao seng cu", "mien dong", "xyz khong co"]

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
PLACES = ["Văn Chấn", "Suối Giàng", "Mù Cang Chải", "Bắc Hà", "Sa Pa", "Trạm Tấu", "Lục Yên"]


def build_catalogue():
    from django.core.management import call_command
    from django.utils import timezone

    from marketplace.models import Producer, Product
    from places.divisions import fold

    call_command("seed_demo", stdout=io.StringIO())
    rng = random.Random(7)  # noqa: S311 - test data
    producers = Producer.objects.bulk_create(
        Producer(
            name=f"Hộ {rng.choice(PLACES)} {n}",
            slug=f"bench-producer-{n}",
            province_code="15",
            commune_code="04672",
            verification=Producer.Verification.VERIFIED,
        )
        for n in range(PRODUCERS)
    )
    now = timezone.now()
    batch = []
    for n in range(PRODUCTS):
        category = rng.choice(list(WORDS))
        producer = producers[n % PRODUCERS]
        name = f"{rng.choice(WORDS[category])} {rng.choice(PLACES)} loại {n % 7 + 1}"
        unit = rng.choice(["gói 200 g", "hũ 500 ml", "túi 1 kg", "chiếc"])
        batch.append(
            Product(
                producer=producer,
                name=name,
                slug=f"bench-{n}",
                category=category,
                price=rng.randrange(20, 2000) * 1000,
                unit=unit,
                quantity_available=rng.randrange(1, 500),
                review_state=Product.Review.APPROVED,
                published_at=now - timedelta(minutes=n),
                search_text=fold(" ".join([name, producer.name, unit])),
            )
        )
        if len(batch) == 5_000:
            Product.objects.bulk_create(batch)
            batch = []
    Product.objects.bulk_create(batch)


def measure(client, url):
    """One whole request; its duration in seconds."""
    import time

    start = time.perf_counter()
    response = client.get(url)
    seconds = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return seconds


def run():
    from django.db import connection
    from django.test import Client

    rows = []
    with test_database() as vendor:
        build_catalogue()
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        client = Client()
        measure(client, "/san-pham/")  # warm up caches and renditions
        search_urls = [f"/san-pham/?q={query.replace(' ', '+')}" for query in QUERIES]

        def browsing(_round):
            return measure(client, "/san-pham/")

        def searching(_round):
            return (
                [measure(client, url) for url in search_urls],
                measure(client, "/san-pham/?q=mat+ong&category=honey&price_min=100000"),
            )

        # browse, every search, the filtered search; again, SAMPLES times
        browse, rounds = alternate(browsing, searching, rounds=max(SAMPLES, support.ROUNDS))
        searches = [seconds for round_searches, _ in rounds for seconds in round_searches]
        filtered = [seconds for _, seconds in rounds]
        search_ratios = Ratios([statistics.mean(s) for s, _ in rounds], browse)
        filtered_ratios = Ratios(filtered, browse)
        browse_median, _ = percentiles(browse)
        median, p95 = percentiles(searches)
        f_median, f_p95 = percentiles(filtered)
        size = f"{PRODUCTS:,} products, {vendor}"
        rows.append(
            (
                f"catalogue search `?q=` ({size})",
                f"median {median:.1f} ms, p95 {p95:.1f} ms",
                "ms",
                f"{search_ratios.median:.2f}× browsing the first page ({browse_median:.1f} ms), "
                f"{search_ratios.note()}; {len(QUERIES)} queries × {len(browse)}",
            )
        )
        rows.append(
            (
                f"catalogue search + category + price ({size})",
                f"median {f_median:.1f} ms, p95 {f_p95:.1f} ms",
                "ms",
                f"{filtered_ratios.median:.2f}× browsing the first page, {filtered_ratios.note()}",
            )
        )
    return rows
