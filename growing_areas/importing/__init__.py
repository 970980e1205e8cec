"""Importing growing areas from the province's spreadsheets, one rule per file:

- ``read.py``: the file itself (CSV or XLSX, size, row and cell limits, the zip-bomb guard),
  streamed row by row;
- ``rows.py``: one row into model values, each field checked by the model's own validators,
  every problem reported with its line and column;
- ``write.py``: the all-or-nothing save, in bulk through the ORM, with the status history;
- ``spill.py``: the rows kept on a temporary file between those steps, so that an import holds
  one chunk of rows in memory whatever the length of its file.

``growing_areas.services.import_growing_areas`` runs them in that order.
"""

from .read import (
    COLUMNS,
    REQUIRED_COLUMNS,
    Sheet,
    UnreadableFile,
    as_text,
    column_letter,
    max_bytes,
    open_sheet,
    read_sheet,
)

__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "Sheet",
    "UnreadableFile",
    "as_text",
    "column_letter",
    "max_bytes",
    "open_sheet",
    "read_sheet",
]
