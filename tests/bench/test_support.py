"""The bench's own rules, checked without timing anything: which database it works in and
which it may drop, and how its ratios are taken (alternating rounds, median and spread)."""

import pytest

from tests.bench import support
from tests.bench.__main__ import arguments


def test_bench_database_is_the_named_one_plus_a_suffix():
    assert support.bench_database_name("chophien") == "chophien_bench"
    assert support.bench_database_name("chophien", suffix="_do") == "chophien_do"
    # never the named database itself, even when its name already ends like a bench's
    assert support.bench_database_name("chophien_bench") == "chophien_bench_bench"


@pytest.mark.parametrize("name", ["", None])
def test_bench_database_needs_a_name_to_add_to(name):
    with pytest.raises(ValueError, match="no database name"):
        support.bench_database_name(name)


def test_bench_database_needs_a_suffix():
    with pytest.raises(ValueError, match="suffix"):
        support.bench_database_name("chophien", suffix="")


def test_bench_database_name_fits_postgresql():
    longest = "x" * (support.POSTGRES_NAME_LIMIT - len(support.SUFFIX))
    assert support.bench_database_name(longest) == longest + support.SUFFIX
    with pytest.raises(ValueError, match="63 bytes"):
        support.bench_database_name(longest + "x")
    with pytest.raises(ValueError, match="63 bytes"):  # Vietnamese letters take 2–3 bytes
        support.bench_database_name("ợ" * 20)


def test_a_missing_database_is_created():
    assert support.plan_for(exists=False, comment=None) == "create"


def test_a_database_left_by_an_earlier_bench_run_is_made_again():
    assert support.plan_for(exists=True, comment=support.MARK) == "recreate"


@pytest.mark.parametrize("comment", [None, "", "Chợ Phiên production", support.MARK + " "])
def test_a_database_the_bench_did_not_create_is_refused(comment):
    assert support.plan_for(exists=True, comment=comment) == "refuse"
    assert not support.may_drop(comment)


def test_only_a_database_carrying_the_bench_mark_may_be_dropped():
    assert support.may_drop(support.MARK)


@pytest.fixture
def rounds():
    before = support.ROUNDS
    yield
    support.ROUNDS = before


def test_sides_alternate_round_by_round_five_times_by_default(rounds):
    calls = []
    firsts, seconds = support.alternate(
        lambda n: calls.append(f"A{n}") or n, lambda n: calls.append(f"B{n}") or -n
    )
    assert calls == ["A0", "B0", "A1", "B1", "A2", "B2", "A3", "B3", "A4", "B4"]
    assert (firsts, seconds) == ([0, 1, 2, 3, 4], [0, -1, -2, -3, -4])


def test_rounds_can_be_set_from_the_command_line(rounds):
    options = arguments(["checkout", "traceability", "--rounds", "9"])
    assert options.modules == ["checkout", "traceability"] and options.rounds == 9
    assert arguments([]).rounds == 5
    support.set_rounds(options.rounds)
    calls = []
    support.alternate(calls.append, calls.append)
    assert len(calls) == 18


def test_a_ratio_needs_enough_rounds_for_a_spread(rounds):
    with pytest.raises(ValueError, match="at least 3"):
        support.set_rounds(2)


def test_one_busy_round_moves_the_spread_not_the_median():
    # the PDF side hit a busy moment in round 3 (its rate halved)
    ratios = support.Ratios([90, 91, 45, 92, 90], [100, 100, 100, 100, 100])
    assert ratios.median == pytest.approx(0.90)
    assert ratios.spread == (pytest.approx(0.45), pytest.approx(0.92), "range")
    assert ratios.measured() == "0.90"
    assert ratios.note() == "median of 5 alternating rounds, range 0.45–0.92"


def test_a_small_ratio_keeps_two_significant_digits():
    ratios = support.Ratios([24, 26, 25], [1000, 1000, 1000])
    assert ratios.measured() == "0.025"
    assert ratios.note() == "median of 3 alternating rounds, range 0.024–0.026"


def test_ten_rounds_or_more_give_the_interquartile_range():
    ratios = support.Ratios(list(range(1, 13)), [1] * 12)
    low, high, what = ratios.spread
    assert what == "IQR" and low == pytest.approx(3.75) and high == pytest.approx(9.25)
    assert ratios.median == pytest.approx(6.5)
    assert ratios.note(1) == "median of 12 alternating rounds, IQR 3.8–9.2"


def test_ratios_pair_the_rounds_as_measured():
    with pytest.raises(ValueError):
        support.Ratios([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="no rounds"):
        support.Ratios([], [])


@pytest.fixture
def products():
    before = support.PRODUCTS
    yield
    support.PRODUCTS = before


def test_the_catalogue_size_comes_from_the_command_line_and_grows_tenfold(products):
    from tests.bench.bench_catalogue import sizes

    options = arguments(["catalogue", "--products", "1000000"])
    assert options.products == 1_000_000 and arguments([]).products == 100_000
    support.set_products(options.products)
    assert support.PRODUCTS == 1_000_000
    assert sizes(support.PRODUCTS) == [10_000, 100_000, 1_000_000]
    assert sizes(250_000) == [10_000, 100_000, 250_000]
    assert sizes(10_000) == [10_000]
    with pytest.raises(ValueError):
        support.set_products(5_000)
    with pytest.raises(SystemExit):
        arguments(["catalogue", "--listings", "10"])
