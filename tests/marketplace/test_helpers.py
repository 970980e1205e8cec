"""Community helpers sign farmers up and act for them, only in the communes they serve."""

import pytest
from django.utils import timezone

from accounts.models import User
from marketplace.models import HelperCommune, ListingEvent, Producer, Product

from .test_selling import signup_data

pytestmark = pytest.mark.django_db

# a farmer who agreed (here in person) that the commune's helpers act for them
CONSENTED = {"consent_method": Producer.Consent.IN_PERSON, "consent_at": timezone.now()}


@pytest.fixture
def helper(helper_user):
    HelperCommune.objects.create(helper=helper_user, commune_code="04672")
    return helper_user


def assisted(**overrides):
    return signup_data(consent_method="signed_form", consent_confirmed="on", **overrides)


def test_helper_signs_up_a_farmer_with_consent(client, helper):
    client.force_login(helper)
    response = client.post("/ban-hang/nong-dan/moi/", assisted())
    assert response.status_code == 302
    producer = Producer.objects.get()
    assert producer.onboarded_by == helper
    assert producer.consent_method == "signed_form" and producer.consent_at is not None
    farmer = User.objects.get(phone="+84987654321")
    assert list(producer.members.all()) == [farmer]
    event = producer.events.get()
    assert event.actor == helper and event.action == ListingEvent.Action.PRODUCER_CREATED


def test_consent_is_required(client, helper):
    client.force_login(helper)
    data = assisted()
    del data["consent_confirmed"]
    response = client.post("/ban-hang/nong-dan/moi/", data)
    assert response.status_code == 200
    assert not Producer.objects.exists() and not User.objects.filter(phone="+84987654321")


def test_helper_cannot_sign_up_farmers_elsewhere(client, helper):
    client.force_login(helper)
    response = client.post(
        "/ban-hang/nong-dan/moi/", assisted(province_code="01", commune_code="00004")
    )
    assert response.status_code == 200
    assert not Producer.objects.exists()


def test_users_without_communes_cannot_use_assisted_signup(client, helper_user, producer_user):
    for user in (helper_user, producer_user):
        client.force_login(user)
        assert client.get("/ban-hang/nong-dan/moi/").status_code == 403
        assert client.post("/ban-hang/nong-dan/moi/", assisted()).status_code == 403
    assert not Producer.objects.exists()


def test_helper_lists_a_product_for_a_farmer_and_the_farmer_sees_who(
    client, helper, make_user, make_producer
):
    farmer = make_user("producer", full_name="Lò Thị Mai")
    producer = make_producer(members=[farmer], name="Hộ Lò Thị Mai", **CONSENTED)
    client.force_login(helper)
    assert producer.name in client.get("/ban-hang/").content.decode()
    response = client.post(
        f"/ban-hang/nong-dan/{producer.slug}/san-pham-moi/",
        {"name": "Mật ong", "category": "honey"},
    )
    assert response.status_code == 302
    product = Product.objects.get()
    client.post(
        f"/ban-hang/san-pham/{product.pk}/gia/",
        {
            "price": "300000",
            "unit": "hũ 500 ml",
            "quantity_available": "5",
            "shipping_weight_grams": "700",
        },
    )
    product.refresh_from_db()
    assert product.price == 300_000
    assert set(product.events.values_list("actor", flat=True)) == {helper.pk}
    client.force_login(farmer)
    desk = client.get("/ban-hang/").content.decode()
    assert "Mật ong" in desk
    assert helper.full_name in desk


def test_helper_cannot_act_for_farmers_of_other_communes(
    client, helper, make_producer, make_product
):
    far = make_producer(province_code="01", commune_code="00004")
    product = make_product(far, review_state=Product.Review.DRAFT, price=100_000)
    client.force_login(helper)
    assert far.name not in client.get("/ban-hang/").content.decode()
    assert client.get(f"/ban-hang/nong-dan/{far.slug}/").status_code == 403
    response = client.post(
        f"/ban-hang/san-pham/{product.pk}/gia/",
        {"price": "1", "unit": "x", "quantity_available": "1"},
    )
    assert response.status_code == 403
    assert (
        client.post(
            f"/ban-hang/nong-dan/{far.slug}/san-pham-moi/", {"name": "x", "category": "tea"}
        ).status_code
        == 403
    )
    product.refresh_from_db()
    assert product.price == 100_000
    assert Product.objects.count() == 1


def test_farmer_edits_their_profile_and_strangers_cannot(
    client, producer_user, producer, make_user
):
    from .conftest import upload

    client.force_login(producer_user)
    response = client.post(
        f"/ban-hang/nong-dan/{producer.slug}/ho-so/",
        {
            "name": producer.name,
            "kind": "cooperative",
            "story": "Chè cổ thụ trên núi cao",
            "tax_code": "5200123456",
            "village": "Bản Pang Cáng",
            "street": "",
            "new_photo": upload(),
        },
    )
    assert response.status_code == 302
    producer.refresh_from_db()
    assert producer.story == "Chè cổ thụ trên núi cao" and producer.photo is not None
    assert producer.events.filter(action=ListingEvent.Action.PRODUCER_EDITED).exists()
    stranger = make_user("producer")
    client.force_login(stranger)
    url = f"/ban-hang/nong-dan/{producer.slug}/ho-so/"
    assert client.post(url, {"name": "Đổi", "kind": "household"}).status_code == 403
    producer.refresh_from_db()
    assert producer.name != "Đổi"


def test_a_profile_save_that_fails_leaves_no_photo_file(
    client, producer_user, producer, settings, monkeypatch
):
    from django.db import DatabaseError
    from wagtail.images import get_image_model

    from marketplace import services

    from .conftest import upload

    def history_fails(*args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(services, "record", history_fails)
    client.force_login(producer_user)
    client.raise_request_exception = False
    response = client.post(
        f"/ban-hang/nong-dan/{producer.slug}/ho-so/",
        {"name": producer.name, "kind": "household", "story": "Chè", "new_photo": upload()},
    )
    assert response.status_code == 500
    assert not get_image_model().objects.exists()
    assert not settings.MEDIA_ROOT.exists() or not any(
        path.is_file() for path in settings.MEDIA_ROOT.rglob("*")
    )
    producer.refresh_from_db()
    assert producer.photo is None and producer.story == ""
