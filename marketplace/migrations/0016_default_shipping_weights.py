"""Listings made before shipping weights existed get one read from their unit ("gói 200 g",
"hũ 500 ml", "túi 1 kg"), plus packing, or 500 g when the unit says nothing; each farmer is
told, in Vietnamese, which weights were set so they can correct them."""

import re

from django.db import migrations

DEFAULT_GRAMS = 500
PACKING_GRAMS = 50
_AMOUNT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(kg|g|gr|gam|ml|l|lít|lit)\b", re.IGNORECASE)
_FACTOR = {"kg": 1000, "g": 1, "gr": 1, "gam": 1, "ml": 1, "l": 1000, "lít": 1000, "lit": 1000}


def weight_from_unit(unit):
    match = _AMOUNT.search(unit or "")
    if not match:
        return DEFAULT_GRAMS
    amount = float(match.group(1).replace(",", "."))
    grams = round(amount * _FACTOR[match.group(2).lower()])
    return min(max(grams, 1) + PACKING_GRAMS, 30_000)


def set_weights(apps, schema_editor):
    Product = apps.get_model("marketplace", "Product")
    Notification = apps.get_model("accounts", "Notification")
    told = {}
    for product in Product.objects.filter(shipping_weight_grams__isnull=True).exclude(
        review_state="draft"
    ):
        product.shipping_weight_grams = weight_from_unit(product.unit)
        product.save(update_fields=["shipping_weight_grams"])
        told.setdefault(product.producer_id, []).append(product)
    for producer_id, products in told.items():
        lines = "; ".join(f"{p.name}: {p.shipping_weight_grams} g" for p in products)
        members = apps.get_model("marketplace", "Producer").objects.get(pk=producer_id).members
        for member in members.filter(is_active=True):
            Notification.objects.create(
                recipient=member,
                channel="email" if member.email else "sms",
                subject="Kiểm tra cân nặng gửi hàng",
                body=(
                    "Chợ Phiên đã đặt cân nặng gửi hàng (đã đóng gói) cho sản phẩm của bạn để "
                    f"tính phí bưu điện: {lines}. Nếu chưa đúng, hãy sửa ở mục Chi tiết của "
                    "sản phẩm."
                ),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("marketplace", "0015_buying"),
    ]

    operations = [migrations.RunPython(set_weights, migrations.RunPython.noop)]
