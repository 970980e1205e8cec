"""Helpers shared by the benchmarks: the scratch database, timing, and side-by-side ratios
measured in alternating rounds."""

import statistics
import time
from contextlib import contextmanager

from django.db import connection
from django.template import Template
from django.test.utils import setup_test_environment, teardown_test_environment

# Rounds of every side-by-side ratio (A, B, A, B, …); `python -m tests.bench --rounds N`.
ROUNDS = 5
MIN_ROUNDS = 3

# The PostgreSQL run works in "<the database SERVICES_DATABASE_URL names><SUFFIX>", which it
# creates with this comment and drops afterwards; a database without the comment was not made
# by a bench and is never dropped, nor used.
SUFFIX = "_bench"
MARK = "Scratch database of `make bench` (tests/bench), dropped after each run."
POSTGRES_NAME_LIMIT = 63  # longer names are cut short by PostgreSQL


# The catalogue's largest size (`--products N`): it is measured at 10,000, 100,000, … up to N.
PRODUCTS = 100_000
MIN_PRODUCTS = 10_000


def set_products(products):
    global PRODUCTS
    if products < MIN_PRODUCTS:
        raise ValueError(f"the catalogue bench starts at {MIN_PRODUCTS:,} products")
    PRODUCTS = products


def set_rounds(rounds):
    global ROUNDS
    if rounds < MIN_ROUNDS:
        raise ValueError(f"a ratio needs at least {MIN_ROUNDS} rounds to have a spread")
    ROUNDS = rounds


def bench_database_name(name, suffix=SUFFIX):
    """The scratch database beside ``name``: its name plus the suffix, never ``name`` itself."""
    if not suffix:
        raise ValueError("the bench database needs a suffix: it must not be the named one")
    if not name:
        raise ValueError("no database name to add the suffix to")
    bench_name = name + suffix
    if len(bench_name.encode()) > POSTGRES_NAME_LIMIT:
        raise ValueError(f"{bench_name!r} is longer than PostgreSQL's {POSTGRES_NAME_LIMIT} bytes")
    return bench_name


def plan_for(exists, comment):
    """What to do with the scratch database found as it is: ``"create"`` when missing,
    ``"recreate"`` when an earlier bench run left it behind (it carries the bench's mark),
    ``"refuse"`` when it is somebody else's (no mark): the bench neither uses nor drops it."""
    if not exists:
        return "create"
    return "recreate" if comment == MARK else "refuse"


def may_drop(comment):
    """Only a database the bench created (it carries the mark) is ever dropped."""
    return comment == MARK


def _database_comment(cursor, name):
    """(exists, comment) of the database ``name``."""
    cursor.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        [name],
    )
    row = cursor.fetchone()
    return (row is not None, row[0] if row else None)


def _quoted(name):
    return connection.ops.quote_name(name)


def _create_postgresql(name):
    with connection._nodb_cursor() as cursor:
        exists, comment = _database_comment(cursor, name)
        plan = plan_for(exists, comment)
        if plan == "refuse":
            raise RuntimeError(
                f"database {name} exists and was not made by the bench: it is left alone. "
                "Point SERVICES_DATABASE_URL at another name, or drop it yourself."
            )
        if plan == "recreate":
            cursor.execute(f"DROP DATABASE {_quoted(name)} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {_quoted(name)}")
        cursor.execute(f"COMMENT ON DATABASE {_quoted(name)} IS %s", [MARK])


def _drop_postgresql(name):
    with connection._nodb_cursor() as cursor:
        exists, comment = _database_comment(cursor, name)
        if exists and may_drop(comment):
            # a benchmark's server thread may still hold a persistent connection: FORCE
            cursor.execute(f"DROP DATABASE {_quoted(name)} WITH (FORCE)")


def _use(name):
    from django.conf import settings

    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name


@contextmanager
def _postgresql_database():
    from django.core.management import call_command

    old_name = connection.settings_dict["NAME"]
    name = bench_database_name(old_name)
    _create_postgresql(name)
    _use(name)
    try:
        call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
        call_command("createcachetable", verbosity=0)
        yield
    finally:
        _use(old_name)
        _drop_postgresql(name)


@contextmanager
def test_database():
    """A fresh, migrated database, gone afterwards; yields the database vendor name. SQLite: an
    in-memory test database. PostgreSQL (DATABASE_URL): the scratch database named by
    ``bench_database_name``, created if missing, dropped only if the bench created it.

    Pages render as a server renders them: Django's test environment makes every template
    (each include and form widget too) send a signal for which the test client copies the
    whole context, a cost no served page has, so templates keep their own render here."""
    served_render = Template._render
    setup_test_environment()
    Template._render = served_render
    try:
        if connection.vendor == "postgresql":
            with _postgresql_database():
                yield connection.vendor
        else:
            old_name = connection.settings_dict["NAME"]
            connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
            try:
                yield connection.vendor
            finally:
                connection.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        teardown_test_environment()


def timed(fn, *args, **kwargs):
    """Run fn once; return (result, seconds)."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def percentiles(samples):
    """Median and 95th percentile of a list of durations, in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000


# --- side by side --------------------------------------------------------------------------


def alternate(first, second, rounds=None):
    """Call ``first(n)`` then ``second(n)`` for n = 0, 1, … rounds - 1 (A, B, A, B, …), so a
    busy moment of the machine falls on both sides; returns the two lists of what they
    returned, one value per round."""
    rounds = ROUNDS if rounds is None else rounds
    firsts, seconds = [], []
    for n in range(rounds):
        firsts.append(first(n))
        seconds.append(second(n))
    return firsts, seconds


class Ratios:
    """Per-round ratios of two sides measured in alternation: their median and spread (the
    full range for fewer than 10 rounds, else the interquartile range)."""

    def __init__(self, numerators, denominators):
        self.values = sorted(a / b for a, b in zip(numerators, denominators, strict=True))
        if not self.values:
            raise ValueError("no rounds measured")

    @property
    def median(self):
        return statistics.median(self.values)

    @property
    def spread(self):
        """(low, high, what they are)."""
        if len(self.values) < 10:
            return self.values[0], self.values[-1], "range"
        low, _, high = statistics.quantiles(self.values, n=4, method="inclusive")
        return low, high, "IQR"

    def _digits(self, digits):
        # two decimals would show a small ratio (0.024) as 0.02: one more below 0.1
        return digits + 1 if digits == 2 and self.values[-1] < 0.1 else digits

    def measured(self, digits=2):
        """The table's "measured" cell: the median."""
        return f"{self.median:,.{self._digits(digits)}f}"

    def note(self, digits=2):
        """How it was measured and how much it moved: ``5 alternating rounds, range 0.88–0.95``."""
        low, high, what = self.spread
        digits = self._digits(digits)
        rounds = len(self.values)
        return f"median of {rounds} alternating rounds, {what} {low:,.{digits}f}–{high:,.{digits}f}"
