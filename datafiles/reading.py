"""Reading import files (CSV or JSON) safely, and reporting every bad row at once.

Imports validate everything before writing anything: parsers collect RowError objects and
raise ImportFailed with all of them, so a file with any bad row changes nothing.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from django.conf import settings


@dataclass(frozen=True)
class RowError:
    row: int | None  # CSV: the line number in the file (header = 1); JSON: the record number
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError] | RowError | str):
        if isinstance(errors, str):
            errors = [RowError(None, None, errors)]
        elif isinstance(errors, RowError):
            errors = [errors]
        self.errors = list(errors)
        super().__init__("; ".join(str(error) for error in self.errors[:20]))


def detect_format(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".json":
        return "json"
    raise ImportFailed(f"Unsupported file type {suffix or '(none)'}: use a .csv or .json file.")


def read_bytes(source, *, max_bytes: int | None = None) -> bytes:
    """Reads an uploaded file or a path, refusing files over the limit before loading them."""
    limit = max_bytes or settings.IMPORT_MAX_BYTES
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.exists():
            raise ImportFailed(f"File not found: {path}")
        size = path.stat().st_size
        if size > limit:
            raise ImportFailed(_too_large(size, limit))
        return path.read_bytes()
    size = getattr(source, "size", None)
    if size is not None and size > limit:
        raise ImportFailed(_too_large(size, limit))
    data = source.read(limit + 1)
    if len(data) > limit:
        raise ImportFailed(_too_large(None, limit))
    return data


def _too_large(size: int | None, limit: int) -> str:
    got = f" ({size / 1_048_576:.1f} MB)" if size is not None else ""
    return (
        f"The file is too large{got}: the limit is {limit / 1_048_576:.1f} MB. "
        "Split it into smaller files and import them one after another."
    )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed("The file is not UTF-8 text. Save it as UTF-8 and try again.") from None


def read_csv_rows(data: bytes, *, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    """CSV as (line number, {column: text}) pairs; every cell a stripped string."""
    text = _decode(data)
    if not text.strip():
        raise ImportFailed("The file is empty.")
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ImportFailed(f"The CSV could not be read: {error}") from None
    frame.columns = [str(column).strip().lower() for column in frame.columns]
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ImportFailed(
            [
                RowError(1, column, "missing column (the header row must name it)")
                for column in missing
            ]
        )
    _check_row_count(len(frame))
    rows = []
    for offset, record in enumerate(frame.to_dict(orient="records")):
        cleaned = {
            key: ("" if value is None else str(value).strip()) for key, value in record.items()
        }
        rows.append((offset + 2, cleaned))
    return rows


def read_json_records(data: bytes, *, key: str | None = None) -> list[tuple[int, dict]]:
    """JSON as (record number, object) pairs: a list of objects, or {key: [...]}."""
    text = _decode(data)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFailed(
            f"The JSON could not be read: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    if key is not None and isinstance(payload, dict) and key in payload:
        payload = payload[key]
    if not isinstance(payload, list):
        expected = f"a list of objects (or an object with a {key!r} list)" if key else "a list"
        raise ImportFailed(f"The JSON must be {expected}.")
    _check_row_count(len(payload))
    records = []
    errors = []
    for number, record in enumerate(payload, start=1):
        if not isinstance(record, dict):
            errors.append(RowError(number, None, "each record must be a JSON object"))
        else:
            records.append((number, record))
    if errors:
        raise ImportFailed(errors)
    return records


def _check_row_count(count: int) -> None:
    if count > settings.IMPORT_MAX_ROWS:
        raise ImportFailed(
            f"The file has {count:,} rows; the limit is {settings.IMPORT_MAX_ROWS:,} per import. "
            "Split it into smaller files."
        )
    if count == 0:
        raise ImportFailed("The file has no rows to import.")


ERRORS_SHOWN = 50


def errors_context(errors: list[RowError]) -> dict:
    """What an upload page shows of a failed import (templates/_import_errors.html)."""
    return {
        "errors": errors[:ERRORS_SHOWN],
        "more_errors": max(0, len(errors) - ERRORS_SHOWN),
        "error_count": len(errors),
    }
