"""Parcel weight and shipping fee: one rule, used by the cart, the checkout review and
``place_order`` alike, so the fee a buyer sees is the fee the order records."""

from dataclasses import dataclass

# (up to grams, within the province, to another province): a typical Vietnamese post-office
# table for parcels collected at the door, in VND.
DEFAULT_BANDS = (
    (500, 20_000, 30_000),
    (1_000, 25_000, 35_000),
    (2_000, 30_000, 45_000),
    (5_000, 45_000, 70_000),
)
DEFAULT_EXTRA_PER_KG = (5_000, 10_000)
# Packing adds to the goods: a box and padding for any parcel.
PACKING_GRAMS = 100


@dataclass(frozen=True)
class FeeTable:
    bands: tuple  # ((up_to_grams, same_province, other_province), ...), lightest first
    extra_per_kg: tuple  # (same_province, other_province)

    def fee(self, weight_grams, same_province):
        """The fee for a parcel of ``weight_grams`` (packing included by the caller)."""
        column = 1 if same_province else 2
        for band in self.bands:
            if weight_grams <= band[0]:
                return band[column]
        heaviest = self.bands[-1]
        extra_kg = -(-(weight_grams - heaviest[0]) // 1000)  # each started kilogram
        return heaviest[column] + extra_kg * self.extra_per_kg[column - 1]


DEFAULT_TABLE = FeeTable(DEFAULT_BANDS, DEFAULT_EXTRA_PER_KG)


def fee_table(site=None):
    """The fee table of ``site`` (the default site when None) from its shipping settings."""
    from wagtail.models import Site

    from .order_models import ShippingSettings

    site = site or Site.objects.filter(is_default_site=True).first()
    if site is None:
        return DEFAULT_TABLE
    settings = ShippingSettings.for_site(site)
    bands = sorted(
        (b.value["up_to_grams"], b.value["same_province"], b.value["other_province"])
        for b in settings.bands
    )
    extra = (settings.extra_per_kg_same_province, settings.extra_per_kg_other_province)
    return FeeTable(tuple(bands) or DEFAULT_BANDS, extra)


def parcel_weight(lines):
    """Grams of one producer's parcel: ``lines`` of (unit weight in grams, quantity)."""
    return PACKING_GRAMS + sum(weight * quantity for weight, quantity in lines)
