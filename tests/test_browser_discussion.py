"""The discussion after the reveal, in real browsers (issue 10): the facilitator works through
the undecided criteria in order of disagreement, with the count of agreed ones always in view,
in the room and in present mode."""

import pytest
from playwright.sync_api import expect

from sessions import services

from .factories import SessionWorld
from .test_browser_session import off_the_event_loop, room_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _patient_expect():
    expect.set_options(timeout=10_000)
    yield
    expect.set_options(timeout=None)


def revealed_two_interactions():
    """Three reviewers, two interactions, three criteria, all revealed; returns the snapshot."""
    from sessions.selectors import session_snapshot

    world = SessionWorld(reviewers=3, interactions=2)

    def score_and_reveal():
        world.start()
        values = [[(1, 5, 2), (1, 3, 1), (0, 1, 0)], [(1, 4, 2), (1, 4, 2), (1, 3, 2)]]
        for index, item in enumerate(world.items):
            for user, item_values in zip(world.reviewers, values[index], strict=True):
                world.score_all(user, item, item_values)
                world.submit(user, item)
        services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
        world.session.refresh_from_db()
        return session_snapshot(session=world.session, user=world.facilitator)

    return world, off_the_event_loop(score_and_reveal)


def current_row(page):
    return page.locator(".rank-row.is-current")


def test_the_facilitator_walks_the_undecided_criteria_by_disagreement(new_page, login):
    world, snap = revealed_two_interactions()
    queue = snap["consensus_progress"]["queue"]
    assert len(queue) == 6
    page = new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, world.facilitator.username)
    page.goto(room_url(world))
    expect(page.get_by_test_id("conn-state")).to_have_text("Live")

    progress = page.get_by_test_id("consensus-progress")
    expect(progress).to_have_text("0 of 6 agreed")
    next_button = page.get_by_test_id("next-undecided")
    expect(next_button).to_contain_text("Next undecided")

    next_button.click()  # the most disagreed undecided criterion, in its interaction's tab
    first = queue[0]
    expect(
        page.locator(f'[data-testid="item-tab"][data-item-id="{first["item"]}"]')
    ).to_have_attribute("aria-selected", "true")
    expect(current_row(page)).to_have_attribute("data-criterion-id", str(first["criterion"]))

    page.keyboard.press("u")  # the key goes on to the next in the queue
    second = queue[1]
    expect(current_row(page)).to_have_attribute("data-criterion-id", str(second["criterion"]))
    expect(
        page.locator(f'[data-testid="item-tab"][data-item-id="{second["item"]}"]')
    ).to_have_attribute("aria-selected", "true")

    # Decide the current one in the room: the count follows, and U moves past it.
    row = current_row(page)
    row.get_by_test_id("consensus-value").select_option(index=1)
    row.get_by_test_id("consensus-save").click()
    expect(progress).to_have_text("1 of 6 agreed")
    page.locator("body").click(
        position={"x": 5, "y": 5}
    )  # leave the field: the key is for the page
    page.keyboard.press("u")
    expect(current_row(page)).to_have_attribute("data-criterion-id", str(queue[2]["criterion"]))

    # Present mode shows the same count, and U goes to the most disagreed undecided criterion.
    # Start on the criterion just decided: it has left the queue, so U goes to the top of it.
    ranking = snap["revealed"][str(second["item"])]["ranking"]
    at = [r["criterion"] for r in ranking].index(second["criterion"]) + 1
    page.goto(f"/sessions/{world.session.pk}/present/#item-{second['item']}:{at}")
    expect(page.get_by_test_id("present-slide")).to_have_attribute(
        "data-criterion-id", str(second["criterion"])
    )
    expect(page.get_by_test_id("present-slide").get_by_test_id("consensus-progress")).to_have_text(
        "1 of 6 agreed"
    )
    expect(page.locator(".present-keys")).to_contain_text("next undecided")
    page.keyboard.press("u")
    slide = page.get_by_test_id("present-slide")
    expect(slide).to_have_attribute("data-criterion-id", str(first["criterion"]))
    assert errors == []


def test_closing_with_undecided_criteria_asks_first_and_names_how_many(new_page, login):
    from sessions.models import SessionStatus

    world, _snap = revealed_two_interactions()
    page = new_page()
    login(page, world.facilitator.username)
    page.goto(room_url(world))
    expect(page.get_by_test_id("conn-state")).to_have_text("Live")
    messages = []

    def answer(dialog, accept):
        messages.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.get_by_test_id("close-session").click()
    expect(page.get_by_test_id("close-session")).to_be_enabled()
    assert messages and messages[0].startswith("6 criteria are still undecided.")
    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.REVEALED

    page.once("dialog", lambda dialog: answer(dialog, True))
    page.get_by_test_id("close-session").click()
    expect(page.get_by_test_id("session-status")).to_have_text("Closed")

    page.goto(f"/sessions/{world.session.pk}/summary/")
    expect(page.get_by_test_id("outcome-counts")).to_have_text("0 of 6 agreed · 6 undecided")
    expect(page.get_by_test_id("undecided")).to_have_count(2)
    expect(page.get_by_test_id("undecided").first).to_contain_text("Not decided (3)")


def test_unanimous_criteria_are_one_line_each_and_accepted_in_one_click_or_all_at_once(
    new_page, login
):
    world, _snap = revealed_two_interactions()  # interaction 2: two criteria unanimous
    page = new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, world.facilitator.username)
    second = world.items[1]
    page.goto(room_url(world) + f"#item-{second.pk}")
    expect(page.get_by_test_id("conn-state")).to_have_text("Live")

    ranking = page.locator(f'[data-testid="ranking"][data-item-id="{second.pk}"]')
    lines = ranking.locator('[data-testid="unanimous"]:visible')
    expect(lines).to_have_count(2)
    expect(lines.first).to_contain_text("Everyone (3 ratings)")
    unanimous_row = ranking.locator(".rank-row.is-unanimous").first
    expect(unanimous_row.locator(".rank-body")).to_be_hidden()  # collapsed to one line
    unanimous_row.get_by_test_id("unanimous-details").click()
    expect(unanimous_row.locator(".rank-body")).to_be_visible()
    accept_all = page.get_by_test_id("accept-all-unanimous")
    expect(accept_all).to_have_text("Accept all 2 unanimous answers as consensus")

    # One by key: A on the focused row.
    unanimous_row.evaluate("row => { row.tabIndex = -1; row.focus(); }")
    page.keyboard.press("a")
    expect(page.get_by_test_id("consensus-progress")).to_have_text("1 of 6 agreed")
    expect(unanimous_row.get_by_test_id("consensus-display")).to_contain_text("Agreed")
    # Decided: the line keeps everyone's answer, with nothing left to accept (no "null").
    expect(unanimous_row.get_by_test_id("unanimous")).not_to_contain_text("null")
    expect(unanimous_row.get_by_test_id("accept-unanimous")).to_have_count(0)
    expect(accept_all).to_have_text("Accept all 1 unanimous answer as consensus")

    accept_all.click()
    expect(page.get_by_test_id("consensus-progress")).to_have_text("2 of 6 agreed")
    expect(accept_all).to_be_hidden()
    assert errors == []
