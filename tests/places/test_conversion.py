import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from places import divisions
from places.conversion import SplitCommune, convert_legacy_address
from places.forms import AddressForm

pytestmark = pytest.mark.django_db


def test_an_old_three_level_address_is_converted():
    result = convert_legacy_address("Xã Suối Giàng, Huyện Văn Chấn, Tỉnh Yên Bái")
    assert result.commune.code == "04672"
    assert str(result) == "Xã Văn Chấn, Tỉnh Lào Cai"
    assert result.old_commune == "Xã Suối Giàng, Huyện Văn Chấn, Tỉnh Yên Bái"


def test_the_village_is_kept_and_diacritics_are_optional():
    result = convert_legacy_address("Thôn Pang Cáng, Suoi Giang, Van Chan, Yen Bai")
    assert result.commune.full_name == "Xã Văn Chấn, Tỉnh Lào Cai"
    assert result.village == "Thôn Pang Cáng"


@pytest.mark.parametrize(
    "typed", ["Xã Abcxyz, Huyện Foo, Tỉnh Bar", "Tỉnh Yên Bái", "nhà tôi ở gần chợ"]
)
def test_an_unmatched_address_gets_a_message_not_a_guess(typed):
    with pytest.raises(ValidationError) as caught:
        convert_legacy_address(typed)
    assert caught.value.code == "unmatched"
    assert "Không tìm thấy xã" in caught.value.messages[0]


def _converter_answers():
    """Each old commune as text, with the full names of the new communes the converter's
    own data says it became (its keys joined to its own list of names, not to codes)."""
    from vietnamadminunits.converter import converter_2025 as data
    from vietnamadminunits.database import get_data

    names = {
        (row["provinceKey"], row["wardKey"]): f"{row['ward']}, {row['province']}"
        for row in get_data(table="admin_units")
    }
    became = {}
    for province_key, communes in data.DICT_PROVINCE_WARD_NO_DIVIDED.items():
        for commune_key, old_keys in communes.items():
            for old_key in old_keys:
                became.setdefault(old_key, set()).add(names[(province_key, commune_key)])
    for province_key, old_keys in data.DICT_PROVINCE_WARD_DIVIDED.items():
        for old_key, parts in old_keys.items():
            for part in parts:
                became.setdefault(old_key, set()).add(names[(province_key, part["newWardKey"])])
    fields = ["province", "district", "ward", "provinceKey", "districtKey", "wardKey"]
    for old in get_data(fields=fields, table="admin_units_legacy"):
        text = ", ".join(p for p in (old["ward"], old["district"], old["province"]) if p)
        key = f"{old['provinceKey']}_{old['districtKey']}_{old['wardKey'] or ''}"
        yield text, became[key]


def test_every_old_commune_converts_to_the_right_new_one_or_offers_the_choice():
    offered, reached = 0, set()
    for text, expected in _converter_answers():
        try:
            got = {convert_legacy_address(text).commune}
        except SplitCommune as split:
            got = set(split.candidates)
            offered += 1
        assert {c.full_name for c in got} == expected, text
        reached |= {c.code for c in got}
    assert len(reached) == 3321  # every new commune is some old commune's successor
    assert offered == 471  # old communes divided among several new ones


def test_a_divided_commune_offers_its_successors_and_never_guesses(monkeypatch):
    from vietnamadminunits.converter import converter_2025

    def no_network(*args, **kwargs):
        raise AssertionError("the address was sent to a geocoder")

    # the library would geocode the street over the network to pick one successor
    monkeypatch.setattr(converter_2025, "get_geo_location", no_network)
    with pytest.raises(SplitCommune) as caught:
        convert_legacy_address("Thôn Nà Hu, Xã Yên Định, Huyện Bắc Mê, Tỉnh Hà Giang")
    split = caught.value
    assert [c.name for c in split.candidates] == ["Xã Minh Ngọc", "Xã Ngọc Đường"]
    assert {c.province_code for c in split.candidates} == {"08"}
    assert split.village == "Thôn Nà Hu"
    assert split.messages == [
        "“Xã Yên Định, Huyện Bắc Mê, Tỉnh Hà Giang” đã được chia cho nhiều xã/phường của "
        "Tỉnh Tuyên Quang: Xã Minh Ngọc, Xã Ngọc Đường. Hãy chọn xã/phường của bạn trong "
        "danh sách."
    ]


def test_an_island_district_without_communes_becomes_its_special_zone():
    converted = convert_legacy_address("Huyện Côn Đảo, Tỉnh Bà Rịa - Vũng Tàu")
    assert converted.commune.full_name == "Đặc khu Côn Đảo, Thành phố Hồ Chí Minh"


def test_names_match_whichever_way_the_tone_is_placed():
    assert divisions.normalise_name("Xã  Chiêm Hoá") == "Xã Chiêm Hóa"
    assert divisions.normalise_name("Phường Hoàng Mai") == "Phường Hoàng Mai"
    assert divisions.normalise_name("Xã Quý Lộc") == "Xã Quý Lộc"
    assert [c.code for c in divisions.find_communes("Xã Chiêm Hoá", "08")] == ["02287"]
    # diacritics tell two communes of one province apart
    assert [c.name for c in divisions.find_communes("Xã Văn Lăng", "19")] == ["Xã Văn Lăng"]


def test_the_form_fills_province_and_commune_from_the_old_address():
    form = AddressForm(
        {
            "province_code": "",
            "commune_code": "",
            "old_address": "Thôn Pang Cáng, Xã Suối Giàng, Huyện Văn Chấn, Tỉnh Yên Bái",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["province_code"] == "15"
    assert form.cleaned_data["commune_code"] == "04672"
    assert form.cleaned_data["village"] == "Thôn Pang Cáng"


def test_the_form_refuses_a_commune_of_another_province():
    form = AddressForm({"province_code": "01", "commune_code": "04672"})
    assert not form.is_valid()
    assert "commune_code" in form.errors


def test_the_form_asks_for_a_commune():
    form = AddressForm({"province_code": "15", "commune_code": ""})
    assert not form.is_valid()
    assert form.errors["commune_code"] == [
        "Hãy chọn xã/phường, hoặc viết địa chỉ cũ vào ô bên dưới."
    ]


def test_commune_list_follows_the_province_without_javascript(client):
    url = reverse("places:convert_address")
    first = client.get(url).content.decode()
    assert "Xã Văn Chấn" not in first  # no province chosen: no 3,321-line list
    refreshed = client.post(url, {"province_code": "15", "refresh_communes": "1"})
    html = refreshed.content.decode()
    assert '<option value="04672">Xã Văn Chấn</option>' in html
    assert 'class="error"' not in html  # choosing a province is not a mistake
    assert len(html.encode()) < 100_000


def test_commune_list_for_javascript(client):
    data = client.get(reverse("places:communes"), {"province": "15"}).json()
    assert {"code": "04672", "name": "Xã Văn Chấn"} in data["communes"]
    assert client.get(reverse("places:communes"), {"province": "xx"}).json() == {"communes": []}


def test_the_conversion_page_shows_the_new_address(client):
    response = client.post(
        reverse("places:convert_address"),
        {"old_address": "Xã Suối Giàng, Huyện Văn Chấn, Tỉnh Yên Bái"},
    )
    html = response.content.decode()
    assert "Xã Văn Chấn, Tỉnh Lào Cai" in html


def test_the_conversion_page_explains_an_unmatched_address(client):
    response = client.post(
        reverse("places:convert_address"), {"old_address": "Xã Abcxyz, Huyện Foo, Tỉnh Bar"}
    )
    assert "Không tìm thấy xã" in response.content.decode()


DIVIDED = "Thôn Nà Hu, Xã Yên Định, Huyện Bắc Mê, Tỉnh Hà Giang"


def test_the_form_lists_the_successors_of_a_divided_commune_to_choose_from():
    form = AddressForm({"province_code": "", "commune_code": "", "old_address": DIVIDED})
    assert not form.is_valid()
    assert "Xã Minh Ngọc, Xã Ngọc Đường" in form.errors["commune_code"][0]
    html = str(form["commune_code"])
    assert '<option value="00994">Xã Minh Ngọc</option>' in html
    assert '<option value="00700">Xã Ngọc Đường</option>' in html
    assert html.count("<option") == 3  # the two successors and the prompt, nothing else
    assert '<option value="08" selected>' in str(form["province_code"])
    assert 'value="Thôn Nà Hu"' in str(form["village"])


def test_the_person_chooses_one_successor_and_the_form_accepts_it():
    chosen = AddressForm(
        {
            "province_code": "08",
            "commune_code": "00700",
            "village": "Thôn Nà Hu",
            "old_address": DIVIDED,
        }
    )
    assert chosen.is_valid(), chosen.errors
    assert (chosen.cleaned_data["province_code"], chosen.cleaned_data["commune_code"]) == (
        "08",
        "00700",
    )


def test_the_conversion_page_shows_the_choice_without_javascript(client):
    url = reverse("places:convert_address")
    html = client.post(url, {"old_address": DIVIDED}).content.decode()
    assert "đã được chia cho nhiều xã/phường" in html
    assert '<option value="00994">Xã Minh Ngọc</option>' in html
    chosen = client.post(
        url, {"old_address": DIVIDED, "province_code": "08", "commune_code": "00994"}
    ).content.decode()
    assert "Xã Minh Ngọc, Tỉnh Tuyên Quang" in chosen
