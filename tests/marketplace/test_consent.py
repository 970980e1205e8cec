"""A community helper acts for a farmer only once the farmer's consent is recorded: at an
assisted sign-up, or when the farmer agrees on their desk to a helper's request."""

import pytest

from accounts.models import Notification
from marketplace.models import HelperCommune, ListingEvent, Producer

pytestmark = pytest.mark.django_db

Action = ListingEvent.Action


@pytest.fixture
def helper(helper_user):
    HelperCommune.objects.create(helper=helper_user, commune_code="04672")
    return helper_user


@pytest.fixture
def farmer(make_user):
    return make_user("producer", full_name="Lò Thị Mai")


@pytest.fixture
def alone(farmer, make_producer):
    """A farmer of the helper's commune who signed up alone: no consent recorded."""
    return make_producer(members=[farmer], name="Hộ Lò Thị Mai")


def set_stock(client, product, quantity):
    return client.post(
        f"/ban-hang/san-pham/{product.pk}/so-luong/", {"quantity_available": quantity}
    )


def ask(client, producer):
    return client.post(f"/ban-hang/nong-dan/{producer.slug}/xin-dong-y/", follow=True)


def answer(client, producer, value):
    return client.post(f"/ban-hang/nong-dan/{producer.slug}/dong-y/", {"answer": value})


def test_a_helper_cannot_act_for_a_farmer_who_signed_up_alone(client, helper, alone, make_product):
    product = make_product(alone, quantity_available=12)
    client.force_login(helper)
    assert client.get(f"/ban-hang/nong-dan/{alone.slug}/").status_code == 403
    assert client.get(f"/ban-hang/nong-dan/{alone.slug}/ho-so/").status_code == 403
    assert set_stock(client, product, "0").status_code == 403
    assert client.get(f"/ban-hang/lo-hang/?producer={alone.slug}").status_code == 403
    product.refresh_from_db()
    assert product.quantity_available == 12
    assert not product.events.exists()
    desk = client.get("/ban-hang/").content.decode()
    # listed, with the button to ask, but not as a link to act for them
    assert "Hộ Lò Thị Mai" in desk and "Xin phép làm thay" in desk
    assert f'href="/ban-hang/nong-dan/{alone.slug}/"' not in desk
    assert 'href="/ban-hang/lo-hang/"' not in desk  # no batch pages to act on yet


def test_a_farmer_a_helper_signed_up_with_consent_is_theirs_to_help(client, helper):
    from .test_helpers import assisted

    client.force_login(helper)
    client.post("/ban-hang/nong-dan/moi/", assisted())
    producer = Producer.objects.get()
    assert producer.consent_at is not None
    assert client.get(f"/ban-hang/nong-dan/{producer.slug}/").status_code == 200
    assert "Đã đồng ý" in client.get("/ban-hang/").content.decode()


def test_the_helper_asks_and_the_farmer_is_told(client, helper, alone, farmer):
    client.force_login(helper)
    response = ask(client, alone)
    assert "Đã xin phép Hộ Lò Thị Mai" in response.content.decode()
    assert "Đang chờ nông dân trả lời" in response.content.decode()
    event = alone.events.get(action=Action.CONSENT_REQUESTED)
    assert event.actor == helper
    message = Notification.objects.get(recipient=farmer)
    assert helper.full_name in message.body and "đồng ý hoặc từ chối" in message.body

    again = ask(client, alone)  # still waiting: no second request, no second message
    assert "chưa trả lời lần xin phép trước" in again.content.decode()
    assert alone.events.filter(action=Action.CONSENT_REQUESTED).count() == 1
    assert Notification.objects.filter(recipient=farmer).count() == 1


def test_the_farmer_agrees_on_their_desk_and_the_helper_may_act(
    client, helper, alone, farmer, make_product
):
    product = make_product(alone, quantity_available=12)
    client.force_login(helper)
    ask(client, alone)

    client.force_login(farmer)
    desk = client.get("/ban-hang/").content.decode()
    assert f"{helper.full_name}, người hỗ trợ cộng đồng của xã" in desk
    assert 'value="grant"' in desk and 'value="refuse"' in desk
    assert answer(client, alone, "grant").status_code == 302
    alone.refresh_from_db()
    assert alone.consent_method == Producer.Consent.ON_DESK and alone.consent_at is not None
    assert alone.events.get(action=Action.CONSENT_GRANTED).actor == farmer
    assert Notification.objects.filter(recipient=helper, subject__contains="đã đồng ý").exists()
    history = client.get("/ban-hang/").content.decode()
    assert f"{farmer.full_name} đã đồng ý cho người hỗ trợ của xã làm thay lúc" in history
    assert 'value="grant"' not in history  # answered: the question is gone

    client.force_login(helper)
    assert set_stock(client, product, "3").status_code == 302
    product.refresh_from_db()
    assert product.quantity_available == 3


def test_the_farmer_refuses_and_the_helper_still_cannot_act(
    client, helper, alone, farmer, make_product
):
    product = make_product(alone, quantity_available=12)
    client.force_login(helper)
    ask(client, alone)
    client.force_login(farmer)
    assert answer(client, alone, "refuse").status_code == 302
    alone.refresh_from_db()
    assert alone.consent_at is None and alone.consent_method == ""
    assert alone.events.get(action=Action.CONSENT_REFUSED).actor == farmer
    assert Notification.objects.filter(recipient=helper, subject__contains="từ chối").exists()

    client.force_login(helper)
    assert set_stock(client, product, "0").status_code == 403
    desk = client.get("/ban-hang/").content.decode()
    assert "Từ chối cho làm thay" in desk and "Xin phép làm thay" in desk  # may ask again
    ask(client, alone)
    assert alone.events.filter(action=Action.CONSENT_REQUESTED).count() == 2


def test_only_the_farmer_answers(client, helper, alone, moderator, make_user):
    client.force_login(helper)
    ask(client, alone)
    for someone in (helper, moderator, make_user("producer")):
        client.force_login(someone)
        assert answer(client, alone, "grant").status_code == 403
    alone.refresh_from_db()
    assert alone.consent_at is None
    assert not alone.events.filter(action=Action.CONSENT_GRANTED).exists()


def test_an_answer_needs_a_waiting_request_and_a_choice(client, alone, farmer):
    client.force_login(farmer)
    response = client.post(
        f"/ban-hang/nong-dan/{alone.slug}/dong-y/", {"answer": "grant"}, follow=True
    )
    assert "Không có lời xin phép nào đang chờ trả lời." in response.content.decode()
    alone.refresh_from_db()
    assert alone.consent_at is None
    response = client.post(
        f"/ban-hang/nong-dan/{alone.slug}/dong-y/", {"answer": "ok"}, follow=True
    )
    assert "Hãy chọn đồng ý hoặc từ chối." in response.content.decode()


def test_a_helper_of_another_commune_cannot_ask(client, make_user, alone, farmer):
    elsewhere = make_user("community_helper")
    HelperCommune.objects.create(helper=elsewhere, commune_code="00004")
    client.force_login(elsewhere)
    assert client.post(f"/ban-hang/nong-dan/{alone.slug}/xin-dong-y/").status_code == 403
    assert not alone.events.exists()
    assert not Notification.objects.filter(recipient=farmer).exists()


def test_the_helpers_list_of_farmers_and_their_consent_runs_a_fixed_number_of_queries(
    client, helper, make_producer, make_product, django_assert_max_num_queries
):
    for number in range(3):
        make_product(make_producer(name=f"Hộ số {number}"))
    client.force_login(helper)
    client.get("/ban-hang/")  # warm caches (session, roles)
    with django_assert_max_num_queries(12) as small:
        client.get("/ban-hang/")
    for number in range(3, 12):
        make_product(make_producer(name=f"Hộ số {number}"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get("/ban-hang/").content.decode()
    assert html.count("Xin phép làm thay") == 12
