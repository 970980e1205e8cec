"""seed_demo fills the catalogue: published OCOP tea, an expired certificate, a review queue."""

from io import StringIO

import pytest
from django.core.management import call_command

from marketplace.models import HelperCommune, Producer, Product

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_the_catalogue_once(client):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # a second run changes nothing
    tea = Product.objects.get(slug="che-shan-tuyet-co-thu-suoi-giang")
    assert tea.producer.commune_code == "04672" and tea.producer.province_code == "15"
    assert tea.producer.kind == Producer.Kind.COOPERATIVE and tea.producer.is_verified
    assert tea.ocop_stars == 4 and tea.ocop_valid
    assert tea.photos.count() == 2
    assert (
        Product.objects.filter(ocop_stars__isnull=False).exclude(pk=tea.pk).get().ocop_valid
        is False
    )
    assert Product.objects.filter(review_state=Product.Review.PENDING).count() == 2
    assert Product.objects.count() == 5 and Producer.objects.count() == 3
    assert HelperCommune.objects.filter(commune_code="04672").count() == 1

    found = client.get("/san-pham/", {"q": "che shan tuyet"})
    assert [p.slug for p in found.context["page_obj"].object_list] == [tea.slug]
    page = client.get(f"/san-pham/{tea.slug}/").content.decode()
    assert "450.000\u00a0₫" in page and "★★★★" in page


@pytest.mark.django_db(transaction=True)
def test_seed_demo_builds_on_a_flushed_database(client):
    """Transactional tests flush the rows Wagtail's migrations made; the demo still builds."""
    from wagtail.models import Collection, Locale, Page, Site

    Site.objects.all().delete()
    Page.objects.all().delete()
    Collection.objects.all().delete()
    Locale.objects.all().delete()
    call_command("seed_demo", stdout=StringIO())
    response = client.get("/san-pham/che-shan-tuyet-co-thu-suoi-giang/")
    assert response.status_code == 200


def test_seed_demo_places_orders_in_every_state_once(client, prepaid_transfer):
    from marketplace.demo import demo_checkout_token
    from marketplace.models import Order, OrderEvent, SellerOrder

    call_command("seed_demo", stdout=StringIO())
    stock = dict(Product.objects.values_list("slug", "quantity_available"))
    events = OrderEvent.objects.count()
    call_command("seed_demo", stdout=StringIO())  # a second run places and moves nothing
    assert dict(Product.objects.values_list("slug", "quantity_available")) == stock
    assert OrderEvent.objects.count() == events

    def order(key):
        return Order.objects.get(checkout_token=demo_checkout_token(key))

    def parcels(key):
        return set(order(key).seller_orders.values_list("status", flat=True))

    assert Order.objects.count() == 5
    assert order("to-pack").status == Order.Status.CONFIRMED
    assert parcels("to-pack") == {SellerOrder.Status.TO_PACK}
    assert parcels("packed") == {SellerOrder.Status.PACKED}
    assert order("delivered").status == Order.Status.COMPLETED
    assert parcels("delivered") == {SellerOrder.Status.DELIVERED}
    assert order("delivered").seller_orders.count() == 2
    waiting = order("vietqr-waiting")
    assert (waiting.status, waiting.payment_method) == ("awaiting_payment", "vietqr")
    cancelled = order("cancelled")
    assert cancelled.status == Order.Status.CANCELLED
    assert "đặt nhầm" in cancelled.events.filter(seller_order=None).last().note
    # stock taken by the live orders only: 2 + 1 + 1 teas, 1 honey, 2 bundles of cinnamon
    assert stock["che-shan-tuyet-co-thu-suoi-giang"] == 120 - 4
    assert stock["mat-ong-hoa-bac-ha-mu-cang-chai"] == 60 - 1
    assert stock["que-kho-mau-a"] == 200 - 2
    assert not Product.objects.filter(shipping_weight_grams__isnull=True).exists()

    # the demo buyer sees their orders; the tea farmer has a parcel to pack
    from accounts.demo import user

    client.force_login(user("0912000007"))
    page = client.get("/tai-khoan/").content.decode()
    assert order("to-pack").number in page and order("packed").number not in page
    client.force_login(user("0912000003"))
    assert order("to-pack").number in client.get("/ban-hang/don-hang/").content.decode()


def test_seed_demo_leaves_out_a_method_that_is_not_offered(settings):
    from marketplace.models import Order

    settings.VIETQR_ACCOUNT_NUMBER = ""  # no bank account: bank transfer is not offered
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert Order.objects.count() == 4 and "vietqr-waiting" in out.getvalue()
    assert not Order.objects.filter(payment_method="vietqr").exists()


def test_seed_demo_waits_for_a_real_bank_transfer_when_vietqr_is_offered(bank_keys):
    """With the platform's account set (as make run has it), the demo's VietQR order is a
    real one: a pending payment carrying its transfer reference."""
    from marketplace.models import Order

    call_command("seed_demo", stdout=StringIO())
    waiting = Order.objects.get(payment_method="vietqr")
    payment = waiting.payments.get()
    assert waiting.status == Order.Status.AWAITING_PAYMENT
    assert payment.reference == waiting.number.replace("-", "")
