import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from places.conversion import convert_legacy_address
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
