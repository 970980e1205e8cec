"""``manage.py simulate_bank_transfer``: how `make run` users pay a demo order by VietQR."""

import io

import pytest
from django.core.management import CommandError, call_command

from marketplace.order_models import Order, Payment, TransferIssue, WebhookEvent
from tests.marketplace.bank_support import payment_of


def run(*args):
    out = io.StringIO()
    call_command("simulate_bank_transfer", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_it_posts_a_signed_notification_to_the_running_site(live_server, vietqr_order, settings):
    settings.SITE_URL = live_server.url

    output = run(vietqr_order.number)

    assert live_server.url in output
    event = WebhookEvent.objects.get()
    assert event.signature_valid and event.processed_at
    vietqr_order.refresh_from_db()
    assert vietqr_order.status == Order.Status.CONFIRMED
    assert payment_of(vietqr_order).status == Payment.Status.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_with_only_an_api_key_it_sends_the_key(live_server, vietqr_order, settings):
    settings.SITE_URL = live_server.url
    settings.BANK_WEBHOOK_SECRET = ""
    run(vietqr_order.number)
    vietqr_order.refresh_from_db()
    assert vietqr_order.status == Order.Status.CONFIRMED


@pytest.mark.django_db(transaction=True)
def test_a_site_that_does_not_take_it_is_reported(live_server, vietqr_order, settings):
    settings.SITE_URL = live_server.url + "/khong-phai-trang-nay"
    with pytest.raises(CommandError, match="answered 403"):  # the page tree refuses a POST
        run(vietqr_order.number)
    vietqr_order.refresh_from_db()
    assert vietqr_order.status == Order.Status.AWAITING_PAYMENT


@pytest.mark.django_db
def test_a_site_that_is_not_running_is_reported(vietqr_order, settings):
    settings.SITE_URL = "http://127.0.0.1:9"  # the discard port: nothing listens
    with pytest.raises(CommandError, match="running"):
        run(vietqr_order.number)


@pytest.mark.django_db
def test_direct_stores_it_in_the_inbox(vietqr_order, django_capture_on_commit_callbacks):
    number_without_dashes = vietqr_order.number.replace("-", "")
    with django_capture_on_commit_callbacks(execute=True):
        output = run(number_without_dashes, "--direct")

    assert "Stored as webhook" in output
    vietqr_order.refresh_from_db()
    assert vietqr_order.status == Order.Status.CONFIRMED


@pytest.mark.django_db
def test_a_wrong_amount_lands_with_the_moderators(vietqr_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run(vietqr_order.number, "--direct", "--amount", "1000")
    assert TransferIssue.objects.get().reason == TransferIssue.Reason.WRONG_AMOUNT
    vietqr_order.refresh_from_db()
    assert vietqr_order.status == Order.Status.AWAITING_PAYMENT


@pytest.mark.django_db
def test_repeating_a_transaction_id_is_one_event(vietqr_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run(vietqr_order.number, "--direct", "--id", "777")
        output = run(vietqr_order.number, "--direct", "--id", "777")
    assert "Already in the inbox" in output
    assert WebhookEvent.objects.count() == 1
    assert not TransferIssue.objects.exists()


@pytest.mark.django_db
def test_an_unknown_or_cod_order_is_refused(place, vietqr_tea):
    cod = place([(vietqr_tea, 1)], method="cod")
    for number in ("CP-0000-0000", cod.number):
        with pytest.raises(CommandError, match="No order"):
            run(number, "--direct")
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_production_refuses_to_fake_a_payment(vietqr_order, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        run(vietqr_order.number, "--direct")
    assert not WebhookEvent.objects.exists()
