"""Commune codes stored before the project followed Decision 19/2025/QĐ-TTg.

Until then codes came from ``vietnam-provinces``, which gives 123 communes another code than
the official list (tests/places/test_sources.py lists them). ``THEIR_CODE_TO_OFFICIAL`` maps
each such code to the official code of the commune of the same province and name; several
form cycles (Xã Lý Quốc, Xã Hạ Lang and Xã Vinh Quý of Cao Bằng trade codes), so a table is
recoded in one UPDATE, never code by code.
"""

from django.db.models import Case, F, Value, When

THEIR_CODE_TO_OFFICIAL = {
    "00073": "00082",
    "00130": "00118",
    "00148": "00145",
    "00167": "00166",
    "00187": "00199",
    "00196": "00226",
    "00226": "00229",
    "00277": "00292",
    "00304": "00301",
    "00313": "00322",
    "00319": "00331",
    "00331": "00340",
    "00424": "00430",
    "00484": "00475",
    "00583": "00577",
    "00646": "00643",
    "01537": "01561",
    "01558": "01537",
    "01561": "01558",
    "02674": "02671",
    "02791": "02782",
    "03667": "03664",
    "04318": "04309",
    "04333": "04342",
    "04591": "04606",
    "04678": "04681",
    "04936": "04930",
    "05098": "05092",
    "05794": "05788",
    "06016": "06004",
    "06193": "06211",
    "06202": "06196",
    "06214": "06124",
    "06421": "06436",
    "08035": "08038",
    "08161": "08173",
    "08215": "08218",
    "08380": "08377",
    "08461": "08467",
    "08497": "08500",
    "08749": "08746",
    "09373": "09379",
    "09376": "09370",
    "09382": "09385",
    "09793": "09787",
    "09838": "09856",
    "09859": "09871",
    "09922": "09952",
    "09928": "09910",
    "10006": "10003",
    "10009": "09982",
    "10018": "10045",
    "10084": "10072",
    "10108": "10096",
    "10141": "10126",
    "10333": "10342",
    "10510": "10507",
    "10540": "10891",
    "10672": "10837",
    "10777": "10792",
    "11341": "11329",
    "11986": "12004",
    "12052": "12073",
    "12220": "12223",
    "12478": "12583",
    "12841": "12916",
    "13285": "13318",
    "13291": "13285",
    "13318": "13291",
    "13666": "13669",
    "13735": "13708",
    "14599": "14614",
    "15115": "15106",
    "15118": "15112",
    "15718": "15715",
    "16063": "16072",
    "16207": "16222",
    "16219": "16213",
    "16994": "17011",
    "17152": "17170",
    "19165": "19138",
    "19768": "19753",
    "19786": "19789",
    "19810": "19774",
    "19864": "19858",
    "20023": "19804",
    "20152": "20137",
    "20195": "20194",
    "20224": "20305",
    "20872": "20875",
    "21862": "21859",
    "21889": "21901",
    "21898": "21880",
    "22003": "22006",
    "22066": "22060",
    "22306": "22303",
    "22408": "22411",
    "22779": "22780",
    "22858": "22861",
    "22868": "22846",
    "22885": "22900",
    "22903": "22888",
    "22910": "22909",
    "23098": "23095",
    "23737": "23938",
    "24481": "24472",
    "25264": "25252",
    "25336": "25333",
    "25453": "25450",
    "26329": "26332",
    "26794": "26800",
    "26797": "26803",
    "26812": "26809",
    "26887": "26876",
    "26899": "26898",
    "26902": "26890",
    "27010": "27019",
    "27118": "27094",
    "27160": "27154",
    "27385": "27364",
    "29752": "29740",
    "31207": "31228",
    "31212": "31207",
}


def recode_communes(model, field="commune_code"):
    """Give every row of ``model`` the official code of the commune it meant; return how many
    rows changed."""
    output = model._meta.get_field(field)
    whens = [
        When(**{field: theirs}, then=Value(ours, output_field=output))
        for theirs, ours in THEIR_CODE_TO_OFFICIAL.items()
    ]
    rows = model._base_manager.filter(**{f"{field}__in": list(THEIR_CODE_TO_OFFICIAL)})
    return rows.update(**{field: Case(*whens, default=F(field), output_field=output)})


def recode_app(app_label, *model_names):
    """A RunPython operation recoding ``commune_code`` of these models of one app."""

    def forwards(apps, schema_editor):
        for name in model_names:
            recode_communes(apps.get_model(app_label, name))

    return forwards
