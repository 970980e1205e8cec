"""The COD remittance: per producer and period the cash collected on delivery, the carrier's
fee and the net; a period is paid once, and a parcel is never paid twice; only moderators run
it in the admin, and the CSV opens in Excel."""

import csv
import io
from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import AppendOnlyError
from postal_pickup import remittance
from postal_pickup.models import CodRemittance, CodRemittanceLine, PickupJob
from postal_pickup.services import create_job

pytestmark = pytest.mark.django_db

DEC_1 = date(2026, 12, 1)
DEC_31 = date(2026, 12, 31)


def local(*args):
    return datetime(*args, tzinfo=timezone.get_current_timezone())


@pytest.fixture(autouse=True)
def fee_rates(settings):
    settings.POSTAL_COD_FEE_PERCENT = "1.5"
    settings.POSTAL_COD_FEE_MIN = 5000


@pytest.fixture
def deliver(office, make_product, place, django_capture_on_commit_callbacks):
    """deliver(producer, cash, when) -> a delivered COD job of a new order from producer."""

    def make(producer, cash, when, status=PickupJob.Status.DELIVERED):
        product = make_product(producer, photos=0)
        with django_capture_on_commit_callbacks(execute=False):
            order = place([(product, 1)])
        job, _created = create_job(order.seller_orders.get())
        PickupJob.objects.filter(pk=job.pk).update(
            status=status, delivered_at=when, cod_collected=cash, cod_amount=cash
        )
        job.refresh_from_db()
        return job

    return make


@pytest.mark.parametrize(
    ("collected", "fee"),
    [
        (1_000_000, 15_000),  # 1.5 %
        (333_333, 5_000),  # 4 999.995 -> 5 000, also the minimum
        (433_367, 6_501),  # 6 500.505 rounds half up to 6 501
        (433_300, 6_500),  # 6 499.5 rounds half up to 6 500
        (100_000, 5_000),  # 1 500 is below the minimum
        (3_000, 3_000),  # never more than the cash itself
        (0, 0),
    ],
)
def test_the_fee_is_the_percentage_rounded_to_the_dong_with_a_minimum(collected, fee):
    assert remittance.cod_fee(collected) == fee


def test_the_report_sums_per_producer_the_parcels_delivered_in_the_period(
    deliver, producer, make_producer
):
    other = make_producer(name="Hộ nuôi ong Giàng A Páo")
    deliver(producer, 1_000_000, local(2026, 12, 1, 0, 5))  # first minute of the period
    deliver(producer, 200_000, local(2026, 12, 31, 23, 55))  # last day, local time
    deliver(producer, 500_000, local(2026, 11, 30, 23, 59))  # the month before
    deliver(producer, 700_000, local(2027, 1, 1, 0, 0))  # the month after
    deliver(other, 300_000, local(2026, 12, 15, 9))
    deliver(other, 400_000, local(2026, 12, 15, 9), status=PickupJob.Status.OUT_FOR_DELIVERY)
    rows = {row.producer: row for row in remittance.report(DEC_1, DEC_31)}
    assert set(rows) == {producer, other}
    mine = rows[producer]
    assert (mine.parcels, mine.collected, mine.fees, mine.net) == (2, 1_200_000, 20_000, 1_180_000)
    theirs = rows[other]
    assert (theirs.parcels, theirs.collected, theirs.fees, theirs.net) == (
        1,
        300_000,
        5_000,
        295_000,
    )


def test_parcels_paid_online_are_not_in_the_report(deliver, producer):
    deliver(producer, 0, local(2026, 12, 3))
    assert remittance.report(DEC_1, DEC_31) == []


def test_marking_paid_records_who_when_and_each_parcel(deliver, producer, moderator):
    jobs = [
        deliver(producer, 1_000_000, local(2026, 12, 2)),
        deliver(producer, 100_000, local(2026, 12, 3)),
    ]
    paid = remittance.mark_paid(producer, DEC_1, DEC_31, by=moderator, reference=" UNC 123 ")
    assert (paid.collected, paid.fees, paid.net) == (1_100_000, 20_000, 1_080_000)
    assert paid.paid_by == moderator and paid.paid_at and paid.reference == "UNC 123"
    assert {line.job for line in paid.lines.all()} == set(jobs)
    row = remittance.report(DEC_1, DEC_31)[0]
    assert row.remittance == paid and row.parcels == 0 and row.net == 0


def test_a_period_is_paid_only_once(deliver, producer, moderator):
    deliver(producer, 1_000_000, local(2026, 12, 2))
    remittance.mark_paid(producer, DEC_1, DEC_31, by=moderator)
    deliver(producer, 50_000, local(2026, 12, 20))  # recorded late
    with pytest.raises(ValidationError) as refused:
        remittance.mark_paid(producer, DEC_1, DEC_31, by=moderator)
    assert refused.value.code == "already_paid"
    assert CodRemittance.objects.count() == 1


def test_an_overlapping_period_does_not_pay_a_parcel_twice(deliver, producer, moderator):
    first = deliver(producer, 1_000_000, local(2026, 12, 10))
    remittance.mark_paid(producer, DEC_1, DEC_31, by=moderator)
    second = deliver(producer, 200_000, local(2026, 12, 20))
    paid = remittance.mark_paid(producer, date(2026, 12, 15), DEC_31, by=moderator)
    assert [line.job for line in paid.lines.all()] == [second]
    assert paid.collected == 200_000
    assert CodRemittanceLine.objects.filter(job=first).count() == 1


def test_nothing_to_pay_is_refused(producer, moderator):
    with pytest.raises(ValidationError) as refused:
        remittance.mark_paid(producer, DEC_1, DEC_31, by=moderator)
    assert refused.value.code == "nothing_to_pay"
    assert not CodRemittance.objects.exists()


def test_a_period_ending_before_it_starts_is_refused(producer, moderator):
    with pytest.raises(ValidationError):
        remittance.mark_paid(producer, DEC_31, DEC_1, by=moderator)


def test_a_remittance_cannot_be_changed_or_deleted(deliver, producer, moderator):
    deliver(producer, 1_000_000, local(2026, 12, 2))
    paid = remittance.mark_paid(producer, DEC_1, DEC_31, by=moderator)
    paid.net = 1
    with pytest.raises(AppendOnlyError):
        paid.save()
    with pytest.raises(AppendOnlyError):
        paid.lines.get().delete()
    assert CodRemittance.objects.get().net == 985_000


# --- the admin -------------------------------------------------------------------------------


def report_url(**query):
    query = {"start": "2026-12-01", "end": "2026-12-31", **query}
    return reverse("postal_cod_remittance") + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def test_moderators_see_the_report_per_producer(client, moderator, deliver, producer):
    deliver(producer, 1_000_000, local(2026, 12, 2))
    client.force_login(moderator)
    response = client.get(report_url())
    assert response.status_code == 200
    assert producer.name in response.content.decode()
    assert [row.net for row in response.context["rows"]] == [985_000]


def test_the_csv_opens_in_excel_with_the_same_figures(client, moderator, deliver, producer):
    deliver(producer, 1_000_000, local(2026, 12, 2))
    client.force_login(moderator)
    response = client.get(reverse("postal_cod_remittance_csv") + "?start=2026-12-01&end=2026-12-31")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1][0] == producer.name
    assert rows[1][2:6] == ["1", "1000000", "15000", "985000"]


def test_the_csv_lists_the_payments_made_for_the_period(
    client, moderator, deliver, producer, make_producer
):
    other = make_producer(name="Hộ nuôi ong Giàng A Páo")
    deliver(producer, 1_000_000, local(2026, 12, 2))
    deliver(producer, 200_000, local(2026, 12, 3))
    deliver(other, 300_000, local(2026, 12, 4))
    remittance.mark_paid(producer, DEC_1, DEC_31, by=moderator, reference="UNC 5")
    client.force_login(moderator)
    body = client.get(reverse("postal_cod_remittance_csv") + "?start=2026-12-01&end=2026-12-31")
    rows = list(csv.reader(io.StringIO(body.content.decode("utf-8-sig"))))[1:]
    by_producer = {row[0]: row for row in rows}
    assert len(rows) == 2
    paid = by_producer[producer.name]
    assert paid[2:6] == ["2", "1200000", "20000", "1180000"] and paid[7] == "UNC 5" and paid[6]
    assert by_producer[other.name][2:8] == ["1", "300000", "5000", "295000", "", ""]


def test_the_report_asks_the_same_queries_for_one_parcel_or_six(
    deliver, producer, make_producer, moderator, django_assert_num_queries
):
    deliver(producer, 100_000, local(2026, 12, 2))
    with django_assert_num_queries(2):
        assert len(remittance.report(DEC_1, DEC_31)) == 1
    for day in range(3, 8):
        deliver(make_producer(), 100_000, local(2026, 12, day))
    remittance.mark_paid(producer, DEC_1, DEC_31, by=moderator)
    with django_assert_num_queries(2):
        assert len(remittance.report(DEC_1, DEC_31)) == 6


def test_a_moderator_marks_a_producer_paid(client, moderator, deliver, producer):
    deliver(producer, 1_000_000, local(2026, 12, 2))
    client.force_login(moderator)
    response = client.post(
        reverse("postal_cod_remittance_paid"),
        {"producer": producer.pk, "start": "2026-12-01", "end": "2026-12-31", "reference": "UNC 9"},
    )
    assert response.status_code == 302
    paid = CodRemittance.objects.get()
    assert (paid.producer, paid.paid_by, paid.net, paid.reference) == (
        producer,
        moderator,
        985_000,
        "UNC 9",
    )
    again = client.post(
        reverse("postal_cod_remittance_paid"),
        {"producer": producer.pk, "start": "2026-12-01", "end": "2026-12-31"},
        follow=True,
    )
    with translation.override("vi"):
        expected = _("%(producer)s was already paid for this period.") % {"producer": producer.name}
    assert [str(m) for m in again.context["messages"]][-1] == expected
    assert CodRemittance.objects.count() == 1


@pytest.fixture
def admin_non_moderator(postal_staff):
    """Someone who may open the Wagtail admin but is no moderator."""
    from django.contrib.auth.models import Permission

    postal_staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return postal_staff


@pytest.mark.parametrize(
    "url",
    [
        report_url(),
        reverse("postal_cod_remittance_csv") + "?start=2026-12-01&end=2026-12-31",
    ],
)
def test_non_moderators_are_refused_the_report(client, admin_non_moderator, deliver, producer, url):
    deliver(producer, 1_000_000, local(2026, 12, 2))
    client.force_login(admin_non_moderator)
    response = client.get(url)
    # Wagtail turns the refusal into a redirect to the dashboard with a message
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert producer.name not in response.content.decode()


def test_non_moderators_cannot_mark_paid(client, admin_non_moderator, deliver, producer):
    deliver(producer, 1_000_000, local(2026, 12, 2))
    client.force_login(admin_non_moderator)
    response = client.post(
        reverse("postal_cod_remittance_paid"),
        {"producer": producer.pk, "start": "2026-12-01", "end": "2026-12-31"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert not CodRemittance.objects.exists()


def test_the_report_opens_on_the_current_month(client, moderator):
    client.force_login(moderator)
    response = client.get(reverse("postal_cod_remittance"))
    today = timezone.localdate()
    assert (response.context["start"], response.context["end"]) == (today.replace(day=1), today)


def test_a_period_ending_before_it_starts_shows_the_error(client, moderator):
    client.force_login(moderator)
    response = client.get(report_url(start="2026-12-31", end="2026-12-01"))
    assert response.status_code == 200 and response.context["rows"] == []
    with translation.override("vi"):
        assert _("The period ends before it starts.") in response.content.decode()
