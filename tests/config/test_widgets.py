"""QuickSelect writes the very HTML Django's Select writes, without a template per option."""

import pytest
from django import forms
from django.urls import reverse_lazy

from config.widgets import QuickSelect

CHOICES = [
    ("", "Tất cả <tỉnh>"),
    ("15", "Lào Cai"),
    (1, 'Số "1" & hai'),
    ("Nhóm", [("a", "A"), ("b", "B & c")]),
]
WIDGET_ATTRS = [
    {},
    {"class": "x", "required": True, "disabled": False, "data-n": 3},
    {"data-url": reverse_lazy("places:communes"), "data-commune-select": ""},
]


@pytest.mark.parametrize("widget_attrs", WIDGET_ATTRS)
@pytest.mark.parametrize("value", [None, "", "15", 1, "b", ["15"], "<script>"])
def test_quick_select_writes_what_djangos_select_writes(widget_attrs, value):
    attrs = {"id": "id_province", "aria-describedby": "id_province_help"}
    expected = forms.Select(choices=CHOICES, attrs=widget_attrs).render("province", value, attrs)
    written = QuickSelect(choices=CHOICES, attrs=widget_attrs).render("province", value, attrs)
    assert written == expected


def test_a_form_field_with_quick_select_renders_as_with_select():
    class Both(forms.Form):
        slow = forms.ChoiceField(choices=CHOICES, required=False)
        quick = forms.ChoiceField(choices=CHOICES, required=False, widget=QuickSelect)

    form = Both({"slow": "b", "quick": "b"})
    assert str(form["quick"]).replace("quick", "slow") == str(form["slow"])
