"""The morning pickup lists: one per office and day, one row per job in route order, whatever
repeats or dies half-way; who is told; the list PDF and slips drawn by a worker with progress,
every QR code on them opening its own job; the CSV with the same rows."""

import csv
import datetime
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.models import Notification
from accounts.roles import Role
from marketplace.checkout import cancel_order
from marketplace.models import SellerOrder
from postal_pickup import documents, pickup_lists, services
from postal_pickup.models import PickupJob, PickupList, PickupListRow
from postal_pickup.tasks import draw_up_todays_lists, requeue_stale_list_pdfs
from tests.traceability.test_labels import decode_pdf, page_text

DAY = datetime.date(2026, 12, 10)  # a Thursday
YESTERDAY = DAY - timedelta(days=1)
SUNDAY = datetime.date(2026, 12, 13)


@pytest.fixture
def farm(make_producer, make_user, make_product, place):
    """farm(name, village) -> its job, due on DAY, for a new farmer in Văn Chấn."""

    def make(name, village, day=DAY, phone="+84912000001"):
        farmer = make_user(Role.PRODUCER, full_name=name)
        producer = make_producer(members=[farmer], name=name, village=village, phone=phone)
        order = place([(make_product(producer, photos=0), 1)])
        job = services.create_job(order.seller_orders.get())[0]
        PickupJob.objects.filter(pk=job.pk).update(pickup_date=day)
        job.refresh_from_db()
        return job

    return make


@pytest.fixture
def jobs(office, farm):
    return [
        farm("Hộ Vàng A Sử", "Thôn Giàng B"),
        farm("Hộ Lò Thị Mai", "Thôn Giàng A"),
        farm("Hộ Giàng A Chớ", "Thôn Giàng A"),
    ]


def read(field):
    with field.open("rb") as opened:
        return opened.read()


def _rows(pickup_list):
    return list(pickup_list.rows.order_by("position").values_list("job_id", flat=True))


# --- drawing up -----------------------------------------------------------------------------


def test_the_list_has_a_row_per_job_village_by_village(jobs, office):
    (pickup_list,) = pickup_lists.draw_up_all(DAY)
    assert (pickup_list.office, pickup_list.day) == (office, DAY)
    # Thôn Giàng A before Thôn Giàng B; in a village, by the farmer's name
    assert _rows(pickup_list) == [jobs[2].pk, jobs[1].pk, jobs[0].pk]
    assert list(pickup_list.rows.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
        3,
    ]


def test_drawing_up_twice_leaves_one_list_one_row_per_job_and_tells_nobody_twice(jobs):
    before = Notification.objects.count()  # placing the orders told the farmers
    pickup_lists.draw_up_all(DAY)
    told = Notification.objects.count()
    assert told - before == 4  # the office's staff member and three farmers
    pickup_lists.draw_up_all(DAY)
    assert PickupList.objects.count() == 1
    assert PickupListRow.objects.count() == 3
    assert Notification.objects.count() == told


def test_a_worker_killed_half_way_leaves_nothing_half_made(jobs, monkeypatch):
    def die(pickup_list):
        raise SystemExit("worker killed")

    before = Notification.objects.count()
    monkeypatch.setattr(pickup_lists, "_tell", die)
    with pytest.raises(SystemExit):
        pickup_lists.draw_up_all(DAY)
    assert PickupList.objects.count() == 0 and PickupListRow.objects.count() == 0
    monkeypatch.undo()
    pickup_lists.draw_up_all(DAY)
    pickup_lists.draw_up_all(DAY)
    assert PickupList.objects.count() == 1
    assert PickupListRow.objects.count() == 3
    assert Notification.objects.count() - before == 4


def test_a_job_failed_yesterday_rolls_onto_todays_list(office, postal_staff, farm):
    failed = farm("Hộ Sùng A Páo", "Thôn Giàng A", day=YESTERDAY)
    tomorrow = farm("Hộ Thào A Lử", "Thôn Giàng A", day=DAY + timedelta(days=1))
    yesterday_noon = timezone.make_aware(datetime.datetime(2026, 12, 9, 12))
    services.mark_failed(
        failed, postal_staff, services.FailureReason.FARMER_AWAY, now=yesterday_noon
    )
    failed.refresh_from_db()
    assert failed.pickup_date == DAY
    (pickup_list,) = pickup_lists.draw_up_all(DAY)
    assert _rows(pickup_list) == [failed.pk]
    assert tomorrow.pk not in _rows(pickup_list)


def test_a_job_added_later_joins_the_list_in_route_order(jobs, farm):
    (pickup_list,) = pickup_lists.draw_up_all(DAY)
    late = farm("Hộ A Páo", "Thôn Giàng A")
    pickup_list, added = pickup_lists.draw_up(pickup_list.office, DAY)
    assert added == 1
    assert _rows(pickup_list) == [late.pk, jobs[2].pk, jobs[1].pk, jobs[0].pk]
    assert (
        Notification.objects.filter(
            recipient__full_name="Hộ A Páo", subject__contains="10/12"
        ).count()
        == 1
    )


def test_no_list_on_a_day_off(office, farm):
    farm("Hộ Vàng A Sử", "Thôn Giàng B", day=SUNDAY)
    assert pickup_lists.draw_up_all(SUNDAY) == []
    assert PickupList.objects.count() == 0


def test_staff_and_farmers_are_told_the_day_in_vietnamese(jobs, postal_staff):
    with translation.override("en"):
        pickup_lists.draw_up_all(DAY)
    farmer = jobs[0].seller_order.producer.members.get()
    (message,) = Notification.objects.filter(recipient=farmer, subject__startswith="Bưu điện")
    assert message.subject == "Bưu điện sẽ đến lấy hàng ngày 10/12"
    assert jobs[0].seller_order.order.number in message.body
    (staff_message,) = Notification.objects.filter(recipient=postal_staff)
    assert "10/12" in staff_message.subject and "3" in staff_message.body


def test_the_morning_task_draws_up_todays_lists(jobs, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: DAY)
    assert draw_up_todays_lists() == 1
    assert PickupList.objects.get().day == DAY


def test_the_morning_task_runs_at_the_list_hour():
    from django.conf import settings

    schedule = settings.CELERY_BEAT_SCHEDULE["postal-pickup-draw-up-lists"]["schedule"]
    assert schedule.hour == {settings.POSTAL_LIST_HOUR}
    assert schedule.minute == {0}
    assert settings.CELERY_TIMEZONE == "Asia/Ho_Chi_Minh"


def test_a_job_of_another_office_or_for_the_moderators_is_not_on_the_list(jobs, farm, make_office):
    other = make_office("HN01", communes=["00004"])
    moved = farm("Hộ khác", "Thôn X")
    PickupJob.objects.filter(pk=moved.pk).update(office=other)
    queued = farm("Hộ chờ", "Thôn Y")
    PickupJob.objects.filter(pk=queued.pk).update(needs_moderator=True)
    lists = {item.office.code: _rows(item) for item in pickup_lists.draw_up_all(DAY)}
    assert sorted(lists["VC01"]) == sorted(job.pk for job in jobs)
    assert lists["HN01"] == [moved.pk]


# --- printing -------------------------------------------------------------------------------


@pytest.fixture
def drawn(jobs):
    return pickup_lists.draw_up_all(DAY, tell=False)[0]


def test_the_list_pdf_and_slips_decode_to_their_jobs(
    client, drawn, jobs, postal_staff, django_capture_on_commit_callbacks
):
    SellerOrder.objects.filter(pk=jobs[1].seller_order_id).update(status=SellerOrder.Status.PACKED)
    with django_capture_on_commit_callbacks(execute=True):
        pickup_lists.request_print(drawn)
    drawn.refresh_from_db()
    assert drawn.status == PickupList.Status.DONE and drawn.progress == drawn.total == 6
    client.force_login(postal_staff)
    for field in (drawn.pdf, drawn.slips_pdf):
        codes = [code for page in decode_pdf(read(field), dpi=200) for code in page]
        assert sorted(codes) == sorted(documents.parcel_url(job.sscc) for job in jobs)
        for code in codes:
            response = client.get(code.removeprefix("http://127.0.0.1:8000"))
            job = PickupJob.objects.get(sscc=code.rsplit("/", 1)[1])
            assert response.status_code == 302
            assert response["Location"] == f"/buu-dien/{job.pk}/"
    text = " ".join(page_text(read(drawn.pdf)))
    for job in jobs:
        assert job.seller_order.producer.name in text
    assert "Chữ ký người gửi" in text
    assert "Đã đóng gói" in text and "Chưa đóng gói" in text
    assert "Tổng cộng: 3 điểm lấy hàng, 3 kiện" in text
    cod = sum(job.cod_amount for job in jobs)
    assert f"Tiền thu hộ khi giao: {cod:,} ₫".replace(",", ".") in text
    slips = " ".join(page_text(read(drawn.slips_pdf)))
    receiver = jobs[0].seller_order.order
    assert receiver.buyer_name in slips and "(00) " + jobs[0].sscc in slips


def test_the_csv_has_the_same_rows_as_the_list(client, drawn, jobs, postal_staff):
    client.force_login(postal_staff)
    response = client.get(f"/buu-dien/bang-ke/{drawn.pk}/bang-ke.csv")
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == documents.CSV_HEADER
    expected = [
        (str(row.position), row.job.sscc, row.job.seller_order.producer.name)
        for row in drawn.rows.order_by("position")
    ]
    assert [(row[0], row[7], row[3]) for row in rows[1:]] == expected
    assert {row[10] for row in rows[1:]} == {"chưa"}


def test_the_progress_page_refreshes_until_the_pdf_is_ready(
    client, drawn, postal_staff, django_capture_on_commit_callbacks
):
    client.force_login(postal_staff)
    page = f"/buu-dien/bang-ke/{drawn.pk}/"
    assert 'http-equiv="refresh"' not in client.get(page).content.decode()
    assert client.get(page + "bang-ke.pdf").status_code == 404
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(page + "in/")
    assert response.status_code == 302 and len(queued) == 1
    drawn.refresh_from_db()
    assert drawn.status == PickupList.Status.QUEUED
    waiting = client.get(page).content.decode()
    assert 'http-equiv="refresh"' in waiting and "<progress" in waiting
    with django_capture_on_commit_callbacks(execute=False) as again:
        client.post(page + "in/")
    assert again == []  # a second tap queues nothing more
    queued[0]()
    done = client.get(page).content.decode()
    assert 'http-equiv="refresh"' not in done and "bang-ke.pdf" in done
    response = client.get(page + "bang-ke.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    response = client.get(page + "phieu-gui.pdf")
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_building_twice_changes_nothing(drawn):
    pickup_lists.request_print(drawn)
    first = pickup_lists.build_pdfs(drawn.pk)
    second = pickup_lists.build_pdfs(drawn.pk)
    assert (second.pdf.name, second.finished_at) == (first.pdf.name, first.finished_at)


def test_a_failed_drawing_is_recorded_and_can_be_tried_again(drawn, monkeypatch):
    pickup_lists.request_print(drawn)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(documents, "render_slip_sheets", broken)
    with pytest.raises(OSError):
        pickup_lists.build_pdfs(drawn.pk)
    drawn.refresh_from_db()
    assert drawn.status == PickupList.Status.FAILED and "disk full" in drawn.error
    assert not drawn.pdf
    monkeypatch.undo()
    pickup_lists.request_print(drawn)
    assert pickup_lists.build_pdfs(drawn.pk).status == PickupList.Status.DONE


def test_a_stop_added_after_printing_makes_the_list_print_again(drawn, farm):
    pickup_lists.request_print(drawn)
    pickup_lists.build_pdfs(drawn.pk)
    farm("Hộ A Páo", "Thôn Giàng A")
    pickup_list, _added = pickup_lists.draw_up(drawn.office, DAY, tell=False)
    assert pickup_list.status == PickupList.Status.NEW and not pickup_list.pdf


def test_the_sweep_sends_again_the_lists_a_killed_worker_left(drawn):
    pickup_lists.request_print(drawn)
    PickupList.objects.filter(pk=drawn.pk).update(
        status=PickupList.Status.BUILDING,
        started_at=timezone.now() - timedelta(minutes=10),
        heartbeat_at=timezone.now() - timedelta(minutes=10),
    )
    assert requeue_stale_list_pdfs() == 1  # Celery runs eagerly in tests
    drawn.refresh_from_db()
    assert drawn.status == PickupList.Status.DONE
    assert requeue_stale_list_pdfs() == 0


def test_a_list_drawing_now_is_not_sent_again(drawn):
    pickup_lists.request_print(drawn)
    assert pickup_lists.take_stale_lists() == []
    later = timezone.now() + timedelta(minutes=5)
    assert pickup_lists.take_stale_lists(later) == [drawn.pk]


# --- a cancelled order ----------------------------------------------------------------------


def test_a_cancelled_order_leaves_the_list_and_its_printed_paper_prints_again(
    client, drawn, jobs, postal_staff, moderator, monkeypatch
):
    monkeypatch.setattr(timezone, "localdate", lambda *args: DAY)
    pickup_lists.request_print(drawn)
    pickup_lists.build_pdfs(drawn.pk)
    PickupList.objects.filter(pk=drawn.pk).update(staff_notified_at=timezone.now())
    cancelled = jobs[1]  # the second stop of three
    order = cancelled.seller_order.order
    cancel_order(order, actor=moderator, reason="Khách đổi ý")
    drawn.refresh_from_db()
    assert drawn.status == PickupList.Status.NEW and not drawn.pdf
    assert PickupListRow.objects.filter(job=cancelled).exists()  # kept as a record
    stops = pickup_lists.stops_of(drawn)
    assert [(stop.position, stop.job_id) for stop in stops] == [(1, jobs[2].pk), (2, jobs[0].pk)]
    (message,) = Notification.objects.filter(recipient=postal_staff)
    assert message.subject == "Huỷ lấy hàng ngày 10/12"
    assert order.number in message.body and "Hộ Lò Thị Mai" in message.body
    client.force_login(postal_staff)
    page = client.get(f"/buu-dien/bang-ke/{drawn.pk}/").content.decode()
    assert f'data-job="{cancelled.pk}"' not in page and f'data-job="{jobs[0].pk}"' in page
    assert f'id="job-{cancelled.pk}"' not in client.get("/buu-dien/").content.decode()
    response = client.get(f"/buu-dien/bang-ke/{drawn.pk}/bang-ke.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row[0], row[7]) for row in rows[1:]] == [("1", jobs[2].sscc), ("2", jobs[0].sscc)]
    pickup_lists.request_print(drawn)
    printed = pickup_lists.build_pdfs(drawn.pk)
    assert printed.status == PickupList.Status.DONE and printed.total == 4
    text = " ".join(page_text(read(printed.pdf)))
    assert "Hộ Lò Thị Mai" not in text and "Tổng cộng: 2 điểm lấy hàng, 2 kiện" in text


def test_a_farmer_whose_order_was_cancelled_is_not_told_the_post_office_comes(
    office, jobs, postal_staff, moderator
):
    pickup_lists.draw_up(office, DAY, tell=False)
    cancel_order(jobs[1].seller_order.order, actor=moderator, reason="Khách đổi ý")
    before = Notification.objects.count()
    pickup_lists.draw_up(office, DAY)
    farmer = jobs[1].seller_order.producer.members.get()
    assert not Notification.objects.filter(
        recipient=farmer, subject__startswith="Bưu điện"
    ).exists()
    (staff_message,) = Notification.objects.filter(recipient=postal_staff)
    assert "2 " in staff_message.body
    assert Notification.objects.count() - before == 3  # the staff member and two farmers


def test_a_list_of_an_earlier_day_is_left_as_it_was(drawn, jobs, moderator, monkeypatch):
    pickup_lists.request_print(drawn)
    pickup_lists.build_pdfs(drawn.pk)
    monkeypatch.setattr(timezone, "localdate", lambda *args: DAY + timedelta(days=1))
    cancel_order(jobs[1].seller_order.order, actor=moderator, reason="Khách đổi ý")
    drawn.refresh_from_db()
    assert drawn.status == PickupList.Status.DONE and drawn.pdf


# --- who sees what --------------------------------------------------------------------------

LIST_URLS = ["", "bang-ke.csv", "bang-ke.pdf", "phieu-gui.pdf"]


@pytest.mark.parametrize("suffix", LIST_URLS)
def test_staff_of_another_office_never_get_the_list_or_its_files(
    client, drawn, make_office, make_user, suffix
):
    pickup_lists.request_print(drawn)
    pickup_lists.build_pdfs(drawn.pk)
    other = make_user(Role.POSTAL_STAFF)
    make_office("HN01", communes=["00004"], staff=[other])
    client.force_login(other)
    response = client.get(f"/buu-dien/bang-ke/{drawn.pk}/{suffix}")
    assert response.status_code in (403, 404)
    assert client.post(f"/buu-dien/bang-ke/{drawn.pk}/in/").status_code in (403, 404)


@pytest.mark.parametrize("suffix", LIST_URLS)
def test_moderators_get_every_list_and_its_files(client, drawn, moderator, suffix):
    pickup_lists.request_print(drawn)
    pickup_lists.build_pdfs(drawn.pk)
    client.force_login(moderator)
    assert client.get(f"/buu-dien/bang-ke/{drawn.pk}/{suffix}").status_code == 200


def test_staff_find_their_lists_on_the_pickup_page(client, drawn, postal_staff, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: DAY)
    client.force_login(postal_staff)
    page = client.get("/buu-dien/").content.decode()
    assert f'href="/buu-dien/bang-ke/{drawn.pk}/"' in page


# --- queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "bang-ke.csv"])
def test_list_pages_ask_as_many_queries_for_one_stop_as_for_five(
    client, office, postal_staff, farm, suffix
):
    farm("Hộ 1", "Thôn A")
    (pickup_list,) = pickup_lists.draw_up_all(DAY, tell=False)
    client.force_login(postal_staff)
    url = f"/buu-dien/bang-ke/{pickup_list.pk}/{suffix}"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(4):
        farm(f"Hộ {n + 2}", f"Thôn {n}")
    pickup_lists.draw_up(office, DAY, tell=False)
    with CaptureQueriesContext(connection) as five:
        response = client.get(url)
    assert response.content.decode("utf-8-sig").count("Hộ ") >= 5
    assert len(five) == len(one)
