"""The calibration loop in real browsers: a consensus note recorded in one session is read
beside the guidance by a reviewer of the next, and the facilitator supersedes it on the
scorecard page."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from sessions import services

from .factories import InteractionFactory, SessionWorld
from .test_browser_session import criterion_box, off_the_event_loop, open_room, ranking_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "An apology counts once: a 4 needs the problem named back to the customer."


@pytest.fixture(autouse=True)
def _patient_expect():
    expect.set_options(timeout=10_000)
    yield
    expect.set_options(timeout=None)


def scored_and_revealed(world):
    services.session_start(session_id=world.session.pk, actor=world.facilitator)
    for reviewer, values in zip(world.reviewers, [(1, 4, 2), (1, 2, 1)], strict=True):
        world.score_all(reviewer, world.items[0], values, comment="private-reason-zz")
        world.submit(reviewer, world.items[0])
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)


def next_session(world, title):
    session = services.session_create(
        team=world.team,
        facilitator=world.facilitator,
        title=title,
        scorecard_version=world.version,
        interactions=[InteractionFactory(team=world.team)],
        reviewers=world.reviewers,
        options=services.SessionOptions(),
    )
    services.session_start(session_id=session.pk, actor=world.facilitator)
    return session


def open_session(new_page, login, user, session):
    return open_room(new_page, login, user, SimpleNamespace(session=session))


def test_a_consensus_note_reaches_the_next_sessions_reviewers_until_superseded(new_page, login):
    world = SessionWorld(reviewers=2, interactions=1)
    off_the_event_loop(scored_and_revealed, world)
    example = str(world.items[0].interaction)

    # Session 1: the facilitator records the consensus with its note.
    facilitator = open_room(new_page, login, world.facilitator, world)
    row = ranking_row(facilitator, world.items[0], world.numeric)
    row.get_by_test_id("consensus-value").select_option("3")
    row.get_by_test_id("consensus-note").fill(NOTE)
    row.get_by_test_id("consensus-save").click()
    expect(row.get_by_test_id("consensus-display")).to_contain_text(NOTE)

    # Session 2 on the same scorecard: the reviewer finds the note beside the guidance,
    # collapsed, and opens it with the key the hint shows.
    second = off_the_event_loop(next_session, world, "Next week")
    reviewer = open_session(new_page, login, world.reviewers[0], second)
    expect(reviewer.locator(".keys-hint")).to_contain_text("L notes")
    box = criterion_box(reviewer, world.numeric)
    notes = box.get_by_test_id("criterion-notes")
    expect(notes).to_contain_text("Calibration notes (1)")
    expect(notes.get_by_text(NOTE)).to_be_hidden()
    box.locator('[role="radio"][tabindex="0"]').focus()
    reviewer.keyboard.press("l")
    expect(notes.get_by_text(NOTE)).to_be_visible()
    source = notes.get_by_test_id("criterion-note").locator(".ls-note-source")
    expect(source).to_contain_text("Weekly calibration")
    expect(source).to_contain_text(f"agreed example: {example} rated 3")
    assert "private-reason-zz" not in notes.inner_text()
    # The other criteria have no notes, so no block.
    expect(criterion_box(reviewer, world.labels).get_by_test_id("criterion-notes")).to_have_count(0)
    reviewer.keyboard.press("L")
    expect(notes.get_by_text(NOTE)).to_be_hidden()

    # The facilitator supersedes it on the scorecard page: kept there, struck through.
    facilitator.goto(f"/scorecards/{world.version.scorecard_id}/")
    note = facilitator.get_by_test_id("calibration-note").filter(has_text=NOTE)
    expect(note).to_contain_text("Weekly calibration")
    note.get_by_role("button", name="Mark as superseded").click()
    expect(facilitator.get_by_text("Note marked as superseded")).to_be_visible()
    # The page comes back to the note (the browser opens the collapsed blocks around it).
    block = facilitator.get_by_test_id("calibration-notes")
    expect(block).to_contain_text("0 open, 1 in all")
    expect(block.get_by_text("Superseded notes")).to_be_visible()
    superseded = facilitator.locator("del").filter(has_text=NOTE)
    expect(superseded).to_be_visible()

    # A session after that no longer shows it while scoring.
    third = off_the_event_loop(next_session, world, "The week after")
    reviewer = open_session(new_page, login, world.reviewers[0], third)
    expect(criterion_box(reviewer, world.numeric)).to_be_visible()
    expect(criterion_box(reviewer, world.numeric).get_by_test_id("criterion-notes")).to_have_count(
        0
    )
