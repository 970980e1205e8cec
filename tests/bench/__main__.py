"""`make bench`: run every tests/bench/bench_*.py module and print one table.

Each module defines ``run()`` returning a list of rows ``(what, measured, unit, note)``;
ratios are measured side by side in the same run, so they hold on any machine.
"""

import importlib
import os
import pkgutil
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # keep the table readable


def main(selected):
    import django

    django.setup()
    package = Path(__file__).parent
    print("| what | measured | unit | note |")
    print("|---|---|---|---|", flush=True)
    for info in pkgutil.iter_modules([str(package)]):
        if not info.name.startswith("bench_"):
            continue
        if selected and info.name.removeprefix("bench_") not in selected:
            continue
        module = importlib.import_module(f"tests.bench.{info.name}")
        print(f"running {info.name} …", file=sys.stderr, flush=True)
        for what, measured, unit, note in module.run():  # printed as each module ends
            print(f"| {what} | {measured} | {unit} | {note} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
