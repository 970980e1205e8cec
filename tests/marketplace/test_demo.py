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
