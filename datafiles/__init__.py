"""Reading import files (CSV or JSON) safely, with every bad row reported at once.

The bottom floor every import uses (scorecards, interactions, session history): size and row
limits, decoding, and the RowError / ImportFailed pair that makes imports all or nothing.
"""

from .reading import (
    ImportFailed,
    RowError,
    detect_format,
    errors_context,
    read_bytes,
    read_csv_rows,
    read_json_records,
)

__all__ = [
    "ImportFailed",
    "RowError",
    "detect_format",
    "errors_context",
    "read_bytes",
    "read_csv_rows",
    "read_json_records",
]
