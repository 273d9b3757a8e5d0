"""The manager's path through criterion health in a real browser: Megan opens the demo's
criterion health, reads a flagged criterion's trend and figures, opens its scorecard's version
history to see agreement before and after the rewording, and starts a criterion review."""

import re
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_goes_from_a_flagged_criterion_to_its_history_and_a_review(new_page, login):
    # Off Playwright's thread: its event loop would refuse the services' after-commit events.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(call_command, "seed_demo", stdout=StringIO(), stderr=StringIO()).result()
    page = login(new_page(), "megan", "concord-demo")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_role("navigation", name="Reports").get_by_role(
        "link", name="Criterion health"
    ).click()

    expect(page.get_by_role("heading", name="Needs attention")).to_be_visible()
    flagged = page.get_by_test_id("flagged-criterion").first
    expect(flagged.locator(".badge.flag").first).to_be_visible()
    expect(flagged.locator("svg.chart")).to_be_visible()  # the trend, with its table beside it
    expect(flagged.locator("tbody tr").first).to_contain_text("Q")
    expect(flagged).to_contain_text("of")  # every rate says what it is a share of
    # Managers do not create sessions: the review link is there to pass on.
    handoff = flagged.get_by_test_id("review-handoff").get_by_role("textbox")
    expect(handoff).to_have_value(re.compile(r"/sessions/reviews/new/\?scorecard=\d+$"))
    review_link, health_url = handoff.input_value(), page.url

    # Did rewording "Tone and empathy" help? The version history says, with intervals.
    flagged.get_by_role("link", name="Version history").click()
    expect(page.get_by_role("heading", name=re.compile("version history"))).to_be_visible()
    version_2 = page.get_by_test_id("version-2")
    expect(version_2).to_contain_text("guidance edited")
    row = version_2.get_by_test_id("change-row").filter(has_text="Tone and empathy")
    expect(row.locator(".alpha-figure")).to_have_count(2)  # before and after, each judged
    expect(row).to_contain_text("12 sessions")

    # From the scorecard page, the same report is one link away.
    page.get_by_role("link", name=re.compile("^← ")).click()
    page.get_by_test_id("version-report").click()
    expect(page.get_by_test_id("version-history")).to_be_visible()

    # An admin follows the same page to start the review.
    admin = login(new_page(), "admin", "concord-demo")
    admin.goto(health_url)
    admin.get_by_test_id("start-review").first.click()
    expect(admin.get_by_role("heading", name="New criterion review")).to_be_visible()
    expect(admin).to_have_url(review_link)
