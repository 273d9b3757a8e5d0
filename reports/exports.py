"""Report tables as downloads that open cleanly in a spreadsheet.

CSV: UTF-8 with a byte-order mark (so Excel reads "María" as UTF-8), every field quoted where
needed by the csv module, CRLF rows. XLSX (openpyxl): one sheet, a bold frozen header, numbers
as numbers, dates as dates. In both, a text cell that a spreadsheet would run as a formula
(CSV injection) stays text: CSV prefixes it with `'`, XLSX stores it as a string with Excel's
quote prefix, so the value itself is kept.

`table_response(fmt, name, header, rows)` is the one entry point for a page's download:
``fmt`` is "csv" or "xlsx", ``name`` the file name without extension.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

BOM = "\ufeff"
# A cell starting with one of these is read as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TABLE_FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.write(BOM)
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return _attachment(response, filename)


_NATIVE = (bool, int, float, Decimal, datetime.date, datetime.datetime)


def _xlsx_cell(sheet, value, *, bold: bool = False) -> WriteOnlyCell:
    if value is not None and not isinstance(value, _NATIVE):
        value = str(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # Excel has no time zones; times are UTC
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # openpyxl would store "=…" as a formula: keep every text cell text.
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    elif isinstance(value, datetime.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = Font(bold=True)
    return cell


def xlsx_bytes(header: list[str], rows, *, title: str = "Report") -> bytes:
    workbook = Workbook(write_only=True)
    # Excel refuses these in a sheet name, and more than 31 characters.
    name = "".join("-" if ch in "[]:*?/\\" else ch for ch in title)[:31]
    sheet = workbook.create_sheet(title=name or "Report")
    sheet.freeze_panes = "A2"
    sheet.append([_xlsx_cell(sheet, name, bold=True) for name in header])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, header: list[str], rows, *, title: str = "Report"):
    response = HttpResponse(xlsx_bytes(header, rows, title=title), content_type=XLSX_TYPE)
    return _attachment(response, filename)


def table_response(fmt: str, name: str, header: list[str], rows) -> HttpResponse:
    """The table as ``name.csv`` or ``name.xlsx`` (``fmt`` must be one of TABLE_FORMATS)."""
    if fmt == "xlsx":
        return xlsx_response(f"{name}.xlsx", header, rows, title=name)
    if fmt == "csv":
        return csv_response(f"{name}.csv", header, rows)
    raise ValueError(f"Unknown table format {fmt!r}.")
