"""The VietQR payment method: the EMVCo payload a banking app reads, the QR code drawn from it,
and the adapter that starts a transfer payment (marketplace/payments/vietqr.py)."""

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import zxingcpp
from django.core.exceptions import ValidationError
from django.urls import reverse
from vietnam_qr_pay import QRPay

from accounts.models import Notification
from marketplace.checkout import cancel_order, confirm_payment
from marketplace.order_models import Order, Payment, PaymentMethod
from marketplace.payments import vietqr
from marketplace.payments.registry import adapter_for, available_adapters
from tests.marketplace.bank_support import payment_of, rasterize

pytestmark = pytest.mark.django_db


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE written out bit by bit (poly 0x1021, init 0xFFFF), independent of
    the package's table."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def tlv(text: str) -> dict:
    """EMVCo tag-length-value fields of one level, in order."""
    fields, position = {}, 0
    while position < len(text):
        tag, length = text[position : position + 2], int(text[position + 2 : position + 4])
        fields[tag] = text[position + 4 : position + 4 + length]
        position += 4 + length
    assert position == len(text), "the lengths add up to the whole payload"
    return fields


def test_the_checksum_is_crc16_ccitt_false():
    assert crc16_ccitt_false(b"123456789") == 0x29B1  # the algorithm's published check value
    # a payload published with the package's original (TypeScript) library
    published = (
        "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA530370454041000"
        "5802VN62150811Chuyen tien6304BBB8"
    )
    assert f"{crc16_ccitt_false(published[:-4].encode()):04X}" == published[-4:]


def test_payload_carries_the_account_amount_and_reference(bank_keys):
    payload = vietqr.build_payload(1_234_000, "CP24Q7K3M9")

    assert payload.isascii()
    assert payload[-8:-4] == "6304"
    assert f"{crc16_ccitt_false(payload[:-4].encode()):04X}" == payload[-4:]
    fields = tlv(payload)
    assert list(fields) == ["00", "01", "38", "53", "54", "58", "62", "63"]
    assert fields["00"] == "01"
    assert fields["01"] == "12"  # dynamic: the amount is fixed
    merchant = tlv(fields["38"])
    assert merchant == {
        "00": "A000000727",
        "01": "00069704360113" + "0011004321987",
        "02": "QRIBFTTA",
    }
    assert tlv(merchant["01"]) == {"00": "970436", "01": "0011004321987"}
    assert (fields["53"], fields["54"], fields["58"]) == ("704", "1234000", "VN")
    assert tlv(fields["62"]) == {"08": "CP24Q7K3M9"}


def test_the_packages_parser_reads_our_payload_back(bank_keys):
    payload = vietqr.build_payload(450_000, "CP24Q7K3M9")
    parsed = QRPay(payload)
    assert parsed.is_valid
    assert (parsed.consumer.bank_bin, parsed.consumer.bank_number) == ("970436", "0011004321987")
    assert (parsed.amount, parsed.currency, parsed.nation) == ("450000", "704", "VN")
    assert parsed.additional_data.purpose == "CP24Q7K3M9"
    assert parsed.provider.service == "QRIBFTTA"
    # one character changed and the checksum no longer holds
    assert not QRPay(payload.replace("450000", "950000")).is_valid


@pytest.mark.parametrize(
    ("amount", "reference"),
    [(0, "CP24Q7K3M9"), (-5, "CP24Q7K3M9"), (10**13, "CP24Q7K3M9"), (450_000.5, "CP24Q7K3M9")],
)
def test_an_amount_that_is_not_whole_dong_is_refused(bank_keys, amount, reference):
    with pytest.raises(ValueError, match="amount"):
        vietqr.build_payload(amount, reference)


@pytest.mark.parametrize("reference", ["", "CP-24Q7-K3M9", "Đơn hàng", "X" * 26])
def test_a_reference_banks_would_mangle_is_refused(bank_keys, reference):
    with pytest.raises(ValueError, match="reference"):
        vietqr.build_payload(450_000, reference)


def test_the_reference_is_the_order_number_without_punctuation():
    assert vietqr.transfer_reference("CP-24Q7-K3M9") == "CP24Q7K3M9"


def test_the_svg_code_scans_back_to_the_payload(bank_keys):
    payload = vietqr.build_payload(450_000, "CP24Q7K3M9")
    svg = vietqr.qr_svg(payload, label="<order>")

    (code,) = zxingcpp.read_barcodes(rasterize(svg))
    assert code.text == payload
    assert "style=" not in svg  # the site's CSP allows no inline style
    assert "<title>&lt;order&gt;</title>" in svg
    assert len(svg) < 12_000  # a few kilobytes on a 3G phone


def test_bank_names_come_from_the_bin():
    assert vietqr.bank_name("970436") == "Vietcombank"
    assert vietqr.bank_name("970422") == "MB Bank"
    assert vietqr.bank_name("999999") == "999999"


# --- The adapter ------------------------------------------------------------------------------


def test_placing_with_vietqr_makes_a_pending_payment_with_the_reference(vietqr_order, settings):
    payment = payment_of(vietqr_order)
    assert vietqr_order.status == Order.Status.AWAITING_PAYMENT
    assert payment.status == Payment.Status.PENDING
    assert payment.amount == vietqr_order.total
    assert payment.reference == vietqr_order.number.replace("-", "")
    assert re.fullmatch(r"CP[0-9A-HJKMNP-TV-Z]{8}", payment.reference)
    window = vietqr_order.payment_deadline - vietqr_order.created_at
    assert abs(window - timedelta(minutes=settings.VIETQR_PAYMENT_MINUTES)) < timedelta(seconds=5)


def test_the_deadline_follows_its_own_setting(bank_keys, place, vietqr_tea):
    bank_keys.VIETQR_PAYMENT_MINUTES = 25
    order = place([(vietqr_tea, 1)], method=PaymentMethod.VIETQR)
    window = order.payment_deadline - order.created_at
    assert abs(window - timedelta(minutes=25)) < timedelta(seconds=5)


def test_after_placing_the_buyer_goes_to_the_qr_page(vietqr_order):
    url = adapter_for(PaymentMethod.VIETQR).next_url(vietqr_order)
    assert url == reverse("marketplace:bank_transfer", args=[vietqr_order.tracking_token])
    assert url == f"/don-hang/{vietqr_order.tracking_token}/chuyen-khoan/"


@pytest.mark.parametrize(
    "unset",
    [
        ("VIETQR_BANK_BIN",),
        ("VIETQR_ACCOUNT_NUMBER",),
        ("BANK_WEBHOOK_SECRET", "BANK_WEBHOOK_API_KEY"),
    ],
)
def test_vietqr_is_offered_only_with_an_account_and_a_webhook_key(
    bank_keys, place, vietqr_tea, unset
):
    methods = {adapter.method for adapter in available_adapters()}
    assert PaymentMethod.VIETQR in methods
    for name in unset:
        setattr(bank_keys, name, "")
    assert PaymentMethod.VIETQR not in {adapter.method for adapter in available_adapters()}
    with pytest.raises(ValidationError):
        place([(vietqr_tea, 1)], method=PaymentMethod.VIETQR)


def test_either_webhook_key_is_enough(bank_keys):
    bank_keys.BANK_WEBHOOK_SECRET = ""
    assert adapter_for(PaymentMethod.VIETQR).is_available()
    bank_keys.BANK_WEBHOOK_SECRET, bank_keys.BANK_WEBHOOK_API_KEY = "s", ""
    assert adapter_for(PaymentMethod.VIETQR).is_available()


def test_a_cancelled_paid_transfer_asks_a_moderator_to_send_it_back(
    vietqr_order, moderator, django_capture_on_commit_callbacks
):
    payment = payment_of(vietqr_order)
    confirm_payment(payment)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(vietqr_order, actor=moderator, reason="Người mua đổi ý")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED  # nobody has sent it back yet
    notice = Notification.objects.get(recipient=moderator)
    assert vietqr_order.number in notice.subject
    assert payment.reference in notice.body and "0912 345 678" in notice.body


# --- Settings ---------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env):
    """Import the settings in a fresh interpreter with ``env``; (exit code, output)."""
    code = (
        "import config.settings as s; "
        "print(repr((s.VIETQR_BANK_BIN, s.VIETQR_ACCOUNT_NUMBER, s.BANK_WEBHOOK_SECRET)))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VIETQR_", "BANK_"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_ENV": "development", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VIETQR_BANK_BIN", "97042"),
        ("VIETQR_BANK_BIN", "97042A"),
        ("VIETQR_ACCOUNT_NUMBER", "0011-004-321"),
        ("VIETQR_ACCOUNT_NUMBER", "1" * 20),
        ("VIETQR_PAYMENT_MINUTES", "2"),
    ],
)
def test_a_malformed_vietqr_setting_stops_the_site(name, value):
    status, output = load_settings(**{name: value})
    assert status != 0 and f"{name} must" in output


def test_production_offers_no_demo_account_and_no_demo_key():
    status, output = load_settings(
        DJANGO_ENV="production",
        SECRET_KEY="x" * 50,
        SCAN_HASH_KEY="y" * 40,
        ALLOWED_HOSTS="chophien.vn",
    )
    assert status == 0, output
    assert "('', '', '')" in output
