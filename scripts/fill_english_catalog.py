"""English is the source language of the msgids: fill the English catalogue with them, so
every string has an English entry and translators only touch the Vietnamese one."""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent

for path in ROOT.glob("**/locale/en/LC_MESSAGES/django.po"):
    if ".venv" in path.parts:
        continue
    catalog = polib.pofile(str(path))
    for entry in catalog:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    catalog.save()
