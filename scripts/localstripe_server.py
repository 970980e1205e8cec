"""Run localstripe, the local Stripe-compatible server, on 127.0.0.1 only.

``localstripe --port N`` binds every interface (IPv4 and IPv6) and keeps its state in the
shared file /tmp/localstripe.pickle, which two instances on one machine would overwrite. This
launcher serves the same application on the loopback address only and keeps the state in
memory (``DELETE /_config/data`` empties it). Used by ``make run`` and the test fixture
(tests/payments_support.py); never by the site itself, which talks to it over HTTP like to
Stripe.

    python scripts/localstripe_server.py --port 8420 \
        --webhook-url http://127.0.0.1:8000/webhooks/stripe/ --webhook-secret whsec_local
"""

import argparse
import logging

from aiohttp import web
from localstripe import resources, server, webhooks

# What the site's endpoint subscribes to, as at Stripe (docs/payments.md).
EVENTS = ["payment_intent.succeeded", "payment_intent.payment_failed"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--webhook-url", help="where to post events, signed like Stripe")
    parser.add_argument("--webhook-secret", help="the secret the events are signed with")
    args = parser.parse_args()
    if args.host not in {"127.0.0.1", "localhost", "::1"}:
        parser.error("localstripe serves the loopback address only")
    if bool(args.webhook_url) != bool(args.webhook_secret):
        parser.error("--webhook-url and --webhook-secret go together")
    if args.webhook_url:
        # the same as POST /_config/webhooks/chophien once the server runs
        webhooks.register_webhook("chophien", args.webhook_url, args.webhook_secret, EVENTS)
    # The state stays in this process: no shared pickle file to load or overwrite.
    resources.Store.dump_to_disk = lambda store: None
    logging.basicConfig(level=logging.INFO, format="localstripe: %(message)s")
    web.run_app(server.app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
