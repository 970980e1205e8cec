"""A create form sent twice (a double tap on a slow 3G phone, a resend after a timeout, two
tabs) makes one row and never a 500: new listing, farmer sign-up, assisted sign-up.

The threaded tests send the same form from several clients at the same moment; under
`make test-services` they run on PostgreSQL, where the duplicates used to be 500s
(`marketplace_product_slug_key`, the phone's unique key)."""

import pytest

from accounts.models import User
from marketplace.models import HelperCommune, ListingEvent, Producer, Product
from tests.concurrency import clients, form_token, post_together

from .test_selling import signup_data

NEW_LISTING = "/ban-hang/nong-dan/{slug}/san-pham-moi/"
SIGNUP = "/ban-hang/dang-ky/"
ASSISTED = "/ban-hang/nong-dan/moi/"


def assisted(**overrides):
    return signup_data(consent_method="signed_form", consent_confirmed="on", **overrides)


@pytest.fixture
def helper(helper_user):
    HelperCommune.objects.create(helper=helper_user, commune_code="04672")
    return helper_user


# --- one after the other ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_listing_sent_twice_makes_one_draft(client, producer_user, producer):
    client.force_login(producer_user)
    url = NEW_LISTING.format(slug=producer.slug)
    form = client.get(url)
    html = form.content.decode()
    # hidden, without a label the farmer would wonder about
    assert 'type="hidden" name="submission_token"' in html
    assert 'for="id_submission_token"' not in html
    data = {"name": "Chè Shan Tuyết cổ thụ", "category": "tea"}
    data["submission_token"] = form_token(form)
    first = client.post(url, data)
    second = client.post(url, data)
    product = Product.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/ban-hang/san-pham/{product.pk}/gia/"
    assert ListingEvent.objects.filter(action=ListingEvent.Action.CREATED).count() == 1


@pytest.mark.django_db
def test_each_new_listing_form_gets_its_own_token(client, producer_user, producer):
    client.force_login(producer_user)
    url = NEW_LISTING.format(slug=producer.slug)
    for name in ["Chè Shan Tuyết", "Chè Shan Tuyết"]:
        token = form_token(client.get(url))
        client.post(url, {"name": name, "category": "tea", "submission_token": token})
    # two forms opened on purpose: two drafts, with distinct slugs
    assert Product.objects.count() == 2
    assert len(set(Product.objects.values_list("slug", flat=True))) == 2


@pytest.mark.django_db
def test_a_listing_token_cannot_fetch_another_producers_draft(
    client, make_user, producer_user, producer, make_producer
):
    client.force_login(producer_user)
    url = NEW_LISTING.format(slug=producer.slug)
    token = form_token(client.get(url))
    client.post(url, {"name": "Chè", "category": "tea", "submission_token": token})
    other_user = make_user("producer")
    other = make_producer(members=[other_user])
    client.force_login(other_user)
    response = client.post(
        NEW_LISTING.format(slug=other.slug),
        {"name": "Mật ong", "category": "honey", "submission_token": token},
    )
    assert response.status_code == 200
    assert "Biểu mẫu này đã được gửi một lần rồi." in response.content.decode()
    assert list(Product.objects.values_list("producer", flat=True)) == [producer.pk]


@pytest.mark.django_db
def test_a_damaged_token_gets_a_message(client, producer_user, producer):
    client.force_login(producer_user)
    response = client.post(
        NEW_LISTING.format(slug=producer.slug),
        {"name": "Chè", "category": "tea", "submission_token": "khong-phai-ma"},
    )
    assert response.status_code == 200
    assert "Biểu mẫu này bị hỏng: hãy mở lại trang." in response.content.decode()
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_signup_sent_twice_makes_one_account_and_logs_in(client):
    data = signup_data(submission_token=form_token(client.get(SIGNUP)))
    first = client.post(SIGNUP, data)
    client.logout()  # the first answer was lost: the browser never got its cookie
    second = client.post(SIGNUP, data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == "/ban-hang/"
    assert User.objects.filter(phone="+84987654321").count() == 1
    assert Producer.objects.count() == 1
    assert client.get("/ban-hang/").context["user"].phone == "+84987654321"


@pytest.mark.django_db
def test_the_signup_token_alone_logs_nobody_in(client):
    data = signup_data(submission_token=form_token(client.get(SIGNUP)))
    client.post(SIGNUP, data)
    client.logout()
    wrong = {**data, "password1": "mat-khau-khac-77", "password2": "mat-khau-khac-77"}
    response = client.post(SIGNUP, wrong)
    assert response.status_code == 200
    assert "Biểu mẫu này đã được gửi một lần rồi." in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_signup_with_a_taken_phone_is_a_message_not_an_error(client, make_user):
    make_user(phone="0987654321")
    response = client.post(SIGNUP, signup_data(submission_token=form_token(client.get(SIGNUP))))
    assert response.status_code == 200
    assert "Đã có tài khoản dùng số điện thoại này." in response.content.decode()
    assert not Producer.objects.exists()


@pytest.mark.django_db
def test_assisted_signup_sent_twice_makes_one_farmer(client, helper):
    client.force_login(helper)
    data = assisted(submission_token=form_token(client.get(ASSISTED)))
    first = client.post(ASSISTED, data)
    second = client.post(ASSISTED, data)
    producer = Producer.objects.get()
    assert first.status_code == second.status_code == 302
    assert second["Location"] == f"/ban-hang/nong-dan/{producer.slug}/"
    assert producer.onboarded_by == helper
    assert ListingEvent.objects.filter(action=ListingEvent.Action.PRODUCER_CREATED).count() == 1


# --- at the same moment -------------------------------------------------------------------


def assert_no_server_error(responses):
    assert all(response is not None for response in responses), "a request did not finish"
    assert [r.status_code for r in responses if r.status_code >= 500] == []


@pytest.mark.django_db(transaction=True)
def test_a_new_listing_sent_together_makes_one_draft(producer_user, producer):
    url = NEW_LISTING.format(slug=producer.slug)
    senders = clients(3, producer_user)
    token = form_token(senders[0].get(url))
    responses = post_together(
        senders,
        url,
        {"name": "Chè Shan Tuyết cổ thụ", "category": "tea", "submission_token": token},
    )
    assert_no_server_error(responses)
    product = Product.objects.get()
    assert {r["Location"] for r in responses} == {f"/ban-hang/san-pham/{product.pk}/gia/"}


@pytest.mark.django_db(transaction=True)
def test_two_listings_with_one_name_sent_together_get_two_slugs(producer_user, producer):
    """Two forms opened on purpose, sent at the same moment: both drafts are made, each with
    its own slug, where the second used to fail on the slug's unique key."""
    url = NEW_LISTING.format(slug=producer.slug)
    first, second = clients(2, producer_user)
    data = {"name": "Chè Shan Tuyết", "category": "tea"}
    tokens = [form_token(first.get(url)), form_token(second.get(url))]
    assert tokens[0] != tokens[1]
    forms = [{**data, "submission_token": token} for token in tokens]
    responses = post_together([first, second], url, forms)
    assert_no_server_error(responses)
    assert Product.objects.count() == 2
    assert len(set(Product.objects.values_list("slug", flat=True))) == 2


@pytest.mark.django_db(transaction=True)
def test_signup_sent_together_makes_one_account(client):
    token = form_token(client.get(SIGNUP))
    responses = post_together(clients(3), SIGNUP, signup_data(submission_token=token))
    assert_no_server_error(responses)
    assert [r.status_code for r in responses] == [302, 302, 302]
    assert User.objects.filter(phone="+84987654321").count() == 1
    assert Producer.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_signups_with_one_phone_sent_together_make_one_account(client):
    """Two different forms (two tokens) with the same phone: one account, and the other
    person reads that the number is taken."""
    senders = clients(2)
    forms = [signup_data(submission_token=form_token(sender.get(SIGNUP))) for sender in senders]
    responses = post_together(senders, SIGNUP, forms)
    assert_no_server_error(responses)
    assert sorted(r.status_code for r in responses) == [200, 302]
    refused = next(r for r in responses if r.status_code == 200)
    assert "Đã có tài khoản dùng số điện thoại này." in refused.content.decode()
    assert User.objects.filter(phone="+84987654321").count() == 1


@pytest.mark.django_db(transaction=True)
def test_assisted_signup_sent_together_makes_one_farmer(helper):
    senders = clients(3, helper)
    token = form_token(senders[0].get(ASSISTED))
    responses = post_together(senders, ASSISTED, assisted(submission_token=token))
    assert_no_server_error(responses)
    producer = Producer.objects.get()
    assert {r["Location"] for r in responses} == {f"/ban-hang/nong-dan/{producer.slug}/"}
