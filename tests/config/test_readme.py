"""The README is the user's manual: every environment variable the settings read is in it,
and so are the two set-up commands."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_is_documented():
    settings_source = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    readme = (ROOT / "README.md").read_text()
    assert len(read) > 20  # the pattern still finds the variables
    missing = sorted(name for name in read if f"`{name}`" not in readme)
    assert missing == [], f"not in README.md's configuration: {missing}"


def test_the_two_commands_come_first():
    readme = (ROOT / "README.md").read_text()
    commands = readme.index("make run")
    assert commands < readme.index("## Configuration")
    assert "make test" in readme[commands : commands + 400]
