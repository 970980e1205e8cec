"""GTINs, check digits, character set 82, serials and lot codes."""

import os
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from traceability import gs1

# ../shared/standards next to the project, or wherever SHARED_STANDARDS_DIR says
SHARED = Path(
    os.environ.get("SHARED_STANDARDS_DIR")
    or Path(__file__).resolve().parents[3] / "shared" / "standards"
)


@pytest.mark.parametrize(
    "number",
    [
        "96385074",  # GTIN-8 from the GS1 General Specifications
        "036000291452",  # GTIN-12 (UPC-A)
        "8934588012228",  # a Vietnamese GTIN-13
        "4006381333931",
        "00012345600012",  # GTIN-14
    ],
)
def test_valid_gtins_are_accepted_and_padded_to_14_digits(number):
    assert gs1.validate_gtin(number) == number.zfill(14)
    assert gs1.is_valid_gtin(number)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("8934588012227", "bad_check_digit"),
        ("4006381333932", "bad_check_digit"),
        ("893458801222", "bad_check_digit"),  # a GTIN-13 missing a digit reads as a bad GTIN-12
        ("89345880122", "bad_length"),
        ("893458801222812", "bad_length"),
        ("893458801222A", "bad_character"),
        ("８９３４５８８０１２２２８", "bad_character"),  # full-width digits from a phone keyboard
        ("", "bad_character"),
    ],
)
def test_bad_gtins_are_refused_with_the_reason(number, code):
    with pytest.raises(gs1.GS1Error) as caught:
        gs1.validate_gtin(number)
    assert caught.value.code == code
    assert not gs1.is_valid_gtin(number)


def test_a_wrong_check_digit_message_says_which_digit_is_expected():
    with pytest.raises(gs1.GS1Error) as caught:
        gs1.validate_gtin("8934588012227")
    assert "8" in str(caught.value)


def test_gtin_validator_speaks_django_validation():
    gs1.gtin_validator("8934588012228")
    with pytest.raises(ValidationError):
        gs1.gtin_validator("8934588012227")


def test_check_digit_matches_gs1_worked_example():
    # GS1 General Specifications 7.9.1: 629104150021 -> 3
    assert gs1.check_digit("629104150021") == "3"
    assert gs1.check_digit("0001234560001") == "2"


def test_a_check_digit_of_zero_is_computed_and_accepted(settings):
    # the weighted sum is a multiple of 10: the check digit is 0 (not 10, not refused)
    assert gs1.check_digit("893458801228") == "0"
    assert gs1.validate_gtin("8934588012280") == "08934588012280"
    assert gs1.is_valid_gtin("08934588012280")
    assert not gs1.is_valid_gtin("8934588012281")
    settings.GS1_COMPANY_PREFIX = "8939999"
    assert gs1.allocate_gtin(13) == "08939999000130"
    assert gs1.is_valid_gtin(gs1.allocate_gtin(13))


def test_allocated_gtins_use_the_company_prefix_and_are_valid(settings):
    settings.GS1_COMPANY_PREFIX = "8939999"
    first = gs1.allocate_gtin(1)
    assert first == "08939999000017"
    assert gs1.is_valid_gtin(first)
    numbers = {gs1.allocate_gtin(n) for n in range(200)}
    assert len(numbers) == 200
    assert all(g[1:8] == "8939999" and gs1.is_valid_gtin(g) for g in numbers)


def test_allocation_stops_when_the_prefix_is_full(settings):
    settings.GS1_COMPANY_PREFIX = "89399990000"  # 11 digits: room for 10 items
    assert gs1.item_reference_capacity() == 10
    gs1.allocate_gtin(9)
    with pytest.raises(gs1.GS1Error):
        gs1.allocate_gtin(10)


def test_a_malformed_company_prefix_is_refused(settings):
    settings.GS1_COMPANY_PREFIX = "893"
    with pytest.raises(gs1.GS1Error):
        gs1.allocate_gtin(1)


def test_default_company_prefix_is_in_vietnams_893_range():
    from django.conf import settings

    assert settings.GS1_COMPANY_PREFIX.startswith("893")


def test_character_set_82_is_exactly_the_gs1_set():
    assert len(gs1.CSET_82) == 82
    for char in "!\"%&'()*+,-./:;<=>?_":
        assert char in gs1.CSET_82
    for char in " #$@[]^`{|}~\\đĐạ":
        assert char not in gs1.CSET_82


@pytest.mark.parametrize("lot", ["L260315-1", "A", "x" * 20, "LOT/2026:%1", "a_b.c(1)"])
def test_lots_within_set_82_and_20_characters_pass(lot):
    assert gs1.validate_lot(lot) == lot
    gs1.lot_validator(lot)


@pytest.mark.parametrize(
    ("lot", "code"),
    [
        ("", "too_short"),
        ("x" * 21, "too_long"),
        ("Lô 1", "bad_character"),
        ("L 1", "bad_character"),
        ("L#1", "bad_character"),
        ("Đ1", "bad_character"),
    ],
)
def test_lots_outside_the_rules_are_refused(lot, code):
    with pytest.raises(gs1.GS1Error) as caught:
        gs1.validate_lot(lot)
    assert caught.value.code == code
    with pytest.raises(ValidationError):
        gs1.lot_validator(lot)


def test_serial_validation_uses_the_same_rules():
    gs1.validate_serial("0123456789ABCDEFGHJK")
    with pytest.raises(gs1.GS1Error):
        gs1.validate_serial("0123456789ABCDEFGHJKM")


def test_serials_are_12_crockford_characters_and_never_repeat():
    serials = [gs1.new_serial() for _ in range(50_000)]
    assert len(set(serials)) == len(serials)
    assert all(len(s) == 12 and set(s) <= set(gs1.CROCKFORD_ALPHABET) for s in serials)
    assert not set("ILOU") & set("".join(serials))
    gs1.validate_serial(serials[0])


def test_serials_are_not_derivable_from_the_previous_one():
    decoded = [
        int("".join(f"{gs1.CROCKFORD_ALPHABET.index(c):05b}" for c in gs1.new_serial()), 2)
        for _ in range(5_000)
    ]
    differences = {b - a for a, b in zip(decoded, decoded[1:], strict=False)}
    # A counter or any fixed step would give a handful of differences; random draws give all
    # distinct ones.
    assert len(differences) == len(decoded) - 1
    # Every one of the 60 bits takes both values about half the time.
    for bit in range(60):
        ones = sum((n >> bit) & 1 for n in decoded)
        assert 2_200 < ones < 2_800, bit


def test_lot_suggestion_follows_the_harvest_date_and_skips_taken_codes():
    day = date(2026, 3, 15)
    assert gs1.suggest_lot(day) == "L260315-1"
    assert gs1.suggest_lot(day, taken={"L260315-1", "L260315-2"}) == "L260315-3"
    gs1.validate_lot(gs1.suggest_lot(day, taken={f"L260315-{n}" for n in range(1, 500)}))


def test_ai_table_reads_the_gs1_dictionary():
    table = gs1.ai_table()
    assert len(table) > 500
    gtin = table["01"]
    assert gtin.dl_primary_key and gtin.dl_qualifiers == (("22", "10", "21"), ("235",))
    assert table["10"].dl_data_attribute and not table["21"].dl_data_attribute
    assert table["10"].max_length == 20
    assert "3103" in table  # ranges such as 3100-3105 are expanded
    with pytest.raises(gs1.GS1Error):
        table["15"].validate("261341")  # month 13
    table["15"].validate("261200")  # day 00 is allowed for best-before


def test_the_bundled_dictionary_is_the_shared_standard_unchanged():
    """The app reads its own copy; it must stay identical to ../shared/standards."""
    bundled = gs1.SYNTAX_DICTIONARY_PATH.read_bytes()
    assert b"Licensed under the Apache License, Version 2.0" in bundled
    shared = SHARED / "gs1-syntax-dictionary.txt"
    assert shared.exists(), (
        f"{shared} is missing: this test compares the bundled copy with the shared GS1 "
        "standards: put them in ../shared/standards or set SHARED_STANDARDS_DIR"
    )
    assert bundled == shared.read_bytes()
