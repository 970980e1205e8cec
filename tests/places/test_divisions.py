from places import divisions


def test_the_2025_map_has_34_provinces_and_3321_communes():
    assert len(divisions.provinces()) == 34
    assert sum(len(divisions.communes_of(p.code)) for p in divisions.provinces()) == 3321


def test_codes_are_official_zero_padded_strings():
    lao_cai = divisions.province("15")
    assert lao_cai.full_name == "Tỉnh Lào Cai"
    van_chan = divisions.commune("4672")
    assert van_chan.code == "04672"
    assert van_chan.full_name == "Xã Văn Chấn, Tỉnh Lào Cai"


def test_lookups_by_name_ignore_diacritics_and_unit_words():
    assert divisions.find_province("lao cai").code == "15"
    assert divisions.find_province("Tỉnh Lào Cai").code == "15"
    assert divisions.find_province("Thành phố Hà Nội").code == "01"
    assert [c.code for c in divisions.find_communes("van chan", "15")] == ["04672"]
    assert [c.code for c in divisions.find_communes("Xã Văn Chấn")] == ["04672"]


def test_unknown_codes_are_none_not_errors():
    assert divisions.province("99") is None
    assert divisions.commune("abc") is None
    assert divisions.communes_of("") == []
