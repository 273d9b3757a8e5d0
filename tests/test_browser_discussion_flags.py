"""Reviewers' flags, the time box and present mode's conversation, in real browsers (issue 10):
a reviewer flags a criterion while scoring; after the reveal the facilitator's queue starts
there, in the room and in present mode, with a time box everyone sees and the conversation one
key away. Screenshots of each step at three screen sizes go to SHOTS (looked at by eye)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions import services
from sessions.models import DiscussionTimebox

from .factories import MessageFactory, SessionWorld
from .test_browser_session import off_the_event_loop, room_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/concord-discussion-shots"
SIZES = [(1280, 800), (1920, 1080), (1366, 768)]


@pytest.fixture(autouse=True)
def _patient_expect():
    expect.set_options(timeout=10_000)
    yield
    expect.set_options(timeout=None)


def shots(page, name):
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(150)
        page.screenshot(path=f"{SHOTS}/{name}-{width}x{height}.png")
    page.set_viewport_size({"width": 1280, "height": 860})


def scoring_world():
    world = SessionWorld(reviewers=3, interactions=2)
    MessageFactory(interaction=world.interactions[1], body="The refund never arrived.")
    return world.start()


def score_and_reveal(world):
    # Interaction 2: everyone agrees on Verified identity and on Resolution.
    values = [[(1, 5, 2), (1, 3, 1), (0, 1, 0)], [(1, 4, 2), (1, 4, 2), (1, 3, 2)]]
    for index, item in enumerate(world.items):
        for user, item_values in zip(world.reviewers, values[index], strict=True):
            world.score_all(user, item, item_values, comment=f"Comment by {user.first_name}")
            world.submit(user, item)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)


def person(new_page, login, user, errors):
    page = new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, user.username)
    return page


def test_a_flagged_criterion_leads_the_discussion_in_the_room_and_in_present_mode(new_page, login):
    world = off_the_event_loop(scoring_world)
    second = world.items[1]
    flagger = world.reviewers[0]
    errors = []

    # While scoring, a reviewer flags Resolution on interaction 2 with the key F.
    reviewer = person(new_page, login, flagger, errors)
    reviewer.goto(room_url(world) + f"#item-{second.pk}")
    expect(reviewer.get_by_test_id("conn-state")).to_have_text("Live")
    criterion = reviewer.locator(
        f'[data-testid="criterion"][data-criterion-id="{world.labels.pk}"]'
    )
    criterion.get_by_test_id("rating-option").first.focus()
    reviewer.keyboard.press("f")
    toggle = criterion.get_by_test_id("flag-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_contain_text("Flagged to discuss")
    shots(reviewer, "1-reviewer-flags-while-scoring")

    # The facilitator sees who flagged what before the reveal, and nothing of the rating.
    facilitator = person(new_page, login, world.facilitator, errors)
    facilitator.goto(room_url(world) + f"#item-{second.pk}")
    expect(facilitator.get_by_test_id("conn-state")).to_have_text("Live")
    flagged = facilitator.get_by_test_id("watch-criterion").filter(has_text="Resolution")
    expect(flagged.get_by_test_id("flag-badge")).to_have_text(
        f"⚑ 1 wants to discuss this: {flagger.get_full_name()}"
    )
    shots(facilitator, "2-facilitator-sees-the-flag")

    off_the_event_loop(score_and_reveal, world)

    # After the reveal the queue starts at the flagged criterion, although everyone agreed.
    expect(facilitator.get_by_test_id("consensus-progress")).to_have_text("0 of 6 agreed")
    expect(facilitator.get_by_test_id("flagged-count")).to_contain_text(
        "1 undecided criterion flagged"
    )
    facilitator.get_by_test_id("next-undecided").click()
    current = facilitator.locator(".rank-row.is-current")
    expect(current).to_have_attribute("data-criterion-id", str(world.labels.pk))
    expect(current.get_by_test_id("flag-badge")).to_contain_text(flagger.get_full_name())

    # A two-minute time box for it, seen by everyone, and the same after a reload.
    facilitator.get_by_test_id("timebox-minutes").fill("2")
    expect(facilitator.get_by_test_id("timebox-for")).to_have_text(
        "For Resolution (Interaction 2)."
    )
    current.focus()  # back on the row: T is for the page, not the field
    facilitator.keyboard.press("t")
    left = re.compile(r"^(2:00|1:5\d) left$")
    expect(facilitator.get_by_test_id("timebox").get_by_test_id("timebox-time")).to_have_text(left)
    expect(reviewer.get_by_test_id("timebox")).to_contain_text("Resolution · Interaction 2")
    expect(reviewer.get_by_test_id("timebox-time")).to_have_text(left)
    reviewer_row = reviewer.locator(
        f'[data-testid="ranking"][data-item-id="{second.pk}"] '
        f'[data-testid="ranking-row"][data-criterion-id="{world.labels.pk}"]'
    )
    expect(reviewer_row.get_by_test_id("flag-toggle")).to_have_attribute("aria-pressed", "true")
    shots(facilitator, "3-facilitator-room-queue-and-time-box")
    shots(reviewer, "4-reviewer-room-time-box")
    started = off_the_event_loop(lambda: DiscussionTimebox.objects.get().started_at)
    reviewer.reload()
    expect(reviewer.get_by_test_id("timebox-time")).to_have_text(left)
    assert off_the_event_loop(lambda: DiscussionTimebox.objects.get().started_at) == started

    # Present mode: U goes to the flagged criterion; its flag (a count, no names on the
    # shared screen), the time box, and the conversation one key away; A accepts.
    facilitator.goto(f"/sessions/{world.session.pk}/present/#all:1")  # not in the queue
    expect(facilitator.get_by_test_id("conn-state")).to_have_text("Live")
    facilitator.keyboard.press("u")
    slide = facilitator.get_by_test_id("present-slide")
    expect(slide).to_have_attribute("data-criterion-id", str(world.labels.pk))
    expect(slide.get_by_test_id("flag-badge")).to_have_text("⚑ 1 wants to discuss this")
    expect(slide.get_by_test_id("timebox-time")).to_have_text(left)
    expect(slide.get_by_test_id("consensus-progress")).to_have_text("0 of 6 agreed")
    conversation = facilitator.get_by_test_id("present-conversation")
    expect(conversation).to_be_hidden()
    facilitator.keyboard.press("c")
    expect(conversation).to_be_visible()
    expect(conversation).to_contain_text(world.interactions[1].subject)
    expect(conversation).to_contain_text("The refund never arrived.")
    shots(facilitator, "5-present-flag-time-box-conversation")
    facilitator.keyboard.press("a")
    expect(slide.get_by_test_id("consensus-progress")).to_have_text("1 of 6 agreed")
    expect(slide.get_by_test_id("accept-unanimous")).to_be_hidden()
    facilitator.keyboard.press("c")
    expect(conversation).to_be_hidden()
    assert errors == []


def test_a_reviewer_in_present_mode_sees_the_discussion_but_no_facilitator_controls(
    new_page, login
):
    world = off_the_event_loop(scoring_world)
    off_the_event_loop(score_and_reveal, world)
    # A time box on Empathy (interaction 2's most disagreed criterion) that ran out 4 min ago.
    off_the_event_loop(
        DiscussionTimebox.objects.create,
        session=world.session,
        item=world.items[1],
        criterion=world.numeric,
        minutes=1,
        started_at=timezone.now() - timedelta(minutes=5),
    )
    errors = []
    page = person(new_page, login, world.reviewers[1], errors)

    page.goto(f"/sessions/{world.session.pk}/present/#item-{world.items[1].pk}:1")

    expect(page.get_by_test_id("conn-state")).to_have_text("Live")
    slide = page.get_by_test_id("present-slide")
    expect(slide).to_have_attribute("data-criterion-id", str(world.numeric.pk))
    expect(slide.get_by_test_id("timebox-time")).to_have_text(re.compile(r"^4:0\d over$"))
    expect(slide.get_by_test_id("timebox")).to_have_attribute("data-kind", "over")
    expect(slide.get_by_test_id("consensus-progress")).to_have_text("0 of 6 agreed")
    expect(slide.get_by_test_id("accept-unanimous")).to_have_count(0)
    expect(page.locator("[data-timebox-control]")).to_be_hidden()
    expect(slide.get_by_test_id("consensus-value")).to_have_count(0)
    page.keyboard.press("c")
    expect(page.get_by_test_id("present-conversation")).to_be_visible()
    assert errors == []
