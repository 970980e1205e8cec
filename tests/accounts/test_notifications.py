import logging

import pytest
from django.core import mail

from accounts.models import Notification
from accounts.notifications import deliver, notify, notify_role
from accounts.roles import Role


def test_notify_stores_and_delivers_through_the_log(
    make_user, caplog, django_capture_on_commit_callbacks
):
    farmer = make_user(phone="0912345678")
    with (
        caplog.at_level(logging.INFO, logger="chophien.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        note = notify(farmer, "Sản phẩm đã được duyệt", "Chè Shan Tuyết đã lên sàn.")
    note.refresh_from_db()
    assert note.channel == Notification.Channel.SMS
    assert note.sent_at is not None
    assert "+84912345678" in caplog.text
    assert "Chè Shan Tuyết đã lên sàn." in caplog.text


def test_nothing_is_sent_before_the_commit(make_user, django_capture_on_commit_callbacks):
    farmer = make_user()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(farmer, "Tiêu đề", "Nội dung")
    # the delivery waits for the commit: nothing ran yet
    assert len(callbacks) == 1
    assert Notification.objects.get().sent_at is None


def test_delivering_twice_sends_once(make_user, settings):
    settings.NOTIFICATION_BACKEND = "accounts.notifications.EmailBackend"
    buyer = make_user(email="mai@example.vn")
    note = Notification.objects.create(
        recipient=buyer, channel=Notification.Channel.EMAIL, subject="Đơn hàng", body="Đã gửi"
    )
    assert deliver(note.pk) is True
    assert deliver(note.pk) is False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["mai@example.vn"]


def test_notify_role_reaches_every_active_member(make_user, django_capture_on_commit_callbacks):
    first = make_user(Role.MODERATOR)
    second = make_user(Role.MODERATOR)
    make_user(Role.MODERATOR, is_active=False)
    make_user(Role.PRODUCER)
    with django_capture_on_commit_callbacks(execute=True):
        notes = notify_role(Role.MODERATOR, "Vùng trồng sắp hết hạn", "2 vùng trồng")
    assert {n.recipient for n in notes} == {first, second}


@pytest.mark.django_db
def test_account_page_lists_the_messages(client, make_user, django_capture_on_commit_callbacks):
    farmer = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        notify(farmer, "Bưu điện sẽ đến lấy hàng", "Sáng mai 9 giờ")
    client.force_login(farmer)
    html = client.get("/tai-khoan/").content.decode()
    assert "Bưu điện sẽ đến lấy hàng" in html
    assert "Sáng mai 9 giờ" in html


def test_the_sweep_delivers_what_a_lost_task_left_behind(make_user, caplog):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.tasks import resend_undelivered_notifications

    farmer = make_user()
    lost = Notification.objects.create(
        recipient=farmer, channel=Notification.Channel.SMS, subject="Đơn mới", body="Có đơn"
    )
    fresh = Notification.objects.create(
        recipient=farmer, channel=Notification.Channel.SMS, subject="Vừa gửi", body="…"
    )
    Notification.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - timedelta(minutes=30)
    )
    with caplog.at_level(logging.INFO, logger="chophien.notifications"):
        assert resend_undelivered_notifications() == 1
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.sent_at is not None
    assert fresh.sent_at is None  # its own task may still be on its way
    assert caplog.text.count("Đơn mới") == 1
    assert resend_undelivered_notifications() == 0
