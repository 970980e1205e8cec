"""Bank transfer by VietQR: the buyer scans a code in any Vietnamese banking app and sends the
exact amount with the order's transfer reference; a bank-notification webhook tells us the
money came (``marketplace/transfers.py`` matches it to the payment).

The code is an EMVCo merchant-presented payload (NAPAS 247 "to account" service) built with
the ``vietnam-qr-pay`` package: version, dynamic initiation (it carries an amount), the NAPAS
GUID with the bank's BIN and the account number, currency 704, the amount in whole dong,
country VN, the reference as the purpose of transaction (tag 62, sub-field 08) and the
CRC-16/CCITT-FALSE checksum.
"""

import re
from datetime import timedelta
from functools import cache

import qrcode
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from qrcode.constants import ERROR_CORRECT_M
from vietnam_qr_pay import BanksObject, QRPay

from accounts.notifications import notify_role
from accounts.roles import Role

from ..order_models import Payment, PaymentMethod
from ..prices import format_vnd
from .base import PaymentAdapter
from .registry import register

# EMVCo: the amount field holds at most 13 characters, a sub-field of tag 62 at most 25.
MAX_AMOUNT = 10**13 - 1
MAX_REFERENCE_LENGTH = 25
QUIET_ZONE = 4  # modules of white around a QR code, as ISO/IEC 18004 asks


def transfer_reference(order_number: str) -> str:
    """The text the buyer types (or the QR code fills in) as the transfer's content: the order
    number without its dashes, ``CP-24Q7-K3M9`` -> ``CP24Q7K3M9``. Letters and digits only,
    because banks drop punctuation and diacritics and some cut the content short."""
    return re.sub(r"[^0-9A-Z]", "", order_number.upper())


def is_configured() -> bool:
    """Whether the platform's receiving account is set (settings VIETQR_*) and a bank
    notification can be authenticated (BANK_WEBHOOK_*): without the webhook nobody would learn
    that the money came, and every order would expire paid."""
    account = settings.VIETQR_BANK_BIN and settings.VIETQR_ACCOUNT_NUMBER
    webhook = settings.BANK_WEBHOOK_SECRET or settings.BANK_WEBHOOK_API_KEY
    return bool(account and webhook)


@register
class VietQRTransfer(PaymentAdapter):
    method = PaymentMethod.VIETQR
    prepaid = True

    def is_available(self):
        return is_configured()

    def payment_window(self):
        return timedelta(minutes=settings.VIETQR_PAYMENT_MINUTES)

    def start(self, order):
        """A pending payment of the order's total, carrying the transfer reference the
        bank notification is matched on."""
        Payment.objects.create(
            order=order,
            method=self.method,
            amount=order.total,
            reference=transfer_reference(order.number),
        )

    def next_url(self, order):
        """The page with the QR code, the account and the reference."""
        return reverse("marketplace:bank_transfer", args=[order.tracking_token])

    def refund(self, payment):
        """A bank transfer cannot be pulled back by an API: a moderator sends the money to
        the buyer by hand, so tell them what and to whom."""
        order = payment.order
        notify_role(
            Role.MODERATOR,
            _("Send back %(amount)s for order %(number)s")
            % {"amount": format_vnd(payment.amount), "number": order.number},
            _(
                "Order %(number)s was cancelled after its bank transfer of %(amount)s "
                "(reference %(reference)s) arrived. Ask %(name)s (%(phone)s) for an account "
                "and send the money back."
            )
            % {
                "number": order.number,
                "amount": format_vnd(payment.amount),
                "reference": payment.reference,
                "name": order.buyer_name,
                "phone": order.buyer_phone_display,
            },
        )
        return False


def build_payload(amount: int, reference: str) -> str:
    """The EMVCo payload for a transfer of ``amount`` dong to the platform's account with
    ``reference`` as its content: the text a QR code carries."""
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise ValueError(f"amount must be a positive whole number of dong, not {amount!r}")
    if not (reference.isascii() and reference.isalnum() and len(reference) <= MAX_REFERENCE_LENGTH):
        raise ValueError(f"a transfer reference is 1 to 25 letters or digits, not {reference!r}")
    code = QRPay.init_viet_qr(
        bank_bin=settings.VIETQR_BANK_BIN,
        bank_number=settings.VIETQR_ACCOUNT_NUMBER,
        amount=str(amount),
        purpose=reference,
    )
    return code.build()


@cache
def bank_name(bin_code: str) -> str:
    """The short name banking apps show for a NAPAS BIN (``970436`` -> ``Vietcombank``), or
    the BIN itself for a bank the package does not list."""
    for bank in BanksObject.values():
        if bank.bin == bin_code and not bank.deprecated:
            return bank.short_name
    return bin_code


def qr_svg(payload: str, *, size: int = 264, label: str = "") -> str:
    """``payload`` as an inline SVG QR code (error correction M), one path of black runs on a
    white square with its quiet zone: a few kilobytes, no image file, no inline style (the
    site's CSP forbids it)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(payload)
    code.make(fit=True)
    matrix = code.get_matrix()
    side = len(matrix) + 2 * QUIET_ZONE
    runs = []
    for row_number, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            x, y = start + QUIET_ZONE, row_number + QUIET_ZONE
            runs.append(f"M{x} {y}h{column - start}v1h-{column - start}z")
    title = f"<title>{escape(label)}</title>" if label else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
        f'width="{size}" height="{size}" role="img" shape-rendering="crispEdges">{title}'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )
