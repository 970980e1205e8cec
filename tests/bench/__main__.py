"""`make bench`: run every tests/bench/bench_*.py module and print one table.

Each module defines ``run()`` returning a list of rows ``(what, measured, unit, note)``.
Every ratio is measured side by side in the same run, its two sides alternating round by
round (``--rounds``, 5 by default), and reported as the median of the rounds' ratios with
their spread, so it holds on any machine and one busy moment cannot make it.

    python -m tests.bench [catalogue checkout …] [--rounds N] [--products N]
"""

import argparse
import gc
import importlib
import os
import pkgutil
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # keep the table readable


def arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("modules", nargs="*", help="catalogue, checkout, … (default: all)")
    parser.add_argument(
        "--rounds", type=int, default=5, help="alternating rounds per ratio (at least 3)"
    )
    parser.add_argument(
        "--products",
        type=int,
        default=100_000,
        help="catalogue: the largest size measured, from 10,000 up by tenfold steps",
    )
    return parser.parse_args(argv)


def main(argv):
    import django

    from . import support

    options = arguments(argv)
    support.set_rounds(options.rounds)
    support.set_products(options.products)
    django.setup()
    # as gunicorn's workers do after start-up (gunicorn.conf.py post_worker_init)
    gc.freeze()
    package = Path(__file__).parent
    print("| what | measured | unit | note |")
    print("|---|---|---|---|", flush=True)
    for info in pkgutil.iter_modules([str(package)]):
        if not info.name.startswith("bench_"):
            continue
        if options.modules and info.name.removeprefix("bench_") not in options.modules:
            continue
        module = importlib.import_module(f"tests.bench.{info.name}")
        print(f"running {info.name} …", file=sys.stderr, flush=True)
        for what, measured, unit, note in module.run():  # printed as each module ends
            print(f"| {what} | {measured} | {unit} | {note} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
