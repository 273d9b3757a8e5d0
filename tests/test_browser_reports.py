"""The manager's path in a real browser: Megan logs in to the demo, opens Reports, filters the
history, reads the trends, a reviewer's profile and criterion health, and downloads a CSV."""

import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_answers_her_three_questions_in_the_reports(new_page, login):
    # Off Playwright's thread: its event loop would refuse the services' after-commit events.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(call_command, "seed_demo", stdout=StringIO(), stderr=StringIO()).result()
    page = login(new_page(), "megan", "concord-demo")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()

    expect(page.get_by_role("heading", name="Calibration history")).to_be_visible()
    count = page.get_by_test_id("history-count")
    expect(count).to_have_text("53 sessions")
    rows = page.get_by_test_id("history-table").locator("tbody tr")
    expect(rows).to_have_count(25)  # one page
    first_alpha = rows.first.locator("td").nth(4)
    expect(first_alpha).to_contain_text("–")  # an interval beside the alpha
    held = rows.nth(4).locator("time").get_attribute("datetime")
    page.get_by_label("From").fill(held)
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(rf"date_from={held}"))
    expect(count).to_have_text("5 sessions")

    # Is the team getting more consistent?
    page.get_by_role("navigation", name="Reports").get_by_role("link", name="Trends").click()
    page.get_by_label("Period").select_option("quarter")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"period=quarter"))
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.get_by_test_id("trend-table").first.locator("tbody tr").first).to_be_visible()

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

    with page.expect_download() as download_info:
        page.get_by_test_id("csv-download").click()
    download = download_info.value
    assert download.suggested_filename == "criterion-health.csv"
    with open(download.path(), encoding="utf-8") as file:
        text = file.read()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:3] == ["criterion", "scorecard", "sessions"]
    assert len(rows) == 11  # a header and ten criteria
