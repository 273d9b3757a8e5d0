"""Several daphne workers on one database and one Redis: what one person does on one worker
reaches the people connected to another, live. Runs where REDIS_URL is set (CI's second run):
the in-memory channel layer is one process by design."""

import os

import pytest
from playwright.sync_api import expect

from .factories import SessionWorld
from .test_browser_session import off_the_event_loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_redis():
    if not os.environ.get("REDIS_URL"):
        pytest.skip("two workers share live updates only through Redis (set REDIS_URL)")


def open_room(new_page, login, base_url, user, world):
    page = new_page()
    login(page, user.username)
    page.goto(f"{base_url}/sessions/{world.session.pk}/")
    expect(page.get_by_test_id("conn-state")).to_have_attribute(
        "data-state", "online", timeout=10_000
    )
    return page


def test_reveal_on_one_worker_reaches_a_reviewer_on_another(
    new_page, login, live_server_url, second_live_server_url
):
    world = off_the_event_loop(lambda: SessionWorld(reviewers=1, interactions=1).start())
    reviewer = world.reviewers[0]
    facilitator_page = open_room(new_page, login, live_server_url, world.facilitator, world)
    reviewer_page = open_room(new_page, login, second_live_server_url, reviewer, world)

    # The reviewer scores and submits on the second worker...
    for criterion, value in zip(world.criteria, (1, 4, 2), strict=True):
        box = reviewer_page.locator(
            f'[data-testid="criterion"][data-criterion-id="{criterion.pk}"]'
        )
        box.locator(f'[data-testid="rating-option"][data-value="{value}"]').click()
    reviewer_page.get_by_test_id("submit-item").click()

    # ...the facilitator on the first sees the progress, reveals, and the reviewer sees it.
    expect(facilitator_page.get_by_test_id("progress")).to_contain_text(
        "1 of 1 submitted", timeout=10_000
    )
    facilitator_page.get_by_test_id("reveal-item").click()
    expect(reviewer_page.get_by_test_id("ranking-row").first).to_be_visible(timeout=10_000)
    expect(reviewer_page.get_by_test_id("session-status")).to_have_text("Revealed")
