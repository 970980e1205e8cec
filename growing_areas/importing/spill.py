"""Rows kept on disk between the passes of an import, so that a file of any length is held in
memory one chunk at a time: the rows as read, until they are counted (the progress bar needs
the total before the first row is checked), then the checked values, until the whole file is
known to be right and they are saved."""

import pickle
import sqlite3
import tempfile
from pathlib import Path

# Rows held in memory at once, per pass.
CHUNK = 1000


class Spill:
    """An append-only list on a temporary file, read back in chunks of ``CHUNK`` items (pickled
    by this process, read back by the same call: never data from elsewhere)."""

    def __init__(self):
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._buffer = []
        self.count = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._buffer = []
        self._file.close()

    def append(self, item):
        self._buffer.append(item)
        self.count += 1
        if len(self._buffer) >= CHUNK:
            self._flush()

    def _flush(self):
        if self._buffer:
            pickle.dump(self._buffer, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._buffer = []

    def chunks(self):
        """The items appended, in order, a list of at most ``CHUNK`` at a time."""
        self._flush()
        self._file.seek(0)
        while True:
            try:
                chunk = pickle.load(self._file)  # noqa: S301 - written above by this process
            except EOFError:
                return
            yield chunk

    def __iter__(self):
        for chunk in self.chunks():
            yield from chunk


class SeenCodes:
    """The codes of a file and the line each was first seen on, kept in a SQLite table on a
    temporary file rather than a dict: a dict of 100,000 codes holds some 14 MB for the whole
    check, the table a cache of at most ``CACHE_KIB``. The file is this import's own, gone
    with it; nothing is ever committed (journal off: a crash loses nothing worth keeping)."""

    CACHE_KIB = 1024

    def __init__(self):
        self._folder = tempfile.TemporaryDirectory()  # noqa: SIM115 - closed by close()
        self._db = sqlite3.connect(Path(self._folder.name) / "codes.sqlite3")
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(f"PRAGMA cache_size=-{self.CACHE_KIB}")
        self._db.execute("CREATE TABLE seen (code TEXT PRIMARY KEY, line INTEGER) WITHOUT ROWID")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._db.close()
        self._folder.cleanup()

    def first_line(self, code):
        """The line ``code`` was first seen on, or None."""
        found = self._db.execute("SELECT line FROM seen WHERE code = ?", (code,)).fetchone()
        return found[0] if found else None

    def add(self, code, line):
        self._db.execute("INSERT INTO seen (code, line) VALUES (?, ?)", (code, line))
