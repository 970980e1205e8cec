"""The two packages of Vietnamese place names compared, commune by commune.

``vietnamadminunits`` follows the official code list of Decision 19/2025/QĐ-TTg and is our one
source of codes; ``vietnam-provinces`` (which the project used before) gives another code to
some communes and spells others differently. Every disagreement is listed, with how it is
resolved, in data/vietnam_provinces_disagreements.tsv: when either package changes, this test
says what changed and someone decides again.
"""

import csv
from pathlib import Path

import pytest
from vietnam_provinces import Ward

from places import divisions
from places.conversion import convert_legacy_address

DISAGREEMENTS = Path(__file__).parent / "data" / "vietnam_provinces_disagreements.tsv"
COLUMNS = ["code", "name", "province", "their_code", "their_name_at_code", "resolution"]


def _their_communes():
    return {
        divisions.commune_code(w.code.value): (
            divisions.province_code(w.province_code.value),
            w.name,
        )
        for w in Ward.iter_all()
    }


def compare():
    """One row per official commune on which the packages disagree, in code order."""
    theirs = _their_communes()
    their_code_of = {}
    for code, (province_code, name) in theirs.items():
        their_code_of.setdefault((province_code, divisions.name_key(name)), []).append(code)
    rows = []
    for province in divisions.provinces():
        for commune in divisions.communes_of(province.code):
            at_code = theirs.get(commune.code)
            named = their_code_of.get((commune.province_code, divisions.name_key(commune.name)), [])
            same_commune = at_code is not None and at_code[0] == commune.province_code
            same_commune = same_commune and named == [commune.code]
            if same_commune and at_code[1] == commune.name:
                continue
            resolution = "official spelling" if same_commune else "official code"
            rows.append(
                {
                    "code": commune.code,
                    "name": commune.name,
                    "province": province.full_name,
                    "their_code": ",".join(named),
                    "their_name_at_code": at_code[1] if at_code else "",
                    "resolution": resolution,
                }
            )
    return sorted(rows, key=lambda row: row["code"])


def listed():
    with DISAGREEMENTS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_both_packages_have_the_same_3321_communes_by_name():
    theirs = {(p, divisions.name_key(n)) for p, n in _their_communes().values()}
    ours = {
        (c.province_code, divisions.name_key(c.name))
        for p in divisions.provinces()
        for c in divisions.communes_of(p.code)
    }
    assert len(ours) == 3321
    assert ours == theirs


def test_every_disagreement_between_the_packages_is_listed_with_its_resolution():
    found = compare()
    assert found == listed()
    # 123 communes carry another code in vietnam-provinces; 38 are spelled differently there
    assert [row["resolution"] for row in found].count("official code") == 123
    assert [row["resolution"] for row in found].count("official spelling") == 38


@pytest.mark.parametrize("row", listed(), ids=lambda row: row["code"])
def test_each_disagreement_is_resolved_by_the_official_list(row):
    official = divisions.commune(row["code"])
    assert official.name == row["name"]
    assert official.province.full_name == row["province"]
    # however either package writes the name, it leads to the official code
    written_their_way = (
        row["their_name_at_code"] if row["resolution"] == "official spelling" else None
    )
    for name in filter(None, [row["name"], written_their_way]):
        assert divisions.find_communes(name, official.province_code) == [official]
    for their_code in filter(None, row["their_code"].split(",")):
        if their_code != row["code"]:
            # their code for this name is another commune here, or none at all
            assert divisions.commune(their_code) != official


@pytest.mark.parametrize(
    ("code", "name"),
    [
        # read from the Decision's table (Phụ lục, Stt 10, 11, 179-181, 469, 1346)
        ("00229", "Phường Kim Liên"),
        ("00226", "Phường Văn Miếu - Quốc Tử Giám"),
        ("01537", "Xã Lý Quốc"),
        ("01558", "Xã Hạ Lang"),
        ("01561", "Xã Vinh Quý"),
        ("04606", "Xã Trạm Tấu"),
        ("13285", "Phường Phủ Lý"),
        ("04672", "Xã Văn Chấn"),
    ],
)
def test_codes_are_those_of_decision_19_2025(code, name):
    assert divisions.commune(code).name == name


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # "not found" while vietnam-provinces gave the codes
        ("Xã Pá Hu, Huyện Trạm Tấu, Tỉnh Yên Bái", "Xã Trạm Tấu, Tỉnh Lào Cai"),
        # silently converted to the wrong commune while vietnam-provinces gave the codes
        ("Xã Lý Quốc, Huyện Hạ Lang, Tỉnh Cao Bằng", "Xã Lý Quốc, Tỉnh Cao Bằng"),
        (
            "Phường Văn Chương, Quận Đống Đa, Thành phố Hà Nội",
            "Phường Văn Miếu - Quốc Tử Giám, Thành phố Hà Nội",
        ),
        ("Phường Kim Liên, Quận Đống Đa, Thành phố Hà Nội", "Phường Kim Liên, Thành phố Hà Nội"),
    ],
)
def test_addresses_once_lost_or_misplaced_by_the_code_mismatch(old, new):
    assert convert_legacy_address(old).commune.full_name == new
