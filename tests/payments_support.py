"""A real Stripe-compatible server for the card-payment tests: localstripe, started once per
test session on a free 127.0.0.1 port (scripts/localstripe_server.py), emptied before each test
that uses it.

localstripe is a development dependency: when it is missing the tests that need it fail with
the reason, they are never skipped. LOCALSTRIPE_PYTHON names another interpreter to run it with
(one whose environment has localstripe), else the suite's own runs it.
"""

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
LAUNCHER = ROOT / "scripts" / "localstripe_server.py"
SECRET_KEY = "sk_test_chophien"
PUBLISHABLE_KEY = "pk_test_chophien"
WEBHOOK_SECRET = "whsec_test_chophien"
WEBHOOK_ID = "chophien"
# Where events go while a test has not pointed the webhook at a live server: a closed port, so
# an event a test triggered late never lands in the next test's database.
NOWHERE = "http://127.0.0.1:9/"
# localstripe sends an event one second after it happens.
DELIVERY_DELAY = 1.5
# The events the site's endpoint is subscribed to, as it would be at Stripe (docs/payments.md).
EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_server(tmp_path_factory):
    """The base URL of a localstripe process serving 127.0.0.1 for the whole session."""
    python = os.environ.get("LOCALSTRIPE_PYTHON") or sys.executable
    port = _free_port()
    log_path = tmp_path_factory.mktemp("localstripe") / "server.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [python, str(LAUNCHER), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            log.close()
            pytest.fail(
                f"localstripe did not start ({python} {LAUNCHER.name}); it is a development "
                f"dependency (make install) or set LOCALSTRIPE_PYTHON:\n{log_path.read_text()}",
                pytrace=False,
            )
        try:
            requests.get(f"{base}/js.stripe.com/v3/", timeout=1).raise_for_status()
            break
        except requests.RequestException:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"localstripe did not answer on {base} within 30 s", pytrace=False)
            time.sleep(0.1)
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


@dataclass
class LocalStripe:
    """The running server and what the tests do to it the way Stripe.js or Stripe would."""

    base: str
    webhook_secret: str = WEBHOOK_SECRET

    def point_webhook_at(self, url: str) -> None:
        """EVENTS are posted, signed with the webhook secret, to ``url`` about a second after
        they happen."""
        if url != NOWHERE:
            # Events of earlier tests still waiting out localstripe's second would go to the
            # new address (it is read when they are sent): let them leave for nowhere first.
            time.sleep(DELIVERY_DELAY)
        requests.post(
            f"{self.base}/_config/webhooks/{WEBHOOK_ID}",
            data={"url": url, "secret": self.webhook_secret, "events[]": list(EVENTS)},
            timeout=5,
        ).raise_for_status()

    def card_token(self, number="4242424242424242") -> str:
        """What Stripe.js's createToken returns for a card typed in the browser."""
        response = requests.post(
            f"{self.base}/v1/tokens",
            data={
                "card[number]": number,
                "card[exp_month]": "12",
                "card[exp_year]": "2034",
                "card[cvc]": "123",
                "key": PUBLISHABLE_KEY,
            },
            timeout=5,
        )
        response.raise_for_status()
        return response.json()["id"]

    def get(self, path: str) -> dict:
        response = requests.get(
            f"{self.base}{path}", headers={"Authorization": f"Bearer {SECRET_KEY}"}, timeout=5
        )
        response.raise_for_status()
        return response.json()


@pytest.fixture
def localstripe(localstripe_server, settings):
    """Card payments configured against the session's localstripe, emptied for this test."""
    requests.delete(f"{localstripe_server}/_config/data", timeout=5).raise_for_status()
    server = LocalStripe(localstripe_server)
    server.point_webhook_at(NOWHERE)
    settings.STRIPE_API_BASE = localstripe_server
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_JS_URL = f"{localstripe_server}/js.stripe.com/v3/"
    yield server
    server.point_webhook_at(NOWHERE)
