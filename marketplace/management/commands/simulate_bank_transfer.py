"""python manage.py simulate_bank_transfer CP-24Q7-K3M9 [--amount N] [--content TEXT] [--direct]

Pays a demo order by VietQR without a bank: sends the site the notification a bank-notification
service (SePay) would send for the transfer, signed with BANK_WEBHOOK_SECRET (or carrying
BANK_WEBHOOK_API_KEY), to SITE_URL's /webhooks/ngan-hang/ - the whole path a real transfer
takes. With --direct the notification goes straight into the webhook inbox instead (no web
server needed). Refused in production, where it would confirm an order nobody paid.
"""

import json
import secrets

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from marketplace import transfers, webhooks
from marketplace.order_models import Payment, PaymentMethod, WebhookEvent
from marketplace.payments.vietqr import bank_name, transfer_reference


class Command(BaseCommand):
    help = "Send the site a signed bank notification paying an order by VietQR (demo only)."

    def add_arguments(self, parser):
        parser.add_argument("number", help="the order number, e.g. CP-24Q7-K3M9")
        parser.add_argument("--amount", type=int, help="dong transferred (default: the total)")
        parser.add_argument(
            "--content", help="the transfer content (default: the reference and a few words)"
        )
        parser.add_argument(
            "--id", dest="transaction_id", type=int, help="the bank transaction id to repeat"
        )
        parser.add_argument(
            "--direct",
            action="store_true",
            help="store the notification in the inbox directly instead of posting it",
        )

    def handle(self, *args, number, amount, content, transaction_id, direct, **options):
        if settings.PRODUCTION:
            raise CommandError("Refused in production: it would confirm an order nobody paid.")
        reference = transfer_reference(number)
        payment = (
            Payment.objects.select_related("order")
            .filter(method=PaymentMethod.VIETQR, reference=reference)
            .first()
        )
        if payment is None:
            raise CommandError(f"No order {number} paid by bank transfer.")
        body = self.notification(
            payment,
            amount=payment.amount if amount is None else amount,
            content=content if content is not None else f"{reference} chuyen tien mua hang",
            transaction_id=transaction_id or 10**8 + secrets.randbelow(9 * 10**8),
        )
        if direct:
            self.store(body)
        else:
            self.post(body)

    def notification(self, payment, *, amount, content, transaction_id):
        """The JSON a SePay webhook sends for money coming into the platform's account."""
        data = {
            "id": transaction_id,
            "gateway": bank_name(settings.VIETQR_BANK_BIN),
            "transactionDate": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
            "accountNumber": settings.VIETQR_ACCOUNT_NUMBER,
            "subAccount": None,
            "code": None,
            "content": content,
            "transferType": "in",
            "description": f"BankAPINotify {content}",
            "transferAmount": amount,
            "accumulated": amount,
            "referenceCode": f"FT{transaction_id}",
        }
        return json.dumps(data, ensure_ascii=False).encode()

    def post(self, body):
        if settings.BANK_WEBHOOK_SECRET:
            headers = transfers.signed_headers(body, settings.BANK_WEBHOOK_SECRET)
        elif settings.BANK_WEBHOOK_API_KEY:
            headers = {"Authorization": f"Apikey {settings.BANK_WEBHOOK_API_KEY}"}
        else:
            raise CommandError("Set BANK_WEBHOOK_SECRET or BANK_WEBHOOK_API_KEY first.")
        url = settings.SITE_URL + reverse("marketplace:bank_webhook")
        try:
            response = requests.post(
                url, data=body, headers={"Content-Type": "application/json", **headers}, timeout=15
            )
        except requests.RequestException as error:
            raise CommandError(f"{url} did not answer ({error}); is the site running?") from None
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}: {response.text[:200]}")
        self.stdout.write(self.style.SUCCESS(f"Sent to {url}: {body.decode()}"))

    def store(self, body):
        with transaction.atomic():
            event, created = webhooks.receive(
                WebhookEvent.Provider.BANK,
                event_id=json.loads(body)["id"],
                body=body,
                signature_valid=True,
            )
        said = "Stored" if created else "Already in the inbox"
        self.stdout.write(self.style.SUCCESS(f"{said} as webhook {event.pk}: {body.decode()}"))
