"""marketplace announces, postal_pickup listens: nothing in marketplace names postal_pickup, so
the buying app works (and its tests run) with or without the post office's app."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_marketplace_never_imports_postal_pickup():
    importing = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "marketplace").rglob("*.py")
        if re.search(r"^\s*(from|import)\s+postal_pickup\b", path.read_text(), re.M)
    ]
    assert importing == []
