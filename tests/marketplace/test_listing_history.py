"""The listing history outlives a deleted draft and keeps its producer."""

import pytest

from marketplace import services
from marketplace.models import ListingEvent, Producer, Product

pytestmark = pytest.mark.django_db


def test_deleting_a_draft_keeps_its_history_with_the_producer(
    producer, make_product, producer_user
):
    draft = make_product(producer, photos=0, review_state=Product.Review.DRAFT)
    event = services.record(
        producer, ListingEvent.Action.CREATED, actor=producer_user, product=draft
    )
    draft.delete()
    event.refresh_from_db()
    assert (event.product, event.producer, event.action) == (None, producer, "created")


def test_a_producer_with_a_history_is_kept_and_the_admin_refuses_calmly(
    client, make_user, producer
):
    """The listing history is a Wagtail snippet, so the reference index already marks the
    producer as protected: the delete page says so and the delete is refused, not a 500."""
    services.record(producer, ListingEvent.Action.PRODUCER_CREATED)
    client.force_login(make_user(is_superuser=True, is_staff=True))
    url = f"/admin/snippets/marketplace/producer/delete/{producer.pk}/"
    assert client.get(url).context["is_protected"]
    assert client.post(url).status_code == 302
    assert Producer.objects.filter(pk=producer.pk).exists()
    assert producer.events.count() == 1
