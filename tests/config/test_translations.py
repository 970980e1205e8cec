"""Vietnamese is the first language: every message has a Vietnamese translation, and the
compiled catalogues that ship are the ones written."""

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def entries(po):
    for entry in po:
        if entry.obsolete:
            continue
        yield entry


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_message_is_translated(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    missing = [
        e.msgid
        for e in entries(po)
        if not (e.msgstr or all(e.msgstr_plural.values()) and e.msgstr_plural)
    ]
    fuzzy = [e.msgid for e in entries(po) if "fuzzy" in e.flags]
    assert missing == [], f"untranslated in {language}: {missing[:10]}"
    assert fuzzy == [], f"fuzzy in {language}: {fuzzy[:10]}"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_compiled_catalogue_matches_the_written_one(language):
    folder = LOCALE / language / "LC_MESSAGES"
    written = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0)
        for e in entries(polib.pofile(str(folder / "django.po")))
    }
    compiled = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0)
        for e in polib.mofile(str(folder / "django.mo"))
        if e.msgid
    }
    assert compiled == written, "run `make compilemessages` and commit the .mo files"
