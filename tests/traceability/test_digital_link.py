"""GS1 Digital Link syntax, rule by rule, as a GS1-conformant resolver must apply it."""

import pytest

from traceability import digital_link
from traceability.digital_link import DigitalLinkError, parse

GTIN = "08939999000017"
GTIN13 = "8939999000017"


def refused(path, query=""):
    with pytest.raises(DigitalLinkError) as caught:
        parse(path, query)
    return caught.value.code


def test_full_label_path_is_parsed():
    link = parse(f"/01/{GTIN}/10/L260315-1/21/2SSMZAPJFSH4")
    assert (link.gtin, link.lot, link.serial) == (GTIN, "L260315-1", "2SSMZAPJFSH4")
    assert not link.needs_redirect
    assert link.path == f"/01/{GTIN}/10/L260315-1/21/2SSMZAPJFSH4"


@pytest.mark.parametrize(
    "path",
    [f"/01/{GTIN}", f"/01/{GTIN}/10/L1", f"/01/{GTIN}/21/S1", f"/01/{GTIN}/22/V1/10/L1/21/S1"],
)
def test_less_specific_and_every_allowed_qualifier_order(path):
    assert parse(path).path == path


def test_alternative_qualifier_235_alone_is_allowed():
    assert parse(f"/01/{GTIN}/235/TPX1").qualifiers == {"235": "TPX1"}


def test_percent_encoded_values_are_decoded_and_re_encoded():
    link = parse(f"/01/{GTIN}/10/LOT%2F26%3A1/21/A%25B")
    assert (link.lot, link.serial) == ("LOT/26:1", "A%B")
    assert link.path == f"/01/{GTIN}/10/LOT%2F26%3A1/21/A%25B"


@pytest.mark.parametrize("short", [GTIN13, "96385074", "036000291452"])
def test_short_gtins_are_accepted_and_flagged_for_redirect(short):
    link = parse(f"/01/{short}/10/L1")
    assert link.needs_redirect
    assert link.gtin == short.zfill(14)
    assert link.path == f"/01/{short.zfill(14)}/10/L1"


def test_trailing_slash_reads_like_none():
    # GS1 Digital Link 1.2 resolvers answer /…/ as /…: no redirect, the same values
    link = parse(f"/01/{GTIN}/10/L1/")
    assert not link.needs_redirect and link.lot == "L1" and link.path == f"/01/{GTIN}/10/L1"


@pytest.mark.parametrize("gtin", ["08939999000018", "8939999000018"])
def test_bad_check_digit_is_refused(gtin):
    assert refused(f"/01/{gtin}/10/L1") == "bad_check_digit"


def test_wrong_gtin_length_is_refused():
    assert refused("/01/893999900001/10/L1") in {"bad_check_digit", "too_short"}
    assert refused("/01/89399990001/10/L1") == "too_short"
    assert refused("/01/089399990000170/10/L1") == "too_long"


@pytest.mark.parametrize(
    "path",
    [
        f"/01/{GTIN}/21/S1/10/L1",
        f"/01/{GTIN}/10/L1/22/V1",
        f"/01/{GTIN}/21/S1/22/V1",
        f"/01/{GTIN}/10/L1/235/T1",  # the two alternatives do not mix
    ],
)
def test_qualifiers_out_of_order_are_refused(path):
    assert refused(path) == "qualifier_order"


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (f"/01/{GTIN}/10/L%C3%B41", "bad_character"),  # "Lô1"
        (f"/01/{GTIN}/10/L%201", "bad_character"),  # a space
        (f"/01/{GTIN}/21/S%231", "bad_character"),  # "#"
        (f"/01/{GTIN}/10/" + "L" * 21, "too_long"),
        (f"/01/{GTIN}/10/%FF", "bad_encoding"),
    ],
)
def test_values_outside_set_82_or_too_long_are_refused(path, code):
    assert refused(path) == code


@pytest.mark.parametrize(
    "path",
    [f"/01/{GTIN}/10/L1/10/L2", f"/01/{GTIN}/21/S1/21/S2", f"/01/{GTIN}/01/{GTIN}"],
)
def test_duplicate_ais_are_refused(path):
    assert refused(path) in {"duplicate_ai"}


def test_duplicate_between_path_and_query_is_refused():
    assert refused(f"/01/{GTIN}/10/L1", "10=L2") == "duplicate_ai"
    assert refused(f"/01/{GTIN}", "15=261231&15=261130") == "duplicate_ai"


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (f"/01/{GTIN}/99999/X", "unknown_ai"),
        (f"/01/{GTIN}/23/X", "unknown_ai"),
        (f"/01/{GTIN}/abc/X", "unknown_ai"),
        (f"/999/{GTIN}", "unknown_ai"),
        (f"/01/{GTIN}/15/261231", "not_a_qualifier"),  # a data attribute, not a path qualifier
        (f"/10/L1/01/{GTIN}", "not_a_primary_key"),
        ("/414/8934588012228", "unsupported_key"),
        (f"/01/{GTIN}/10", "missing_value"),
        ("/", "missing_value"),
    ],
)
def test_unknown_or_misplaced_ais_are_refused(path, code):
    assert refused(path) == code


def test_query_string_data_attributes_follow_the_question_mark_flag():
    link = parse(f"/01/{GTIN}/10/L1", "15=261231&3103=000250&linkType=gs1:pip")
    assert link.attributes == {"15": "261231", "3103": "000250"}
    assert link.parameters == {"linkType": "gs1:pip"}
    # AIs 21 and 22 qualify a GTIN: they belong in the path only (gs1-syntax-engine dl.c)
    assert refused(f"/01/{GTIN}/10/L1", "21=S1") == "qualifier_in_query"
    assert refused(f"/01/{GTIN}", "22=V1") == "qualifier_in_query"
    # AI 235 qualifies a GTIN only instead of 22/10/21, and has no "?" flag
    assert refused(f"/01/{GTIN}/10/L1", "235=X") == "not_a_data_attribute"
    assert refused(f"/01/{GTIN}", "9999=1") == "unknown_ai"


def test_query_string_values_are_checked_against_their_format():
    assert refused(f"/01/{GTIN}", "15=261341") == "bad_value"  # month 13
    assert refused(f"/01/{GTIN}", "3103=25") == "too_short"
    assert refused(f"/01/{GTIN}", "17=26123A") == "bad_character"


def test_query_string_combination_rules_from_the_dictionary():
    # (3103) and (3102) are both net weight in kg: ex=310n forbids two of them
    assert refused(f"/01/{GTIN}", "3103=000250&3102=002500") == "invalid_combination"
    # (4330) needs an SSCC (00), not a GTIN
    assert refused(f"/01/{GTIN}", "4330=000250") == "missing_requirement"


def test_error_messages_explain_the_rule(settings):
    with pytest.raises(DigitalLinkError) as caught:
        parse(f"/01/{GTIN}/21/S1/10/L1")
    assert "(22) / (10) / (21)" in str(caught.value)


def test_label_url_uses_site_url_and_encodes_values(settings):
    settings.SITE_URL = "https://chophien.vn"
    url = digital_link.label_url(GTIN13, "L/1", "2SSMZAPJFSH4")
    assert url == f"https://chophien.vn/01/{GTIN}/10/L%2F1/21/2SSMZAPJFSH4"
    assert parse(url.removeprefix("https://chophien.vn")).lot == "L/1"


def test_builder_refuses_invalid_values():
    with pytest.raises(digital_link.GS1Error):
        digital_link.build_path(GTIN, lot="Lô 1")
    with pytest.raises(digital_link.GS1Error):
        digital_link.build_path("08939999000018", lot="L1")


def test_every_set_82_character_survives_a_round_trip():
    from traceability.gs1 import CSET_82

    chars = "".join(sorted(CSET_82))
    for start in range(0, len(chars), 20):
        chunk = chars[start : start + 20]
        path = digital_link.build_path(GTIN, lot=chunk, serial=chunk[::-1])
        link = parse(path)
        assert (link.lot, link.serial) == (chunk, chunk[::-1])
