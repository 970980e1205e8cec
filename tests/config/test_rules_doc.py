"""docs/rules.md maps each business rule to the file and function that hold it and the tests that
prove it: a rule moved or a test renamed without the map following it fails here."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "docs" / "rules.md"
PATH = re.compile(r"^(\w+/[\w/]+\.py)(?:::(\w+))?$")
NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$")


def _rows():
    """(rule, where, proved by) of every table row of docs/rules.md."""
    for line in RULES.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("rule", "---"):
            yield cells


def _references(cell):
    """(file, name or None) for each backticked file and each name after it (``::name`` too)."""
    current = None
    for token in re.findall(r"`([^`]+)`", cell):
        if path := PATH.match(token):
            current = path[1]
            yield current, path[2]
        elif current and token.startswith("::"):
            yield current, token[2:]
        elif current and NAME.match(token):
            yield current, token


def test_every_rule_names_a_file_that_holds_it():
    rows = list(_rows())
    assert len(rows) > 40  # the parser still finds the table rows
    missing = []
    for rule, where, _proof in rows:
        for path, name in _references(where):
            source = ROOT / path
            if not source.is_file():
                missing.append(f"{rule}: no file {path}")
            elif name and not re.search(rf"\b{name.split('.')[-1]}\b", source.read_text()):
                missing.append(f"{rule}: {name} is not in {path}")
    assert missing == []


def test_every_rule_names_tests_that_exist():
    missing = []
    for rule, _where, proof in _rows():
        references = list(_references(proof))
        assert references, f"{rule}: no test named"
        for path, name in references:
            test_file = ROOT / path
            if not test_file.is_file():
                missing.append(f"{rule}: no file {path}")
                continue
            source = test_file.read_text()
            if name and not re.search(rf"^def {name}\(", source, re.M):
                missing.append(f"{rule}: no {name} in {path}")
    assert missing == []
