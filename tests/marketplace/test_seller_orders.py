"""The seller desk's orders (/ban-hang/don-hang/): what to pack, for whom, the cash to collect,
the farmer's buttons; only the parcels of the producers the person acts for."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.phone import display_phone
from marketplace.checkout import set_seller_order_status
from marketplace.models import HelperCommune, OrderEvent, SellerOrder
from marketplace.prices import format_vnd

pytestmark = pytest.mark.django_db

URL = "/ban-hang/don-hang/"


@pytest.fixture
def tea(producer, make_product):
    return make_product(producer, name="Chè Shan Tuyết", price=450_000, quantity_available=50)


@pytest.fixture
def honey(make_producer, make_product, make_user):
    farmer = make_user("producer", full_name="Giàng A Páo")
    other = make_producer(members=[farmer], name="Hộ nuôi ong Giàng A Páo", commune_code="04456")
    return make_product(other, name="Mật ong bạc hà", price=300_000, quantity_available=50)


@pytest.fixture
def farmer(client, producer_user):
    client.force_login(producer_user)
    return client


def parcel_of(order):
    return order.seller_orders.get()


def test_the_farmer_sees_what_to_pack_for_whom_and_the_cash_to_collect(farmer, place, tea):
    order = place([(tea, 2)], note="Gói kỹ giúp tôi")
    parcel = parcel_of(order)
    page = farmer.get(URL).content.decode()
    assert order.number in page and f'id="don-{parcel.pk}"' in page
    assert "Chè Shan Tuyết" in page and "2 ×" in page
    assert "Nguyễn Thu Hà" in page and "Phường Ba Đình" in page
    # while packing: the street and phone to write on the parcel, the buyer's note
    assert "12 Hàng Bông" in page and display_phone("0912345678") in page
    assert "Gói kỹ giúp tôi" in page
    assert format_vnd(parcel.cod_amount) in page and parcel.cod_amount == order.total
    assert 'name="buoc" value="packed"' in page


def test_mark_packed_then_not_packed_yet_records_the_farmer(farmer, place, tea, producer_user):
    parcel = parcel_of(place([(tea, 1)]))
    response = farmer.post(f"{URL}{parcel.pk}/", {"buoc": "packed", "nhom": "can-goi"})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?nhom=can-goi#don-{parcel.pk}"
    parcel.refresh_from_db()
    assert parcel.status == SellerOrder.Status.PACKED
    event = OrderEvent.objects.filter(seller_order=parcel).last()
    assert (event.actor, event.from_status, event.to_status) == (producer_user, "to_pack", "packed")
    # a packed parcel stays in the "to pack" tab (it is still at the farmer's) with the way back
    page = farmer.get(URL).content.decode()
    assert f'data-parcel="{parcel.pk}" data-status="packed"' in page
    assert 'value="to_pack"' in page
    farmer.post(f"{URL}{parcel.pk}/", {"buoc": "to_pack"})
    parcel.refresh_from_db()
    assert parcel.status == SellerOrder.Status.TO_PACK


@pytest.mark.parametrize("step", ["shipped", "delivered", "cancelled", "bogus", ""])
def test_only_the_farmers_own_steps_are_taken(farmer, place, tea, step):
    parcel = parcel_of(place([(tea, 1)]))
    response = farmer.post(f"{URL}{parcel.pk}/", {"buoc": step})
    assert response.status_code == 302
    parcel.refresh_from_db()
    assert parcel.status == SellerOrder.Status.TO_PACK
    assert not OrderEvent.objects.filter(seller_order=parcel, to_status=step).exists()


def test_a_step_on_a_parcel_the_post_office_took_meanwhile_is_refused(farmer, place, tea):
    parcel = parcel_of(place([(tea, 1)]))
    set_seller_order_status(parcel, SellerOrder.Status.SHIPPED, actor=None)
    response = farmer.post(f"{URL}{parcel.pk}/", {"buoc": "packed"}, follow=True)
    parcel.refresh_from_db()
    assert parcel.status == SellerOrder.Status.SHIPPED
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_a_farmer_never_sees_nor_moves_another_producers_parcels(farmer, place, tea, honey):
    mine = place([(tea, 1)])
    theirs = place([(honey, 1)], street="Số 9 ngõ Bí Mật")
    page = farmer.get(URL).content.decode()
    assert mine.number in page
    assert theirs.number not in page and "Số 9 ngõ Bí Mật" not in page
    other_parcel = parcel_of(theirs)
    assert farmer.post(f"{URL}{other_parcel.pk}/", {"buoc": "packed"}).status_code == 403
    other_parcel.refresh_from_db()
    assert other_parcel.status == SellerOrder.Status.TO_PACK
    assert farmer.post(f"{URL}999999/", {"buoc": "packed"}).status_code == 404
    # nor through the producer filter
    slug = other_parcel.producer.slug
    assert farmer.get(URL, {"nong-dan": slug}).status_code == 403


def test_a_helper_sees_only_the_parcels_of_farmers_who_consented(
    client, helper_user, make_producer, make_product, make_user, place
):
    HelperCommune.objects.create(helper=helper_user, commune_code="04672")
    consented = make_producer(
        members=[make_user("producer")], consent_method="in_person", consent_at=timezone.now()
    )
    alone = make_producer(members=[make_user("producer")])
    agreed = place([(make_product(consented), 1)])
    refused = place([(make_product(alone), 1)])
    client.force_login(helper_user)
    page = client.get(URL).content.decode()
    assert agreed.number in page and refused.number not in page
    assert consented.name in page  # acting for several: each parcel says whose it is
    assert client.post(f"{URL}{parcel_of(refused).pk}/", {"buoc": "packed"}).status_code == 403
    response = client.post(f"{URL}{parcel_of(agreed).pk}/", {"buoc": "packed"})
    assert response.status_code == 302
    event = OrderEvent.objects.filter(seller_order=parcel_of(agreed)).last()
    assert (event.actor, event.to_status) == (helper_user, "packed")


def test_a_helper_of_no_consenting_farmer_sees_no_parcel(
    client, helper_user, make_producer, make_product, make_user, place
):
    HelperCommune.objects.create(helper=helper_user, commune_code="04672")
    order = place([(make_product(make_producer(members=[make_user("producer")])), 1)])
    client.force_login(helper_user)
    response = client.get(URL)
    assert response.status_code == 200 and order.number not in response.content.decode()
    assert [tab["count"] for tab in response.context["tabs"]] == [0, 0, 0]


def test_the_phone_and_street_go_once_the_post_office_has_the_parcel(farmer, place, tea):
    order = place([(tea, 1)], note="Gọi trước khi giao")
    set_seller_order_status(parcel_of(order), SellerOrder.Status.SHIPPED, actor=None)
    assert order.number not in farmer.get(URL).content.decode()  # no longer to pack
    page = farmer.get(URL, {"nhom": "buu-dien"}).content.decode()
    assert order.number in page and "Nguyễn Thu Hà" in page and "Phường Ba Đình" in page
    assert "12 Hàng Bông" not in page and display_phone("0912345678") not in page
    assert "Gọi trước khi giao" not in page
    assert 'name="buoc"' not in page


def test_tabs_count_their_parcels_and_unpaid_orders_stay_off_the_desk(
    farmer, place, tea, prepaid_transfer, moderator
):
    from marketplace.checkout import cancel_order

    place([(tea, 1)])
    packed = parcel_of(place([(tea, 1)]))
    set_seller_order_status(packed, SellerOrder.Status.PACKED, actor=None)
    shipped = parcel_of(place([(tea, 1)]))
    set_seller_order_status(shipped, SellerOrder.Status.SHIPPED, actor=None)
    cancel_order(place([(tea, 1)]), actor=moderator, reason="Người mua đổi ý")
    unpaid = place([(tea, 1)], method="vietqr")
    response = farmer.get(URL)
    counts = {tab["slug"]: tab["count"] for tab in response.context["tabs"]}
    assert counts == {"can-goi": 2, "buu-dien": 1, "xong": 1}
    for tab in ("can-goi", "buu-dien", "xong"):
        assert unpaid.number not in farmer.get(URL, {"nhom": tab}).content.decode()


def test_the_desk_shows_a_constant_number_of_queries_and_pages(farmer, place, tea):
    farmer.get(URL)  # the site settings and caches filled once

    def queries_for_the_page(count):
        for _ in range(count):
            place([(tea, 1)])
        with CaptureQueriesContext(connection) as queries:
            response = farmer.get(URL)
        assert response.status_code == 200
        return len(queries), response

    few, response = queries_for_the_page(2)
    assert len(response.context["page_obj"].object_list) == 2
    many, response = queries_for_the_page(8)
    assert len(response.context["page_obj"].object_list) == 10
    assert few == many
    place_more = 15  # 25 in all: a second page of 5
    for _ in range(place_more):
        place([(tea, 1)])
    second = farmer.get(URL, {"trang": 2})
    assert len(second.context["page_obj"].object_list) == 5
    assert "trang=1" in second.content.decode()


def test_the_desk_links_to_the_orders_with_the_number_to_pack(farmer, place, tea):
    place([(tea, 1)])
    place([(tea, 2)])
    page = farmer.get("/ban-hang/").content.decode()
    assert 'data-to-pack="2"' in page
    assert f'href="{URL}?nong-dan={tea.producer.slug}"' in page


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "dang-nhap" in response["Location"]


def test_the_farmers_message_points_to_the_desk_in_the_sites_language(
    place, tea, producer_user, settings, monkeypatch
):
    import marketplace.checkout as checkout

    languages = []
    real_notify = checkout.notify

    def notify(user, subject, body):
        languages.append(translation.get_language())
        return real_notify(user, subject, body)

    monkeypatch.setattr(checkout, "notify", notify)
    with translation.override("en"):  # a buyer browsing in English
        order = place([(tea, 2)])
    notice = producer_user.notifications.get()
    assert order.number in notice.subject and "Chè Shan Tuyết × 2" in notice.body
    assert f"{settings.SITE_URL}/ban-hang/don-hang/" in notice.body
    assert languages == [settings.LANGUAGE_CODE]


def test_farmers_told_to_pack_hear_of_a_cancellation(place, tea, producer_user, moderator):
    from marketplace.checkout import cancel_order

    order = place([(tea, 1)])
    cancel_order(order, actor=moderator, reason="Người mua gọi huỷ")
    told = list(producer_user.notifications.order_by("pk"))
    assert len(told) == 2 and all(order.number in notice.subject for notice in told)
    assert "/ban-hang/don-hang/" in told[1].body and told[1].subject != told[0].subject
