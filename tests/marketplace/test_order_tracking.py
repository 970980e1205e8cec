"""The buyer's tracking page (/don-hang/<token>/), reached through its secret link, the
buyer's "Huỷ đơn", and the orders listed under /tai-khoan/."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.phone import display_phone
from marketplace.checkout import confirm_payment, set_seller_order_status
from marketplace.models import Order, OrderEvent, Payment, SellerOrder
from marketplace.prices import format_vnd

pytestmark = pytest.mark.django_db


@pytest.fixture
def tea(producer, make_product):
    producer.phone = "+84911222333"
    producer.save(update_fields=["phone"])
    return make_product(producer, name="Chè Shan Tuyết", price=450_000, quantity_available=10)


@pytest.fixture
def honey(make_producer, make_product):
    other = make_producer(name="Hộ nuôi ong Giàng A Páo", commune_code="04456")
    return make_product(other, name="Mật ong bạc hà", price=300_000, quantity_available=10)


@pytest.fixture
def english(client):
    """The page in English, so the text checked here does not wait for compiled translations."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def steps(response):
    return [step.what for step in response.context["timeline"]]


def test_the_link_shows_the_order_its_lines_totals_and_timeline(english, place, tea, honey):
    order = place([(tea, 2), (honey, 1)])
    response = english.get(order.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert order.number in page and 'data-status="confirmed"' in page
    assert "Chè Shan Tuyết" in page and "Mật ong bạc hà" in page
    assert tea.producer.name in page and honey.producer.name in page
    for amount in (order.goods_total, order.shipping_total, order.total, 900_000):
        assert format_vnd(amount) in page
    assert "Cash on delivery" in page
    assert steps(response) == [
        "Order received",
        "Order confirmed",
        f"{tea.producer.name} is preparing your parcel",
        f"{honey.producer.name} is preparing your parcel",
    ]


def test_the_timeline_follows_the_parcels_and_never_says_who(
    english, place, tea, producer_user, moderator
):
    order = place([(tea, 1)])
    parcel = order.seller_orders.get()
    set_seller_order_status(parcel, SellerOrder.Status.PACKED, actor=producer_user)
    set_seller_order_status(parcel, SellerOrder.Status.SHIPPED, actor=moderator, note="Bưu tá A")
    response = english.get(order.get_absolute_url())
    assert steps(response)[-2:] == [
        f"{tea.producer.name} has packed your parcel",
        f"Your parcel from {tea.producer.name} is with the post office",
    ]
    page = response.content.decode()
    # neither who did it, nor the notes farmers and postal staff write, nor the farmer's phone
    for private in (producer_user.full_name, moderator.full_name, "Bưu tá A", "0911 222 333"):
        assert private not in page
    assert tea.producer.phone not in page


def test_the_buyers_own_phone_is_masked(client, place, tea):
    order = place([(tea, 1)], phone="0912345678")
    page = client.get(order.get_absolute_url()).content.decode()
    assert display_phone("+84912345678") not in page and "0912345678" not in page
    assert "0912 ••• 678" in page
    assert "12 Hàng Bông" in page  # the buyer checks where it goes


def test_a_wrong_token_is_a_404_and_every_answer_stays_private(client, place, tea):
    order = place([(tea, 1)])
    for url in (order.get_absolute_url(), "/don-hang/khong-co-don-nay/"):
        response = client.get(url)
        assert response["Cache-Control"] == "private, no-store", url
        assert response["Referrer-Policy"] == "no-referrer", url
        assert "noindex" in response["X-Robots-Tag"], url
    assert client.get("/don-hang/khong-co-don-nay/").status_code == 404
    assert client.post("/don-hang/khong-co-don-nay/huy/", {"reason": "x"}).status_code == 404
    assert client.get(order.get_absolute_url()[:-5] + "/").status_code == 404
    page = client.get(order.get_absolute_url()).content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in page


def test_the_order_placed_banner_shows_right_after_placing(client, place, tea):
    from marketplace.tracking import confirmation_url

    order = place([(tea, 1)])
    assert 'id="dat-hang-thanh-cong"' in client.get(confirmation_url(order)).content.decode()
    assert 'id="dat-hang-thanh-cong"' not in client.get(order.get_absolute_url()).content.decode()


def test_a_prepaid_order_waiting_links_to_its_payment_page(english, place, tea, prepaid_transfer):
    order = place([(tea, 1)], method="vietqr")
    response = english.get(order.get_absolute_url())
    assert f'href="/thanh-toan-thu/{order.number}/"' in response.content.decode()
    assert steps(response) == ["Order received"]
    confirm_payment(order.payments.get())
    response = english.get(order.get_absolute_url())
    assert "/thanh-toan-thu/" not in response.content.decode()
    assert steps(response)[1] == "Order confirmed"


def test_a_cod_order_has_no_payment_link(client, place, tea):
    order = place([(tea, 1)])
    assert client.get(order.get_absolute_url()).context["pay_url"] == ""


def test_the_page_runs_the_same_queries_for_one_producer_or_three(
    client, place, make_producer, make_product
):
    def queries(producers):
        items = [(make_product(make_producer()), 1) for _ in range(producers)]
        url = place(items).get_absolute_url()
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert queries(1) == queries(3)


# --- The buyer cancels ------------------------------------------------------------------------


def cancel(client, order, reason="Tôi đặt nhầm"):
    return client.post(f"{order.get_absolute_url()}huy/", {"reason": reason})


def test_a_guest_buyer_cancels_with_a_reason_and_the_stock_comes_back(client, place, tea):
    order = place([(tea, 3)])
    response = cancel(client, order)
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert response["Cache-Control"] == "private, no-store"
    order.refresh_from_db()
    tea.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and tea.quantity_available == 10
    event = order.events.filter(seller_order=None).last()
    assert event.to_status == "cancelled" and event.actor is None
    assert "Tôi đặt nhầm" in event.note
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Tôi đặt nhầm" in page and 'action="' + f"{order.get_absolute_url()}huy/" not in page


def test_a_cancellation_needs_a_reason(client, place, tea):
    order = place([(tea, 1)])
    response = cancel(client, order, reason="   ")
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    assert not order.events.filter(to_status="cancelled").exists()


def test_once_a_parcel_is_packed_the_buyer_can_no_longer_cancel(
    client, place, tea, honey, producer_user
):
    order = place([(tea, 1), (honey, 1)])
    packed = order.seller_orders.get(producer=tea.producer)
    set_seller_order_status(packed, SellerOrder.Status.PACKED, actor=producer_user)
    page = client.get(order.get_absolute_url()).content.decode()
    assert f"{order.get_absolute_url()}huy/" not in page  # no form offered
    response = cancel(client, order)
    assert response.status_code == 400
    order.refresh_from_db()
    tea.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED and tea.quantity_available == 9
    assert set(order.seller_orders.values_list("status", flat=True)) == {"packed", "to_pack"}


def test_a_closed_order_cannot_be_cancelled_again(client, place, tea):
    order = place([(tea, 2)])
    assert cancel(client, order).status_code == 302
    assert cancel(client, order, reason="lần hai").status_code == 400
    tea.refresh_from_db()
    assert tea.quantity_available == 10
    assert order.events.filter(seller_order=None, to_status="cancelled").count() == 1


def test_an_order_from_an_account_is_cancelled_only_by_that_account(client, place, tea, make_user):
    buyer, someone = make_user(), make_user()
    order = place([(tea, 1)], user=buyer)
    for visitor in (None, someone):
        client.logout()
        if visitor:
            client.force_login(visitor)
        assert client.get(order.get_absolute_url()).status_code == 200  # the link shows it
        assert cancel(client, order).status_code == 400  # but does not cancel it
        order.refresh_from_db()
        assert order.status == Order.Status.CONFIRMED
    client.force_login(buyer)
    assert cancel(client, order).status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.events.filter(seller_order=None).last().actor == buyer


def test_an_unpaid_order_is_cancelled_and_a_paid_one_refunded(
    client, place, tea, prepaid_transfer, django_capture_on_commit_callbacks
):
    unpaid = place([(tea, 2)], method="vietqr")
    assert cancel(client, unpaid).status_code == 302
    unpaid.refresh_from_db()
    assert unpaid.status == Order.Status.CANCELLED and prepaid_transfer == []

    paid = place([(tea, 2)], method="vietqr")
    confirm_payment(paid.payments.get())
    with django_capture_on_commit_callbacks(execute=True):
        assert cancel(client, paid).status_code == 302
    payment = paid.payments.get()
    assert prepaid_transfer == [payment.pk] and payment.status == Payment.Status.REFUNDED
    tea.refresh_from_db()
    assert tea.quantity_available == 10


def test_the_buyers_cancel_rule_is_checked_under_the_orders_lock(place, tea, producer_user):
    """The page was drawn while nothing was packed; the farmer packs before the buyer's
    click arrives: the cancellation is refused, not applied to a packed parcel."""
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import ValidationError

    from marketplace.tracking import cancel_by_buyer

    order = place([(tea, 1)])
    stale = Order.objects.get(pk=order.pk)
    set_seller_order_status(order.seller_orders.get(), "packed", actor=producer_user)
    with pytest.raises(ValidationError):
        cancel_by_buyer(stale, AnonymousUser(), "đổi ý")
    assert not OrderEvent.objects.filter(order=order, to_status="cancelled").exists()


# --- The buyer's own orders under /tai-khoan/ ----------------------------------------------


def test_the_account_page_lists_my_orders_and_never_other_peoples(
    client, place, tea, make_user, moderator
):
    buyer, other = make_user(), make_user()
    mine = [place([(tea, 1)], user=buyer) for _ in range(2)]
    theirs = place([(tea, 1)], user=other)
    guest = place([(tea, 1)])
    client.force_login(buyer)
    for url in ("/tai-khoan/", "/tai-khoan/don-hang/"):
        page = client.get(url).content.decode()
        for order in mine:
            assert order.number in page and f'href="{order.get_absolute_url()}"' in page
        assert theirs.number not in page and guest.number not in page
        assert theirs.tracking_token not in page
    # a moderator's own list is their own purchases, not everyone's
    client.force_login(moderator)
    page = client.get("/tai-khoan/don-hang/").content.decode()
    assert not any(order.number in page for order in [*mine, theirs, guest])
    assert "/tai-khoan/don-hang/" not in client.get("/tai-khoan/").content.decode()


def test_the_account_page_shows_the_latest_five_and_links_to_all(client, place, tea, make_user):
    buyer = make_user()
    orders = [place([(tea, 1)], user=buyer) for _ in range(7)]
    client.force_login(buyer)
    page = client.get("/tai-khoan/").content.decode()
    shown = [order for order in orders if order.number in page]
    assert shown == orders[2:]
    assert 'href="/tai-khoan/don-hang/"' in page
    listing = client.get("/tai-khoan/don-hang/").content.decode()
    assert all(order.number in listing for order in orders)


def test_my_orders_needs_a_login(client):
    response = client.get("/tai-khoan/don-hang/")
    assert response.status_code == 302 and "dang-nhap" in response["Location"]


# --- An account, offered after placing ---------------------------------------------------------


def placed_by(client, order):
    """The browser ``client`` placed ``order`` (as the checkout's last step remembers it)."""
    from marketplace.tracking import PLACED_KEY

    session = client.session
    session[PLACED_KEY] = [str(order.checkout_token)]
    session.save()


def test_the_guest_who_placed_the_order_makes_an_account_with_a_password(client, place, tea):
    from accounts.models import User

    order = place([(tea, 1)], phone="0987111222")
    placed_by(client, order)
    page = client.get(order.get_absolute_url()).content.decode()
    assert 'id="tao-tai-khoan"' in page

    mismatch = client.post(
        f"{order.get_absolute_url()}tai-khoan/",
        {"password1": "che-shan-tuyet-9", "password2": "khac-hoan-toan-7"},
    )
    assert mismatch.status_code == 400 and not User.objects.filter(phone="+84987111222")

    made = client.post(
        f"{order.get_absolute_url()}tai-khoan/",
        {"password1": "che-shan-tuyet-9", "password2": "che-shan-tuyet-9"},
    )
    assert made.status_code == 302
    user = User.objects.get(phone="+84987111222")
    order.refresh_from_db()
    assert order.buyer == user and user.full_name == order.buyer_name
    assert user.check_password("che-shan-tuyet-9")
    assert client.get("/tai-khoan/don-hang/").status_code == 200  # logged in
    assert order.number in client.get("/tai-khoan/don-hang/").content.decode()


def test_someone_else_holding_the_link_is_not_offered_an_account(client, place, tea):
    from accounts.models import User

    order = place([(tea, 1)], phone="0987111223")
    assert 'id="tao-tai-khoan"' not in client.get(order.get_absolute_url()).content.decode()
    refused = client.post(
        f"{order.get_absolute_url()}tai-khoan/",
        {"password1": "che-shan-tuyet-9", "password2": "che-shan-tuyet-9"},
    )
    assert refused.status_code == 403
    assert not User.objects.filter(phone="+84987111223").exists()


def test_a_phone_with_an_account_is_offered_to_log_in_and_the_order_joins_it(
    client, place, tea, make_user
):
    from tests.conftest import PASSWORD

    owner = make_user(phone="0987111224")
    order = place([(tea, 1)], phone="0987111224")
    placed_by(client, order)
    page = client.get(order.get_absolute_url()).content.decode()
    assert 'id="dang-nhap"' in page and 'id="tao-tai-khoan"' not in page
    assert (
        client.post(
            f"{order.get_absolute_url()}tai-khoan/",
            {"password1": "che-shan-tuyet-9", "password2": "che-shan-tuyet-9"},
        ).status_code
        == 403
    )
    client.post("/tai-khoan/dang-nhap/", {"username": "0987111224", "password": PASSWORD})
    order.refresh_from_db()
    assert order.buyer == owner
