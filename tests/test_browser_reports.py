"""The manager's path in a real browser: Megan logs in to the demo, opens Reports, filters the
history and downloads it as CSV and XLSX, opens a session's report and its XLSX, reads the
trends (and their XLSX), a reviewer's profile and criterion health, and downloads a CSV."""

import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def downloaded(page, test_id, *, link=None):
    """What the browser saves when the person clicks the download button (or link)."""
    target = page.get_by_role("link", name=link) if link else page.get_by_test_id(test_id)
    with page.expect_download() as download_info:
        target.click()
    return download_info.value


def sheet_rows(download) -> list[list]:
    """The cells of the downloaded workbook's sheet, as openpyxl reads them."""
    with open(download.path(), "rb") as file:
        sheet = load_workbook(io.BytesIO(file.read())).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def read_text(download) -> str:
    with open(download.path(), encoding="utf-8") as file:
        return file.read()


def test_a_manager_answers_her_three_questions_in_the_reports(new_page, login):
    # Off Playwright's thread: its event loop would refuse the services' after-commit events.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(call_command, "seed_demo", stdout=StringIO(), stderr=StringIO()).result()
    page = login(new_page(), "megan", "concord-demo")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()

    expect(page.get_by_role("heading", name="Calibration history")).to_be_visible()
    count = page.get_by_test_id("history-count")
    # 52 weekly sessions, October's and the criterion review that reworded "Tone and empathy"
    expect(count).to_have_text("54 sessions")
    rows = page.get_by_test_id("history-table").locator("tbody tr")
    expect(rows).to_have_count(25)  # one page
    first_alpha = rows.first.locator("td").nth(4)
    expect(first_alpha).to_contain_text("–")  # an interval beside the alpha
    held = rows.nth(4).locator("time").get_attribute("datetime")
    page.get_by_label("From").fill(held)
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(rf"date_from={held}"))
    expect(count).to_have_text("5 sessions")

    # The filtered table downloads as it is shown, as CSV and as XLSX.
    history_csv = downloaded(page, "csv-download")
    assert history_csv.suggested_filename == "history.csv"
    table = list(csv.reader(io.StringIO(read_text(history_csv)[1:])))
    assert table[0][:2] == ["date held", "title"] and len(table) == 6
    history_xlsx = downloaded(page, "xlsx-download")
    assert history_xlsx.suggested_filename == "history.xlsx"
    cells = sheet_rows(history_xlsx)
    assert cells[0] == table[0] and len(cells) == 6
    assert min(row[0] for row in cells[1:]).date().isoformat() == held  # a date, not text
    alpha = cells[0].index("alpha")
    assert all(isinstance(row[alpha], float) for row in cells[1:])  # a number, not text

    # One session's report: held on its date, printable, its figures downloadable.
    newest = rows.first.get_by_role("link").first
    title = newest.inner_text()
    newest.click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_text("Held on")).to_be_visible()
    report = downloaded(page, None, link="Agreement report (XLSX)")
    figures = sheet_rows(report)
    assert figures[0][:3] == ["scope", "id", "name"] and figures[1][0] == "session"
    page.go_back()

    # Is the team getting more consistent?
    page.get_by_role("navigation", name="Reports").get_by_role("link", name="Trends").click()
    page.get_by_label("Period").select_option("quarter")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"period=quarter"))
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.get_by_test_id("trend-table").first.locator("tbody tr").first).to_be_visible()
    trends_xlsx = downloaded(page, "xlsx-download")
    assert trends_xlsx.suggested_filename == "trends.xlsx"
    points = sheet_rows(trends_xlsx)
    assert points[0][:3] == ["series", "period", "period start"]
    assert len(points) >= 5  # a year of quarters, and a header

    # Who scores harsher or more leniently, and on what?
    page.get_by_role("link", name="Reviewer profiles").click()
    table = page.get_by_test_id("reviewers-table")
    expect(table.locator("tr", has_text="Tom Becker")).to_contain_text("lenient")
    expect(table.locator("tr", has_text="Aisha Bello")).to_contain_text("harsh")
    expect(page.get_by_test_id("heat-table")).to_be_visible()
    table.get_by_role("link", name="Rahul Mehta").click()
    expect(page.get_by_role("heading", name="Rahul Mehta", exact=True)).to_be_visible()
    expect(page.get_by_test_id("time-table-consensus")).to_contain_text("compared")
    expect(page.get_by_test_id("deviate-most")).to_be_visible()

    # Which criteria keep causing disagreement?
    page.get_by_role("link", name="Criterion health").click()
    health = page.get_by_test_id("health-table")
    expect(health).to_contain_text("Root cause category")
    expect(health).to_contain_text("Low agreement")

    download = downloaded(page, "csv-download")
    assert download.suggested_filename == "criterion-health.csv"
    text = read_text(download)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:3] == ["criterion", "scorecard", "sessions"]
    assert len(rows) == 11  # a header and ten criteria
