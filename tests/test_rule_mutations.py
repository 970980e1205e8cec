"""Each rule that guards access, stock, audit trails and identifiers is proven by the suite:
for every rule below, a copy of the project with that rule broken is tested, and the named
tests must fail there. A rule someone can delete while the suite stays green is a rule nobody
will notice losing.

Each mutation names the exact text it changes, so this file fails as well when the code is
rewritten and the mutation no longer applies: update the mutation with the code."""

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
COPIED = (
    "accounts",
    "config",
    "growing_areas",
    "marketplace",
    "places",
    "traceability",
    "postal_pickup",
    "scripts",  # scripts/localstripe_server.py, which the card-payment tests start
    "templates",
    "static",
    "locale",
    "tests",
)


@dataclass(frozen=True)
class Mutation:
    name: str
    path: str
    find: str
    replace: str
    tests: tuple[str, ...]
    postgresql_only: bool = False


STOCK_LOCK_FIND = """    product = (
        Product.objects.select_for_update(of=LISTING_ROW)
        .select_related("producer")
        .get(pk=product.pk)
    )
    old = product.quantity_available"""
VOIDING_ROW = """        LabelVoiding.objects.create(
            label=label, action=LabelVoiding.Action.VOID, reason=reason, by=by, at=label.voided_at
        )
"""

MUTATIONS = (
    # Who may act: each seller-desk loader asks the access layer; loading the row directly
    # must let a stranger in, and the URLconf-wide access matrix must say so.
    Mutation(
        name="a print run loaded without asking who may act",
        path="traceability/views.py",
        find=(
            "return get_for_actor(request.user, LabelPrintRun, "
            'related=("batch__product__producer",), pk=pk)'
        ),
        replace=(
            'return LabelPrintRun.objects.select_related("batch__product__producer").get(pk=pk)'
        ),
        tests=("tests/test_access_matrix.py",),
    ),
    Mutation(
        name="a listing loaded without asking who may act",
        path="marketplace/views.py",
        find='return get_for_actor(request.user, Product, related=("producer",), pk=pk)',
        replace='return Product.objects.select_related("producer").get(pk=pk)',
        tests=("tests/test_access_matrix.py",),
    ),
    Mutation(
        name="a helper acting for a farmer who never consented",
        path="marketplace/access.py",
        find="condition |= Q(commune_code__in=communes) & consented()",
        replace="condition |= Q(commune_code__in=communes)",
        tests=("tests/marketplace/test_consent.py",),
    ),
    Mutation(
        name="is_public ignoring the producer's verification",
        path="marketplace/models.py",
        find="return self.review_state == self.Review.APPROVED and self.producer.is_verified",
        replace="return self.review_state == self.Review.APPROVED",
        tests=("tests/marketplace/test_rules.py",),
    ),
    Mutation(
        name="the growing-area import saving without its transaction",
        path="growing_areas/importing/write.py",
        find="with transaction.atomic():",
        replace="with __import__('contextlib').nullcontext():",
        tests=("tests/growing_areas/test_import_agreement.py",),
    ),
    Mutation(
        name="update_stock without its row lock",
        path="marketplace/services.py",
        find=STOCK_LOCK_FIND,
        replace=STOCK_LOCK_FIND.replace(".select_for_update(of=LISTING_ROW)", ".all()"),
        tests=("tests/marketplace/test_concurrency.py",),
        postgresql_only=True,
    ),
    Mutation(
        name="a label voided without its history row",
        path="traceability/printing.py",
        find=VOIDING_ROW,
        replace="",
        tests=("tests/traceability/test_append_only.py", "tests/traceability/test_admin.py"),
    ),
    Mutation(
        name="trace attachments editable",
        path="traceability/models.py",
        find="class TraceAttachment(AuditRecord):",
        replace="class TraceAttachment(models.Model):",
        tests=("tests/traceability/test_append_only.py",),
    ),
    Mutation(
        name="a GTIN check digit of 0 computed as 1",
        path="marketplace/validators.py",
        find="return str((10 - total % 10) % 10)",
        replace="return str((10 - total % 10) % 10 or 1)",
        tests=("tests/marketplace/test_gtin.py", "tests/traceability/test_gs1.py"),
    ),
    # Money and stock: placing locks the products it sells, cancelling puts stock back, and a
    # payment confirmed twice confirms once.
    Mutation(
        name="a farmer seeing every producer's parcels",
        path="marketplace/access.py",
        find="return SellerOrder.objects.filter(producer__in=producers_for(user))",
        replace="return SellerOrder.objects.all()",
        tests=("tests/marketplace/test_seller_orders.py",),
    ),
    Mutation(
        name="an account offered to whoever holds an order's link",
        path="marketplace/tracking.py",
        find="if order.buyer_id or request.user.is_authenticated or not placed_here(request, "
        "order):",
        replace="if order.buyer_id or request.user.is_authenticated:",
        tests=("tests/marketplace/test_order_tracking.py",),
    ),
    Mutation(
        name="place_order without its product row locks",
        path="marketplace/checkout.py",
        find='locked = Product.objects.select_for_update(of=("self",)).order_by("pk")\n'
        "            products =",
        replace='locked = Product.objects.order_by("pk")\n            products =',
        tests=("tests/marketplace/test_checkout_concurrency.py",),
        postgresql_only=True,
    ),
    Mutation(
        name="a cancelled order keeping its stock",
        path="marketplace/checkout.py",
        find='quantity_available=F("quantity_available") + returned[product.pk]',
        replace='quantity_available=F("quantity_available")',
        tests=("tests/marketplace/test_checkout.py",),
    ),
    Mutation(
        name="a stored webhook processed again, or processed unverified",
        path="marketplace/webhooks.py",
        find="if event is None or event.processed_at or not event.signature_valid:",
        replace="if event is None:",
        tests=("tests/marketplace/test_webhook_inbox.py",),
    ),
    Mutation(
        name="a payment confirmed twice",
        path="marketplace/checkout.py",
        find="        if payment.status == Payment.Status.SUCCEEDED:\n            return False\n",
        replace="",
        tests=("tests/marketplace/test_checkout.py",),
    ),
    # Card payments: a Stripe webhook signed long ago is a replay; a refund task run twice
    # must not refund twice (localstripe, like a lost answer, gives no idempotency to lean on).
    Mutation(
        name="a stale Stripe signature accepted",
        path="marketplace/payments/stripe_api.py",
        find="    if abs(now - timestamp) > tolerance:\n",
        replace="    if False:\n",
        tests=("tests/marketplace/test_stripe_api.py::TestSignature",),
    ),
    Mutation(
        name="a card refunded again by a retried task",
        path="marketplace/payments/stripe_api.py",
        find="            return made\n",
        replace="            pass\n",
        tests=(
            "tests/marketplace/test_stripe_api.py::TestAgainstLocalstripe::"
            "test_a_refund_retried_refunds_once",
        ),
    ),
    # Bank transfers: a notification is acted on only when its signature holds and is fresh,
    # and only the exact amount confirms an order.
    Mutation(
        name="a bank notification's signature not compared",
        path="marketplace/transfers.py",
        find="return hmac.compare_digest(given.encode(), signature(body, stamp, secret).encode())",
        replace="return bool(given)",
        tests=("tests/marketplace/test_bank_webhook.py",),
    ),
    Mutation(
        name="a signed bank notification accepted however old",
        path="marketplace/transfers.py",
        find="    if abs(now - int(stamp)) > TOLERANCE_SECONDS:\n        return False\n",
        replace="",
        tests=("tests/marketplace/test_bank_webhook.py",),
    ),
    Mutation(
        name="a transfer of the wrong amount confirming its order",
        path="marketplace/transfers.py",
        find="    if amount != payment.amount:\n        return TransferIssue.Reason.WRONG_AMOUNT\n",
        replace="",
        tests=("tests/marketplace/test_bank_webhook.py",),
    ),
    # Postal pickup: staff see their own offices' jobs; an SSCC carries its check digit; a
    # parcel failing again and again reaches the moderators.
    Mutation(
        name="postal staff seeing every office's jobs",
        path="postal_pickup/access.py",
        find="    return PickupJob.objects.filter(office__staff=user)",
        replace="    return PickupJob.objects.all()",
        tests=("tests/postal_pickup/test_access.py", "tests/test_access_matrix.py"),
    ),
    Mutation(
        name="postal staff reaching every office's pickup lists and their files",
        path="postal_pickup/access.py",
        find="    return PickupList.objects.filter(office__staff=user)",
        replace="    return PickupList.objects.all()",
        tests=("tests/postal_pickup/test_pickup_lists.py",),
    ),
    Mutation(
        name="an SSCC accepted without its check digit",
        path="postal_pickup/sscc.py",
        find="    if not has_valid_check_digit(value):",
        replace="    if False:",
        tests=("tests/postal_pickup/test_sscc.py",),
    ),
    Mutation(
        name="a parcel failing for ever without the moderators hearing",
        path="postal_pickup/services.py",
        find="to_moderators = job.failures >= MAX_PICKUP_FAILURES and not job.needs_moderator",
        replace="to_moderators = False",
        tests=("tests/postal_pickup/test_jobs.py",),
    ),
    # A cancelled order's parcel: the post office is called off in the same transaction, the
    # stop leaves the list, and the lock taken on the jobs never waits in a circle with a list
    # being drawn up.
    Mutation(
        name="a cancelled order's pickup left for the post office",
        path="postal_pickup/apps.py",
        find='order_cancelled.connect(cancel_jobs_for_order, dispatch_uid="postal_pickup_cancel")',
        replace="pass",
        tests=("tests/postal_pickup/test_jobs.py",),
    ),
    Mutation(
        name="a cancelled job still a stop on its list",
        path="postal_pickup/pickup_lists.py",
        find="pickup_list.rows.exclude(job__status=PickupJob.Status.CANCELLED)",
        replace="pickup_list.rows.all()",
        tests=("tests/postal_pickup/test_pickup_lists.py",),
    ),
    Mutation(
        name="pickup jobs called off under a lock a list being drawn up waits for",
        path="postal_pickup/services.py",
        find='PickupJob.objects.select_for_update(of=("self",), no_key=True)',
        replace='PickupJob.objects.select_for_update(of=("self",))',
        tests=("tests/postal_pickup/test_concurrency.py",),
        postgresql_only=True,
    ),
    # The carrier's webhook: only a signed call moves a parcel; an event that overtook a
    # newer one on the way never moves it back.
    Mutation(
        name="a carrier call's signature not compared",
        path="postal_pickup/carrier.py",
        find="    return hmac.compare_digest(given.encode(), expected.encode())",
        replace="    return bool(given)",
        tests=("tests/postal_pickup/test_carrier_webhook.py",),
    ),
    Mutation(
        name="a carrier event older than the parcel's latest change applied",
        path="postal_pickup/services.py",
        find="        if latest is not None and occurred_at < latest:",
        replace="        if False:",
        tests=("tests/postal_pickup/test_carrier_webhook.py",),
    ),
)


def _copy_project(target):
    for name in COPIED:
        source = ROOT / name
        if source.exists():
            shutil.copytree(
                source, target / name, ignore=shutil.ignore_patterns("__pycache__", "artifacts")
            )
    for name in ("manage.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, target / name)
    (target / "media").mkdir()
    if (ROOT.parent / "shared").exists() and not (target.parent / "shared").exists():
        (target.parent / "shared").symlink_to(ROOT.parent / "shared")


def _environment(index):
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_CURRENT_TEST", None)
    if connection.vendor == "postgresql":
        # A database of its own, named after the outer run's (which that run holds open), so
        # two suites on one server never share one.
        db = settings.DATABASES["default"]
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            f"/{connection.settings_dict['NAME']}_mutation_{index}"
        )
    return env


def _run(index, mutation, workdir):
    project = workdir / f"m{index}" / "project"
    project.mkdir(parents=True)
    _copy_project(project)
    target = project / mutation.path
    source = target.read_text(encoding="utf-8")
    if source.count(mutation.find) != 1:
        return None, f"{mutation.path} no longer contains exactly one {mutation.find!r}"
    target.write_text(source.replace(mutation.find, mutation.replace), encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-x",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not e2e",
            *mutation.tests,
        ],
        cwd=project,
        env=_environment(index),
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result.returncode, result.stdout[-3000:] + result.stderr[-2000:]


def _on_postgresql():
    return connection.vendor == "postgresql"


# Row locks are proven where writers really run at once: SQLite serialises them, so those
# mutations are tried in `make test-services` only.
WANTED = [m for m in MUTATIONS if not m.postgresql_only or _on_postgresql()]


@cache
def _outcomes(workdir):
    """Run every mutation once, two at a time (one per core)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {m.name: pool.submit(_run, i, m, workdir) for i, m in enumerate(WANTED)}
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("mutations")


@pytest.mark.parametrize("mutation", WANTED, ids=[m.name for m in WANTED])
def test_breaking_the_rule_fails_the_suite(mutation, workdir):
    code, output = _outcomes(workdir)[mutation.name]
    assert code is not None, output
    # pytest exits 1 when tests ran and some failed; anything else (no test collected,
    # an import error) would not prove the rule.
    assert code == 1, f"with {mutation.name}, {' '.join(mutation.tests)} still pass:\n{output}"
