"""Two requests changing the same listing or producer at the same moment: nothing is lost and
no decision is taken twice. Each request runs in its own thread with its own database
connection; a pause inside the critical section (just before the row is written) forces the
interleaving that would lose an update without the row lock and the fresh read, so each test
fails every time if the lock is removed.

PostgreSQL only (``make test-services``): SQLite serialises writers and ignores
``select_for_update``, so there is no interleaving to prove there."""

import contextlib
import threading

import pytest
from django.db import connection

from accounts.models import Notification
from marketplace import services
from marketplace.models import InvalidTransition, ListingEvent, Producer, Product

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises writers and has no row locks: run with make test-services",
    ),
]


@pytest.fixture(autouse=True)
def root_collection():
    """Transactional tests flush what migrations made, the photos' root collection too."""
    from wagtail.models import Collection

    return Collection.get_first_root_node() or Collection.add_root(name="Root")


# How long a request waits inside its critical section for the other one. With the row lock
# the other request is blocked meanwhile, so this runs out and the first one carries on.
PAUSE_SECONDS = 3
Action = ListingEvent.Action


def in_threads(**calls):
    """Start each named call in its own thread at the same moment; wait for all. Returns
    {name: ("ok", value) or ("refused", error)}. Each thread closes its connection."""
    start = threading.Barrier(len(calls))
    results = {}

    def run(name, call):
        try:
            start.wait(timeout=30)
            results[name] = ("ok", call())
        except InvalidTransition as error:
            results[name] = ("refused", error)
        except Exception as error:  # reported by the test's assertion, with its type
            results[name] = ("error", error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(name, call), name=name) for name, call in calls.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return results


def pause_before_saving(monkeypatch, model, wait):
    """Call ``wait(instance)`` inside every ``model.save``: after the service read the row,
    before it writes it."""
    real_save = model.save

    def save(self, *args, **kwargs):
        wait(self)
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(model, "save", save)


def both_inside(parties=2):
    """A wait that lets ``parties`` requests meet inside the critical section; when a row
    lock keeps the other one out, the first carries on after PAUSE_SECONDS."""
    barrier = threading.Barrier(parties)

    def wait(instance):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=PAUSE_SECONDS)

    return wait


def after(event, thread_name):
    """A wait that holds the thread ``thread_name`` inside its critical section until
    ``event`` is set (the other request finished) or PAUSE_SECONDS pass."""

    def wait(instance):
        if threading.current_thread().name == thread_name:
            event.wait(timeout=PAUSE_SECONDS)

    return wait


def setting(event, call):
    def run():
        try:
            return call()
        finally:
            event.set()

    return run


# --- Stock ----------------------------------------------------------------------------------


def test_two_stock_updates_at_once_both_land_in_the_history(
    monkeypatch, producer, producer_user, helper_user, make_product
):
    product = make_product(producer, quantity_available=30)
    pause_before_saving(monkeypatch, Product, both_inside())
    results = in_threads(
        farmer=lambda: services.update_stock(product, producer_user, 20),
        helper=lambda: services.update_stock(product, helper_user, 25),
    )
    assert {outcome for outcome, _value in results.values()} == {"ok"}, results
    product.refresh_from_db()
    notes = list(
        product.events.filter(action=Action.STOCK_UPDATED)
        .order_by("pk")
        .values_list("note", flat=True)
    )
    assert len(notes) == 2
    changes = [tuple(int(n) for n in note.split(" → ")) for note in notes]
    # each change starts where the one before ended, and the last is what is stored
    assert changes[0][0] == 30
    assert changes[1][0] == changes[0][1]
    assert product.quantity_available == changes[1][1]


# --- Listings -------------------------------------------------------------------------------


def test_an_edit_saved_while_the_listing_is_sent_for_review_loses_neither(
    monkeypatch, producer, producer_user, make_product
):
    """The farmer's price form (loaded before) is saved while another tab sends the listing
    for review: either the edit goes first and is reviewed, or it is refused. The listing is
    never silently put back to draft."""
    product = make_product(producer, review_state=Product.Review.DRAFT, price=450_000)
    price_form = Product.objects.select_related("producer").get(pk=product.pk)
    price_form.price = 500_000
    submitted = threading.Event()
    pause_before_saving(monkeypatch, Product, after(submitted, "edit"))
    results = in_threads(
        edit=lambda: services.update_listing(price_form, producer_user, ["price"]),
        submit=setting(submitted, lambda: services.submit_for_review(product, producer_user)),
    )
    assert results["submit"][0] == "ok", results
    assert results["edit"][0] in {"ok", "refused"}, results
    product.refresh_from_db()
    assert product.review_state == Product.Review.PENDING
    assert product.events.filter(action=Action.SUBMITTED).count() == 1
    edited = product.events.filter(action=Action.EDITED).count()
    if results["edit"][0] == "ok":
        assert (product.price, edited) == (500_000, 1)
    else:
        assert (product.price, edited) == (450_000, 0)


def test_two_edits_of_different_fields_at_once_are_both_kept(
    monkeypatch, producer, producer_user, helper_user, make_product
):
    product = make_product(producer, review_state=Product.Review.DRAFT, price=450_000)
    name_form = Product.objects.select_related("producer").get(pk=product.pk)
    name_form.name = "Chè Shan Tuyết cổ thụ"
    price_form = Product.objects.select_related("producer").get(pk=product.pk)
    price_form.price = 500_000
    priced = threading.Event()
    pause_before_saving(monkeypatch, Product, after(priced, "name"))
    results = in_threads(
        name=lambda: services.update_listing(name_form, producer_user, ["name"]),
        price=setting(priced, lambda: services.update_listing(price_form, helper_user, ["price"])),
    )
    assert {outcome for outcome, _value in results.values()} == {"ok"}, results
    product.refresh_from_db()
    assert (product.name, product.price) == ("Chè Shan Tuyết cổ thụ", 500_000)
    assert product.events.filter(action=Action.EDITED).count() == 2


# --- Review decisions -----------------------------------------------------------------------


def test_two_moderators_deciding_one_listing_at_once_one_wins(
    monkeypatch, producer, producer_user, moderator, make_user, make_product
):
    product = make_product(producer, name="Quế Văn Yên", review_state=Product.Review.PENDING)
    other = make_user("moderator")
    pause_before_saving(monkeypatch, Product, both_inside())
    results = in_threads(
        approve=lambda: services.review_listing(product, moderator, Product.Review.APPROVED),
        reject=lambda: services.review_listing(product, other, Product.Review.REJECTED, "Mờ"),
    )
    outcomes = sorted(outcome for outcome, _value in results.values())
    assert outcomes == ["ok", "refused"], results
    winner = next(name for name, (outcome, _v) in results.items() if outcome == "ok")
    product.refresh_from_db()
    expected = {"approve": Product.Review.APPROVED, "reject": Product.Review.REJECTED}[winner]
    assert product.review_state == expected
    decisions = product.events.filter(action__in=[Action.APPROVED, Action.REJECTED])
    assert decisions.count() == 1 and decisions.get().action == expected
    assert Notification.objects.filter(recipient=producer_user).count() == 1


def test_two_moderators_verifying_one_producer_at_once_record_it_once(
    monkeypatch, make_producer, producer_user, moderator, make_user
):
    producer = make_producer(members=[producer_user], verification=Producer.Verification.PENDING)
    other = make_user("moderator")
    pause_before_saving(monkeypatch, Producer, both_inside())
    verify = Producer.Verification.VERIFIED
    results = in_threads(
        first=lambda: services.review_producer(producer, moderator, verify),
        second=lambda: services.review_producer(producer, other, verify),
    )
    assert sorted(outcome for outcome, _value in results.values()) == ["ok", "refused"], results
    producer.refresh_from_db()
    assert producer.verification == verify
    assert producer.events.filter(action=Action.PRODUCER_VERIFIED).count() == 1
    assert Notification.objects.filter(recipient=producer_user).count() == 1


def test_a_profile_edit_during_a_suspension_keeps_both(
    monkeypatch, producer, producer_user, moderator
):
    story_form = Producer.objects.get(pk=producer.pk)
    story_form.story = "Chúng tôi trồng chè trên núi cao."
    suspended = threading.Event()
    pause_before_saving(monkeypatch, Producer, after(suspended, "edit"))
    suspend = Producer.Verification.SUSPENDED
    results = in_threads(
        edit=lambda: services.update_producer_profile(story_form, producer_user, ["story"]),
        suspend=setting(
            suspended, lambda: services.review_producer(producer, moderator, suspend, "Sai")
        ),
    )
    assert {outcome for outcome, _value in results.values()} == {"ok"}, results
    producer.refresh_from_db()
    assert producer.verification == suspend
    assert producer.story == "Chúng tôi trồng chè trên núi cao."
