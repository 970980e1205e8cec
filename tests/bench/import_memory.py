"""One growing-area import in a process of its own, as a worker runs it, for its peak memory:
``python -m tests.bench.import_memory FILE`` imports FILE (a CSV or XLSX) into the database
DATABASE_URL names and prints one line of JSON: rows, seconds, the process's resident memory
before the import and its peak resident memory during the import.

"Before" is the process with Django loaded and a one-row dry run of the same file done (the
commune tables, the validators and the database connection all in place, as in a worker that
has imported before), so the difference is what the import itself holds at its peak. Linux
keeps the peak (VmHWM) and lets a process reset it to the present (``/proc/self/clear_refs``),
so loading Django's own peak is not counted; elsewhere the peak since the start
(``ru_maxrss``) is all there is, and the figure can only be larger."""

import gc
import json
import os
import resource
import sys
import tempfile
import time


def _status_mb(field):
    """A memory line of /proc/self/status ("VmRSS", "VmHWM") in MB, or None off Linux."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        return None
    return None


def peak_mb():
    """The process's peak resident memory since the last reset (or its start), in MB."""
    peak = _status_mb("VmHWM")
    if peak is None:  # ru_maxrss is in KB on Linux, the only system the bench runs on
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return peak


def reset_peak():
    """Make the peak the present resident memory, and return it in MB."""
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # resets VmHWM to VmRSS
    except OSError:
        return peak_mb()
    return _status_mb("VmRSS")


def first_row_file(path):
    """A temporary file holding the header and the first data row of the CSV at ``path``."""
    copy = tempfile.NamedTemporaryFile(suffix=".csv")  # noqa: SIM115 - closed by the caller
    with open(path, "rb") as source:
        copy.write(source.readline() + source.readline())
    copy.flush()
    copy.seek(0)
    return copy


def main(argv):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings

    from growing_areas.services import import_growing_areas

    assert not settings.DEBUG, "with DEBUG every query's SQL is kept: memory grows per row"
    path = argv[0]
    with first_row_file(path) as warm_up:
        assert import_growing_areas(warm_up, "vung.csv", dry_run=True).ok
    before = reset_peak()
    start = time.perf_counter()
    with open(path, "rb") as handle:
        report = import_growing_areas(handle, os.path.basename(path))
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "rows": report.total_rows,
                "created": report.created,
                "updated": report.updated,
                "errors": [str(e) for e in report.errors[:3]],
                "seconds": seconds,
                "before_mb": before,
                "peak_mb": peak_mb(),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
