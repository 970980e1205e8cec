"""The GS1 Digital Link resolver as a buyer's phone and a machine see it."""

import json
from datetime import date, datetime

import pytest
from django.core import mail  # noqa: F401  (notifications may e-mail moderators)
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.images import get_image_model

from accounts.models import Notification
from growing_areas.models import Certification, GrowingArea
from marketplace.models import ProductPhoto
from traceability import epcis, printing, scans, services
from traceability.models import Label, Scan

from .conftest import GTIN, pdf_upload, photo_upload

GTIN13 = GTIN[1:]
PHONE = "Mozilla/5.0 (Linux; Android 10; Redmi 9A) AppleWebKit/537.36 Chrome/120 Mobile Safari"


def label_path(label):
    return f"/01/{GTIN}/10/{label.batch.lot}/21/{label.serial}"


def get(client, path, **extra):
    extra.setdefault("HTTP_USER_AGENT", PHONE)
    extra.setdefault("HTTP_ACCEPT_LANGUAGE", "vi")
    return client.get(path, **extra)


@pytest.fixture
def scan(client):
    """scan(path, **extra): a buyer's view of a label, its scan counted by the drain that runs
    after it (before the next view, as beat's minute would)."""

    def view(path, **extra):
        page = get(client, path, **extra).content.decode()
        scans.drain_scans()
        return page

    return view


@pytest.fixture
def processed(batch, producer_user):
    """The batch withered, rolled, inspected with a certificate and packed."""
    now = timezone.now()
    for kind in ("withering", "rolling"):
        services.record_event(
            batch,
            kind=kind,
            occurred_at=now,
            by=producer_user,
            place="Xưởng chè Suối Giàng",
            photos=[photo_upload()],
        )
    services.record_event(
        batch,
        kind="inspection",
        occurred_at=now,
        by=producer_user,
        certificate_number="KN-2026-0315",
        documents=[pdf_upload()],
    )
    services.record_event(batch, kind="packing", occurred_at=now, by=producer_user)
    return batch


def test_label_page_shows_the_provenance_and_records_a_scan(client, processed, label):
    response = get(client, label_path(label), REMOTE_ADDR="113.161.42.7")
    scans.drain_scans()  # then the minute's drain counts the scan
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Chè Shan Tuyết Suối Giàng",
        "L260315-1",
        "HTX Chè Shan Tuyết Văn Chấn",
        label.batch.growing_area.code,
        "KN-2026-0315",
        '<path d="M',  # the growing area's outline (growing_areas.outline)
        "15/03/2026",
    ):
        assert text in page
    assert 'role="alert"' not in page
    assert "Chưa từng được quét trước lần này" in page
    scan = Scan.objects.get()
    assert (scan.label, scan.outcome, scan.browser_family) == (label, "genuine", "Chrome")
    stored = " ".join(str(v) for v in Scan.objects.values().get().values())
    assert "113.161" not in stored and "113.161.42" not in stored
    label.refresh_from_db()
    assert label.scan_count == 1 and label.first_scanned_at is not None
    assert "Đã quét 1 lần" in get(client, label_path(label)).content.decode()
    assert response["Access-Control-Allow-Origin"] == "*"
    assert 'rel="linkset"' in response["Link"]


def test_page_language_follows_accept_language(client, label):
    english = get(client, label_path(label), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    vietnamese = get(client, label_path(label), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Where it grew" in english
    assert "Nơi trồng" in vietnamese


def test_head_and_options_work_and_record_no_scan(client, label):
    head = client.head(label_path(label))
    assert head.status_code == 200 and head["Access-Control-Allow-Origin"] == "*"
    options = client.options(label_path(label))
    assert options.status_code == 204
    assert "GET" in options["Allow"] and "OPTIONS" in options["Access-Control-Allow-Methods"]
    assert not Scan.objects.exists()
    assert client.post(label_path(label)).status_code == 405


def test_a_13_digit_gtin_redirects_to_14_digits(client, label):
    response = get(client, f"/01/{GTIN13}/10/{label.batch.lot}/21/{label.serial}?linkType=all")
    assert response.status_code == 301
    assert response["Location"] == f"{label_path(label)}?linkType=all"
    assert not Scan.objects.exists()


@pytest.mark.parametrize(
    ("path", "words"),
    [
        (f"/01/{GTIN[:-1]}8/10/L260315-1", "8"),  # bad check digit: says the expected one
        (f"/01/{GTIN}/21/ABC/10/L260315-1", "(22) / (10) / (21)"),
        (f"/01/{GTIN}/10/L%C3%B4", "ô"),
        (f"/01/{GTIN}/10/A/10/B", "(10)"),
        (f"/01/{GTIN}/99/X", "99"),
    ],
)
def test_invalid_addresses_get_400_with_an_explanation(client, batch, path, words):
    response = get(client, path)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert response["Access-Control-Allow-Origin"] == "*"
    as_json = get(client, path, HTTP_ACCEPT="application/json")
    assert as_json.status_code == 400 and json.loads(as_json.content)["error"]


def test_linkset_by_accept_header_and_by_link_type(client, processed, label, settings):
    settings.SITE_URL = "https://chophien.vn"
    by_header = get(client, label_path(label), HTTP_ACCEPT="application/linkset+json")
    by_query = get(client, label_path(label) + "?linkType=linkset")
    for response in (by_header, by_query):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/linkset+json"
        linkset = json.loads(response.content)["linkset"][0]
        assert linkset["anchor"] == "https://chophien.vn" + label_path(label)
        assert linkset["https://gs1.org/voc/defaultLink"][0]["href"] == linkset["anchor"]
        assert linkset["https://gs1.org/voc/pip"][0]["href"].endswith(
            f"/{label.batch.product.slug}/"
        )
        assert "/epcis/events?gtin=" in linkset["https://gs1.org/voc/epcis"][0]["href"]
        assert linkset["https://gs1.org/voc/certificationInfo"][0]["href"].endswith(".pdf")
    assert not Scan.objects.exists()  # machines reading links are not buyers scanning


@pytest.mark.parametrize("link_type", ["gs1:epcis", "https://gs1.org/voc/epcis"])
def test_link_type_redirects_to_that_link(client, label, link_type):
    response = get(client, label_path(label), data={"linkType": link_type})
    assert response.status_code == 302
    assert "/epcis/events?gtin=" in response["Location"]


def test_resolver_description(client):
    response = client.get("/.well-known/gs1resolver")
    data = json.loads(response.content)
    assert response.status_code == 200 and data["supportedPrimaryKeys"] == ["01"]
    assert data["resolverRoot"]


def test_less_specific_addresses_answer_with_the_lot_and_the_product(client, label):
    lot_page = get(client, f"/01/{GTIN}/10/{label.batch.lot}")
    assert lot_page.status_code == 200 and "L260315-1" in lot_page.content.decode()
    product_page = get(client, f"/01/{GTIN}")
    assert product_page.status_code == 200
    assert "Chè Shan Tuyết Suối Giàng" in product_page.content.decode()
    assert f"/01/{GTIN}/10/L260315-1" in product_page.content.decode()
    serial_only = get(client, f"/01/{GTIN}/21/{label.serial}")
    assert serial_only.status_code == 302 and serial_only["Location"] == label_path(label)
    assert not Scan.objects.exists()


def test_unknown_products_are_404_and_unknown_lots_fall_back_to_the_product(client, batch):
    # GS1-Conformant Resolver 1.1: with nothing for the lot, answer for the less specific key.
    assert get(client, "/01/08934588012228").status_code == 404
    response = get(client, f"/01/{GTIN}/10/NOSUCHLOT/21/ABCDEFGHJKMN")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Chè Shan Tuyết Suối Giàng" in page and f"/01/{GTIN}/10/L260315-1" in page
    assert 'role="alert"' in page and "không có lô hàng nào mã NOSUCHLOT" in page
    assert Scan.objects.get().outcome == "unknown_lot"


def test_a_serial_never_issued_shows_the_lot_under_a_warning(client, label):
    response = get(client, f"/01/{GTIN}/10/{label.batch.lot}/21/ZZZZZZZZZZZZ")
    page = response.content.decode()
    assert response.status_code == 200
    assert "không phải tem thật" in page
    assert "L260315-1" in page and "Chè Shan Tuyết Suối Giàng" in page
    scan = Scan.objects.get()
    assert scan.outcome == "unknown_serial" and scan.label is None


def test_a_voided_label_warns(client, label, run):
    printing.void_label(label, "Tem bị rách")
    assert "đã bị nhà sản xuất hủy" in get(client, label_path(label)).content.decode()
    other = run.labels.exclude(pk=label.pk).first()
    assert 'role="alert"' not in get(client, label_path(other)).content.decode()
    assert printing.void_run(run, "Mất tập tem") == 4
    # from another network: a repeat from the same one within minutes is not logged again
    page = get(client, label_path(other), REMOTE_ADDR="27.72.3.1").content.decode()
    assert "đã bị nhà sản xuất hủy" in page
    assert Scan.objects.filter(outcome="voided").count() == 2


def test_too_many_scans_warns_and_flags_the_label_once(scan, label, settings, moderator):
    # Scans are counted by the drain after the page is sent, so a view shows the scans before it.
    settings.TRACEABILITY_MAX_SCANS_PER_LABEL = 3
    for n in range(4):
        assert 'role="alert"' not in scan(label_path(label), REMOTE_ADDR=f"27.72.{n}.1")
    assert "được quét 4 lần" in scan(label_path(label))
    scan(label_path(label), REMOTE_ADDR="27.72.9.1")
    label.refresh_from_db()
    assert label.flagged_at and label.flag_reason == "too_many_scans"
    assert Notification.objects.filter(recipient=moderator).count() == 1


def test_too_many_networks_warns(scan, label, settings):
    settings.TRACEABILITY_MAX_NETWORKS_PER_LABEL = 2
    for address in ["14.160.1.5", "14.160.1.9", "27.72.3.1", "2402:800::1"]:
        scan(label_path(label), REMOTE_ADDR=address)
    page = scan(label_path(label), REMOTE_ADDR="27.72.3.1")
    label.refresh_from_db()
    assert label.network_count == 3  # 14.160.1.x is one /24 network
    assert "ở 3 nơi khác nhau" in page


@pytest.mark.parametrize(
    ("status", "word"),
    [(GrowingArea.Status.SUSPENDED, "tạm ngừng"), (GrowingArea.Status.REVOKED, "thu hồi")],
)
def test_a_growing_area_suspended_later_is_shown(client, label, moderator, status, word):
    label.batch.growing_area.change_status(status, reason="Kiểm tra dư lượng", by=moderator)
    page = get(client, label_path(label)).content.decode()
    assert "Vùng trồng" in page and word in page


_networks = iter(range(1, 250))


def page_queries(client, path, cold=False):
    """Queries and bytes of one view of ``path`` from a network that has not scanned it yet
    (so the scan is written); ``cold`` drops the cached timeline first."""
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = get(client, path, REMOTE_ADDR=f"14.161.{next(_networks)}.7")
    assert response.status_code == 200
    return len(queries), len(response.content)


def test_provenance_page_runs_a_fixed_number_of_queries_and_is_light(
    client, batch, run, producer_user
):
    label = run.labels.first()
    image = get_image_model().objects.create(title="Chè", file=photo_upload())
    ProductPhoto.objects.create(product=batch.product, image=image)
    services.record_event(
        batch, kind="drying", occurred_at=timezone.now(), by=producer_user, photos=[photo_upload()]
    )
    get(client, label_path(label))  # the first view makes the photo renditions
    small_cold, _ = page_queries(client, label_path(label), cold=True)
    small, small_size = page_queries(client, label_path(label))
    for n in range(12):
        services.record_event(
            batch,
            kind="rolling",
            occurred_at=timezone.now(),
            by=producer_user,
            note=f"Lần {n}",
            photos=[photo_upload(), photo_upload()],
        )
    services.record_event(
        batch,
        kind="inspection",
        occurred_at=timezone.now(),
        by=producer_user,
        documents=[pdf_upload(), pdf_upload()],
    )
    get(client, label_path(label))
    large_cold, _ = page_queries(client, label_path(label), cold=True)
    large, large_size = page_queries(client, label_path(label))
    # a warm label page is kept whole: its one statement is the scan's INSERT, which checks
    # "has this network just scanned it?" itself
    assert small == large == 1
    # with an empty cache: product (with its price and its first photo's id), batch with its
    # newest event's id, label, the scan, the site and its settings; then the events, their
    # attachments, the photos' renditions, the product photo and its renditions, the
    # certifications and the catalogue page once
    assert small_cold == large_cold == 6 + 7
    assert large_size > small_size
    assert large_size <= 100 * 1024


def test_the_cached_timeline_follows_new_steps_and_the_language(client, label, producer_user):
    lot_path = f"/01/{GTIN}/10/{label.batch.lot}"
    assert "Hành trình của lô hàng" in get(client, label_path(label)).content.decode()
    assert (
        "What happened to it" in get(client, lot_path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    services.record_event(
        label.batch,
        kind="packing",
        occurred_at=timezone.now(),
        by=producer_user,
        note="Đóng gói túi 200 g",
        photos=[photo_upload()],
    )
    for path in (label_path(label), lot_path):
        page = get(client, path).content.decode()
        assert "Đóng gói túi 200 g" in page and "<img" in page
    english = get(client, label_path(label), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Packing" in english and "Hành trình của lô hàng" not in english
    # the label views only, and from one network within minutes they are one scan
    assert Scan.objects.count() == 1


def test_epcis_export_validates_with_format_checking(client, processed):
    response = client.get(f"/epcis/events?gtin={GTIN}&lot=L260315-1")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    document = json.loads(response.content)
    assert epcis.validation_errors(document) == []
    events = document["epcisBody"]["eventList"]
    assert [e["bizStep"] for e in events][:1] == ["commissioning"]
    assert events[0]["ilmd"]["cbvmda:lotNumber"] == "L260315-1"
    inspection = next(e for e in events if e["bizStep"] == "inspecting")
    assert inspection["certificationInfo"][0].endswith(".pdf")


def test_epcis_export_refuses_bad_queries(client, batch):
    assert client.get("/epcis/events?gtin=123&lot=L1").status_code == 400
    assert client.get(f"/epcis/events?gtin={GTIN}&lot=L%C3%B4").status_code == 400
    assert client.get(f"/epcis/events?gtin={GTIN}&lot=NOPE").status_code == 404


def test_scan_hashes_depend_on_the_network_not_the_host():
    assert scans.network_hash("14.160.1.5") == scans.network_hash("14.160.1.200")
    assert scans.network_hash("14.160.1.5") != scans.network_hash("14.160.2.5")
    assert scans.network_hash("2402:800:1:2::1") == scans.network_hash("2402:800:1:ff::9")
    assert "14.160" not in scans.network_hash("14.160.1.5")


@pytest.mark.parametrize(
    ("agent", "family"),
    [
        (
            "Mozilla/5.0 (Linux; Android 11) AppleWebKit Chrome/118 Mobile Safari Zalo android",
            "Zalo",
        ),
        ("Mozilla/5.0 (iPhone) AppleWebKit Version/17.0 Mobile Safari/604.1", "Safari"),
        ("Mozilla/5.0 (Windows NT 10.0) Chrome/120 Safari/537.36 coc_coc_browser/118", "Cốc Cốc"),
        ("facebookexternalhit/1.1", "bot"),
        ("", "other"),
    ],
)
def test_browser_family(agent, family):
    assert scans.browser_family(agent) == family


def test_labels_are_unique_serials(run):
    serials = list(Label.objects.values_list("serial", flat=True))
    assert len(serials) == len(set(serials)) == 5


def test_a_lot_with_a_slash_resolves_from_the_raw_path(client, tea, area):
    from datetime import date
    from decimal import Decimal

    from traceability.models import Batch

    batch = services.record_batch(
        product=tea,
        growing_area=area,
        lot="L-26-A",
        harvest_date=date(2026, 3, 15),
        quantity=Decimal(5),
        unit="kg",
    )
    # new lots may not hold "/" any more; one recorded before that rule keeps resolving
    Batch.objects.filter(pk=batch.pk).update(lot="L/26-A")
    batch.refresh_from_db()
    label = printing.issue_labels(batch, 1, "a4-50x50", build=False).labels.get()
    assert label.path == f"/01/{GTIN}/10/L%2F26-A/21/{label.serial}"
    # gunicorn passes the path as sent in RAW_URI, so %2F stays inside the lot
    response = get(client, label.path, RAW_URI=label.path)
    assert response.status_code == 200 and "L/26-A" in response.content.decode()
    assert Scan.objects.get().label == label


def test_link_previews_are_recorded_but_not_counted(scan, label, settings):
    settings.TRACEABILITY_MAX_SCANS_PER_LABEL = 2
    settings.TRACEABILITY_MAX_NETWORKS_PER_LABEL = 2
    # the label URL shared in chats: preview robots fetch it, one of them on the buyer's network
    for address in ["127.0.0.1", "31.13.1.1", "31.13.2.1", "31.13.3.1", "31.13.4.1"]:
        scan(label_path(label), REMOTE_ADDR=address, HTTP_USER_AGENT="facebookexternalhit/1.1")
    label.refresh_from_db()
    assert (label.scan_count, label.network_count, label.flagged_at) == (0, 0, None)
    assert Scan.objects.filter(browser_family="bot").count() == 5
    # the buyer, right after the preview on the same network
    assert 'role="alert"' not in scan(label_path(label))
    label.refresh_from_db()
    assert (label.scan_count, label.network_count) == (1, 1)


def test_label_pages_are_not_kept_in_shared_caches(client, label):
    cache_control = get(client, label_path(label))["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_the_provenance_page_shows_photo_price_and_the_areas_certifications(client, label):
    product, area = label.batch.product, label.batch.growing_area
    image = get_image_model().objects.create(title="Chè", file=photo_upload())
    ProductPhoto.objects.create(product=product, image=image)
    Certification.objects.create(
        area=area, scheme="vietgap", number="VG-2025-118", valid_until=date(2099, 6, 30)
    )
    Certification.objects.create(
        area=area, scheme="organic", number="HC-2019-07", valid_until=date(2020, 1, 31)
    )
    for path in (label_path(label), f"/01/{GTIN}/10/{label.batch.lot}", f"/01/{GTIN}"):
        page = get(client, path).content.decode()
        assert 'class="trace-cover"' in page and "<img" in page
        assert "450.000\u00a0₫" in page and "gói 200 g" in page
    for path in (label_path(label), f"/01/{GTIN}/10/{label.batch.lot}"):
        page = get(client, path).content.decode()
        assert "VietGAP VG-2025-118" in page and "còn hiệu lực đến 30/06/2099" in page
        assert "HC-2019-07" in page and "hết hạn ngày 31/01/2020" in page


def test_the_harvest_shows_its_date_without_a_time_the_farmer_never_entered(
    client, label, producer_user
):
    # the batch form asks for a harvest date only; a step's form asks for date and time
    services.record_event(
        label.batch,
        kind="packing",
        occurred_at=timezone.make_aware(datetime(2026, 3, 18, 14, 30)),
        by=producer_user,
    )
    page = get(client, label_path(label)).content.decode()
    assert '<time datetime="2026-03-15">15/03/2026</time>' in page
    assert "15/03/2026 07:00" not in page
    assert "18/03/2026 14:30" in page


@pytest.mark.parametrize(
    ("path", "plain", "rule"),
    [
        (f"/01/{GTIN[:-1]}8/10/L260315-1", "Một chữ số trong mã sản phẩm", "bad_check_digit"),
        ("/414/9520123456788", "không phải tem sản phẩm", "unsupported_key"),
        (f"/01/{GTIN}/21/ABC/10/L1", "bị hỏng hoặc bị gõ sai", "qualifier_order"),
    ],
)
def test_an_invalid_label_page_speaks_plain_vietnamese(client, batch, path, plain, rule):
    response = get(client, path)
    page = response.content.decode()
    assert response.status_code == 400
    assert plain in page and rule not in page
    # machines still get the rule's name
    assert json.loads(get(client, path, HTTP_ACCEPT="application/json").content)["error"] == rule
