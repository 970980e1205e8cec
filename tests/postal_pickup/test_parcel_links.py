"""/00/<sscc>, the link in a slip's QR code: the office's staff land on the job, anyone else
sees only the parcel's status; a bad or unknown SSCC gets the resolver's clear answer. And
the job's own page on a phone, with its slip."""

import io

import pytest

from accounts.roles import Role
from postal_pickup import services
from postal_pickup.models import PickupJob
from postal_pickup.sscc import build_sscc
from tests.traceability.test_labels import decode_pdf, page_text


@pytest.fixture
def job(office, seller_order):
    producer = seller_order.producer
    producer.phone = "+84912000003"
    producer.village = "Thôn Giàng A"
    producer.save()
    return services.create_job(seller_order)[0]


def link(job):
    return f"/00/{job.sscc}"


def test_the_offices_staff_land_on_the_job(client, job, postal_staff):
    client.force_login(postal_staff)
    response = client.get(link(job))
    assert response.status_code == 302
    assert response["Location"] == f"/buu-dien/{job.pk}/"


def test_moderators_land_on_the_job(client, job, moderator):
    client.force_login(moderator)
    assert client.get(link(job))["Location"] == f"/buu-dien/{job.pk}/"


@pytest.mark.parametrize("who", ["anonymous", "buyer", "other_office", "farmer"])
def test_anyone_else_sees_only_the_status_and_dates(
    client, job, who, make_user, make_office, producer_user
):
    if who == "buyer":
        client.force_login(make_user())
    if who == "other_office":
        other = make_user(Role.POSTAL_STAFF)
        make_office("HN01", communes=["00004"], staff=[other])
        client.force_login(other)
    if who == "farmer":
        client.force_login(producer_user)
    response = client.get(link(job))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-status="waiting"' in page
    assert job.pickup_date.strftime("%d/%m/%Y") in page
    order = job.seller_order.order
    producer = job.seller_order.producer
    private = [
        producer.name,
        "0912",
        "Thôn Giàng A",
        order.buyer_name,
        order.buyer_phone[-6:],
        order.street,
        order.number,
    ]
    assert [text for text in private if text and text in page] == []
    assert "no-store" in response["Cache-Control"]


def test_the_status_page_follows_the_job(client, job, postal_staff):
    services.mark_picked_up(job, postal_staff, 1, 900)
    page = client.get(link(job)).content.decode()
    assert 'data-status="picked_up"' in page


def test_a_wrong_check_digit_is_a_clear_400(client, job):
    wrong = job.sscc[:-1] + str((int(job.sscc[-1]) + 1) % 10)
    response = client.get(f"/00/{wrong}")
    assert response.status_code == 400
    assert "Một chữ số của mã kiện hàng" in response.content.decode()
    response = client.get(f"/00/{wrong}", HTTP_ACCEPT="application/json")
    assert response.json()["error"] == "bad_check_digit"
    assert job.sscc[-1] in response.json()["message"]


@pytest.mark.parametrize("path", ["/00/12345", "/00/", "/00/08939999000000001x", "/00/a/b"])
def test_a_malformed_sscc_is_a_400(client, path):
    response = client.get(path, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "bad_length"


def test_an_unknown_sscc_is_a_404(client, job, settings):
    unknown = build_sscc(999_999, settings.GS1_COMPANY_PREFIX)
    response = client.get(f"/00/{unknown}")
    assert response.status_code == 404
    assert "Không có kiện hàng nào" in response.content.decode()


def test_other_keys_still_get_unsupported_key(client):
    response = client.get("/414/8939999000008", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_key"


def test_traceability_never_imports_postal_pickup():
    """postal_pickup registers its key with the resolver; traceability names no postal code."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    importing = [
        str(path.relative_to(root))
        for path in (root / "traceability").rglob("*.py")
        if re.search(r"^\s*(from|import)\s+postal_pickup\b", path.read_text(), re.M)
    ]
    assert importing == []


# --- the job's page -------------------------------------------------------------------------


def test_the_job_page_shows_the_parcel_and_the_buttons(client, job, postal_staff):
    client.force_login(postal_staff)
    response = client.get(f"/buu-dien/{job.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    order = job.seller_order.order
    assert job.seller_order.producer.name in page and "Thôn Giàng A" in page
    assert 'href="tel:0912000003"' in page
    assert order.buyer_name in page
    assert job.seller_order.lines.first().product_name in page
    assert f"/buu-dien/{job.pk}/da-lay/" in page and f"/buu-dien/{job.pk}/khong-lay-duoc/" in page
    assert f"/buu-dien/{job.pk}/phieu-gui.pdf" in page
    assert "Chờ lấy hàng" in page or "Waiting" in page  # the history's first step


def test_a_collected_job_has_no_pickup_buttons(client, job, postal_staff):
    services.mark_picked_up(job, postal_staff, 1, 900)
    client.force_login(postal_staff)
    page = client.get(f"/buu-dien/{job.pk}/").content.decode()
    assert f"/buu-dien/{job.pk}/da-lay/" not in page


def test_a_cancelled_job_tells_the_staff_not_to_collect_it(client, job, postal_staff, moderator):
    from marketplace.checkout import cancel_order

    client.force_login(postal_staff)
    page = client.get(f"/buu-dien/{job.pk}/").content.decode()
    assert "Đơn hàng này đã bị huỷ" not in page
    cancel_order(job.seller_order.order, actor=moderator, reason="Khách đổi ý")
    page = client.get(f"/buu-dien/{job.pk}/").content.decode()
    assert "Đơn hàng này đã bị huỷ: không lấy kiện hàng này." in page
    assert f"/buu-dien/{job.pk}/da-lay/" not in page


def test_the_job_page_fits_a_phone_without_javascript(client, job, postal_staff):
    client.force_login(postal_staff)
    page = client.get(f"/buu-dien/{job.pk}/").content.decode()
    assert 'name="viewport"' in page
    assert "<script" not in page.split("</header>", 1)[-1].split("<footer", 1)[0]


@pytest.mark.parametrize("suffix", ["", "phieu-gui.pdf"])
def test_staff_of_another_office_never_get_the_job_or_its_slip(
    client, job, make_office, make_user, suffix
):
    other = make_user(Role.POSTAL_STAFF)
    make_office("HN01", communes=["00004"], staff=[other])
    client.force_login(other)
    assert client.get(f"/buu-dien/{job.pk}/{suffix}").status_code in (403, 404)


def test_the_slip_is_an_a6_page_whose_code_opens_the_job(client, job, postal_staff):
    client.force_login(postal_staff)
    response = client.get(f"/buu-dien/{job.pk}/phieu-gui.pdf")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(io.BytesIO(data))
    width, height = document[0].get_size()
    document.close()
    assert (round(width), round(height)) == (298, 420)  # A6 in points
    ((code,),) = decode_pdf(data, dpi=200)
    assert code.endswith(link(job))
    (text,) = page_text(data)
    order = job.seller_order.order
    assert order.number in text and order.buyer_name in text
    assert job.seller_order.producer.name in text and "0912 000 003" in text
    assert "Thu hộ (COD)" in text and f"(00) {job.sscc}" in text
    assert client.get(code.removeprefix("http://127.0.0.1:8000"))["Location"] == (
        f"/buu-dien/{job.pk}/"
    )


def test_a_job_never_made_is_a_404(client, postal_staff):
    client.force_login(postal_staff)
    assert client.get(f"/buu-dien/{PickupJob.objects.count() + 99}/").status_code == 404
