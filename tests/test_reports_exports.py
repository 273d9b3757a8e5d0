"""Report tables as CSV and XLSX: the XLSX opened with openpyxl, cell by cell, and text that a
spreadsheet would run as a formula kept as text in both."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from reports.exports import table_response, xlsx_bytes

from .test_reports_pages import add_closed_session, page, weekly, world  # noqa: F401

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def open_sheet(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def test_an_xlsx_table_keeps_numbers_dates_and_text_as_they_are():
    sheet = open_sheet(
        xlsx_bytes(
            ["date", "name", "alpha", "count", "empty"],
            [[dt.date(2026, 3, 7), "María “quoted”, here", 0.8125, 12, None]],
            title="history",
        )
    )

    assert sheet.title == "history"
    assert [c.value for c in sheet[1]] == ["date", "name", "alpha", "count", "empty"]
    assert sheet["A1"].font.bold
    assert sheet["A2"].value == dt.datetime(2026, 3, 7)  # Excel stores dates as date-times
    assert sheet["A2"].is_date
    assert sheet["B2"].value == "María “quoted”, here"
    assert sheet["C2"].value == 0.8125 and sheet["C2"].data_type == "n"
    assert sheet["D2"].value == 12
    assert sheet["E2"].value is None
    assert sheet.freeze_panes == "A2"


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)"])
def test_an_xlsx_cell_that_looks_like_a_formula_stays_text(text):
    sheet = open_sheet(xlsx_bytes(["title"], [[text]]))

    cell = sheet["A2"]
    assert cell.value == text
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_a_sheet_name_drops_what_excel_refuses():
    sheet = open_sheet(xlsx_bytes(["a"], [[1]], title="a/b:c*d?[e]-and-far-too-long-for-a-sheet"))

    assert sheet.title == "a-b-c-d--e--and-far-too-long-for"[:31]


def test_an_unknown_table_format_is_refused():
    with pytest.raises(ValueError):
        table_response("pdf", "history", ["a"], [])


@pytest.mark.parametrize(
    "name,args",
    [("history", ()), ("trends", ()), ("reviewers", ()), ("criteria", ()), ("reviewer", None)],
)
def test_every_page_downloads_as_an_xlsx_matching_its_csv(client, world, name, args):  # noqa: F811
    weekly(world, 2, title="Calibration, “quoted” = tricky")
    client.force_login(world.manager)
    args = (world.reviewers[0].pk,) if args is None else args

    response = page(client, name, *args, format="xlsx")
    as_csv = page(client, name, *args, format="csv").content.decode("utf-8")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith('.xlsx"')
    rows = [[c.value for c in row] for row in open_sheet(response.content).iter_rows()]
    csv_lines = [line for line in as_csv[1:].splitlines() if line]
    assert len(rows) == len(csv_lines) > 1
    assert all(len(row) == len(rows[0]) for row in rows)
    if name == "history":
        assert rows[0][:2] == ["date held", "title"]
        closed = [r for r in rows[1:] if r[1] == "Calibration, “quoted” = tricky"]
        held = sorted(r[0] for r in closed)
        assert held == [dt.datetime(2026, 1, 5), dt.datetime(2026, 1, 12)]
        alpha = rows[0].index("alpha")
        assert all(isinstance(r[alpha], float) for r in closed)  # a number, not text


def test_the_history_xlsx_keeps_a_formula_like_title_as_text(client, world):  # noqa: F811
    add_closed_session(world, held=dt.date(2026, 1, 5), title='=HYPERLINK("x")')
    client.force_login(world.manager)

    sheet = open_sheet(page(client, "history", format="xlsx").content)

    cell = next(row[1] for row in sheet.iter_rows(min_row=2) if "HYPERLINK" in row[1].value)
    assert cell.value == '=HYPERLINK("x")'
    assert cell.data_type == "s"


def test_the_session_report_downloads_as_xlsx(client, world):  # noqa: F811
    session = add_closed_session(world, held=dt.date(2026, 1, 5))
    client.force_login(world.manager)

    response = client.get(f"/reports/sessions/{session.pk}/report.xlsx")

    assert response.status_code == 200
    rows = [[c.value for c in row] for row in open_sheet(response.content).iter_rows()]
    assert rows[0] == ["scope", "id", "name", "criterion", "reference", "figure", "value"]
    assert ["session", session.pk] == rows[1][:2]
