"""A whole live calibration session in real browsers: one browser context per person.

The facilitator and three reviewers each get their own headless Chromium context against the
live daphne server. Everything is asserted on what a person sees (and, for blindness, on
everything their page holds: the DOM, the typed values and every websocket frame received).
"""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from playwright.sync_api import expect

from sessions import services
from sessions.models import Participant, Score, SessionStatus

from .factories import MembershipFactory, SessionWorld, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT_MS = 10_000


@pytest.fixture(autouse=True)
def _patient_expect():
    """Live updates cross a websocket and a thread: wait up to 10 s (and never forever)."""
    expect.set_options(timeout=WAIT_MS)
    yield
    expect.set_options(timeout=None)


# --- helpers ---------------------------------------------------------------------------------


def off_the_event_loop(function, *args, **kwargs):
    """Runs a service call in a worker thread. Playwright's event loop runs in the test's
    thread, and the services announce changes through async_to_sync, which refuses to run in
    a thread with a running loop. (The announcement stays in this process's channel layer:
    pages opened afterwards read the state from the database.)"""

    def call():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def room_url(world):
    return f"/sessions/{world.session.pk}/"


def open_room(new_page, login, user, world):
    """Logs a person in, in their own browser context, and opens the room; records every
    websocket frame the page receives."""
    page = new_page()
    page.frames_received = []

    def on_socket(socket):
        socket.on(
            "framereceived",
            lambda payload: page.frames_received.append(
                payload if isinstance(payload, str) else payload.decode()
            ),
        )

    page.on("websocket", on_socket)
    login(page, user.username)
    page.goto(room_url(world))
    return page


def everything_on(page):
    """The page's HTML (including the embedded snapshot), every typed value, and every frame
    that reached it: what a curious person could dig out of their own browser."""
    dom = page.evaluate(
        """() => document.documentElement.outerHTML + "\\n" +
            [...document.querySelectorAll("textarea, input")].map((e) => e.value).join("\\n")"""
    )
    return dom + "\n" + "\n".join(page.frames_received)


def criterion_box(page, criterion):
    return page.locator(f'[data-testid="criterion"][data-criterion-id="{criterion.pk}"]')


def option(page, criterion, value):
    box = criterion_box(page, criterion)
    if value is None:
        return box.get_by_test_id("na-option")
    return box.locator(f'[data-testid="rating-option"][data-value="{value}"]')


def key_for(criterion, value):
    """The number key that picks this value: options are numbered from 1 in scale order."""
    if value is None:
        return "0"
    return str(criterion.scale.values.index(value) + 1)


def comment_text(reviewer_index, item_number, criterion):
    return f"R{reviewer_index}-comment-xyz on interaction {item_number}, {criterion.name}"


def rate(page, criterion, value, comment, *, keyboard=False, blur=True):
    """Picks a rating (by click, or by focusing the criterion and pressing its number key)
    and types a comment."""
    if keyboard:
        box = criterion_box(page, criterion)
        box.locator('[role="radio"][tabindex="0"]').focus()
        page.keyboard.press(key_for(criterion, value))
    else:
        option(page, criterion, value).click()
    expect(option(page, criterion, value)).to_have_attribute("aria-checked", "true")
    box = criterion_box(page, criterion)
    box.get_by_test_id("comment").fill(comment)
    if blur:
        box.get_by_test_id("comment").blur()  # saves at once instead of after the debounce


def expect_all_saved(page):
    for state in page.get_by_test_id("save-state").all():
        expect(state).to_have_text("Saved")
    # Nothing waiting in the outbox either.
    expect(page.get_by_test_id("conn-state")).to_have_text("Live")


def open_tab(page, item):
    page.locator(f'[data-testid="item-tab"][data-item-id="{item.pk}"]').click()


def ranking_order(page, item):
    rows = page.locator(f'[data-testid="ranking"][data-item-id="{item.pk}"]').get_by_test_id(
        "ranking-row"
    )
    expect(rows).to_have_count(3)
    return rows.evaluate_all("(rows) => rows.map((row) => Number(row.dataset.criterionId))")


def ranking_row(page, item, criterion):
    return page.locator(
        f'[data-testid="ranking"][data-item-id="{item.pk}"] '
        f'[data-testid="ranking-row"][data-criterion-id="{criterion.pk}"]'
    )


# --- the whole session -----------------------------------------------------------------------


def test_whole_session_blind_scoring_reveal_consensus_and_summary(new_page, login):
    world = SessionWorld(reviewers=3, interactions=2)
    first, second = world.items
    # (Verified identity, Empathy, Resolution) per reviewer and interaction; None is N/A.
    # Reviewer 2 fails the critical "Verified identity" on the first interaction: a pass/fail
    # split, and does not submit the second one (left out by the "exclude" policy).
    plan = {
        0: {first: (1, 5, 2), second: (1, 4, 1)},
        1: {first: (1, 3, 1), second: (1, 2, 2)},
        2: {first: (0, 1, 0), second: (1, None, 0)},
    }
    number = {first: 1, second: 2}

    facilitator = open_room(new_page, login, world.facilitator, world)
    reviewers = [open_room(new_page, login, user, world) for user in world.reviewers]
    everyone = [facilitator, *reviewers]
    for page in everyone:
        expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "online")
        expect(page.get_by_test_id("session-status")).to_have_text("Draft")
    # Before scoring opens, a reviewer can read but not rate.
    expect(option(reviewers[0], world.numeric, 3)).to_be_disabled()
    expect(facilitator.get_by_test_id("progress")).to_have_text("0 of 3 submitted")

    facilitator.get_by_test_id("start-scoring").click()
    for page in everyone:
        expect(page.get_by_test_id("session-status")).to_have_text("Scoring")
    for page in reviewers:  # switched over the socket, no reload
        expect(option(page, world.numeric, 3)).to_be_enabled()
        expect(page.get_by_test_id("submit-item")).to_be_disabled()

    def score_item(index, item, *, reload_midway=False, submit=True):
        page = reviewers[index]
        values = plan[index][item]
        for position, (criterion, value) in enumerate(zip(world.criteria, values, strict=True)):
            last = position == len(world.criteria) - 1
            rate(
                page,
                criterion,
                value,
                comment_text(index, number[item], criterion),
                # Empathy by keyboard (number key, or 0 for N/A); the rest by clicks.
                keyboard=criterion == world.numeric,
                # The last comment is left typing when the page reloads: kept as a draft.
                blur=not (reload_midway and last),
            )
        if reload_midway:
            page.reload()
            expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "online")
            expect(page.get_by_test_id("session-status")).to_have_text("Scoring")
            for criterion, value in zip(world.criteria, values, strict=True):
                expect(option(page, criterion, value)).to_have_attribute("aria-checked", "true")
                for other in criterion_box(page, criterion).locator('[role="radio"]').all():
                    if other.get_attribute("data-value") != ("na" if value is None else str(value)):
                        expect(other).to_have_attribute("aria-checked", "false")
                expect(criterion_box(page, criterion).get_by_test_id("comment")).to_have_value(
                    comment_text(index, number[item], criterion)
                )
        expect_all_saved(page)
        if submit:
            page.get_by_test_id("submit-item").click()
            expect(page.get_by_test_id("submit-item")).to_have_text("Submitted ✓")

    # The first interaction, reviewer by reviewer; the facilitator watches the count.
    for index in range(3):
        score_item(index, first, reload_midway=index == 1)
        expect(facilitator.get_by_test_id("progress")).to_have_text(f"{index + 1} of 3 submitted")
    expect(reviewers[0].get_by_test_id("progress")).to_have_text("3 of 3 submitted")

    # The second one: reviewer 2 rates everything but never submits.
    for index in range(3):
        open_tab(reviewers[index], second)
        score_item(index, second, submit=index != 2)
    open_tab(facilitator, second)
    expect(facilitator.get_by_test_id("progress")).to_have_text("2 of 3 submitted")
    expect(facilitator.get_by_test_id("not-submitted")).to_contain_text("Rev2")

    # Blind: nobody's browser holds anyone else's comments before the reveal.
    for index, page in enumerate(reviewers):
        assert page.frames_received  # the socket is watched: snapshots did arrive
        seen = everything_on(page)
        assert f"R{index}-comment-xyz" in seen  # their own, typed and saved
        for other in range(3):
            if other != index:
                assert f"R{other}-comment-xyz" not in seen, (index, other)
    seen = everything_on(facilitator)
    for other in range(3):
        assert f"R{other}-comment-xyz" not in seen, ("facilitator", other)

    # Reveal everything, leaving out whoever has not submitted.
    open_tab(facilitator, first)
    facilitator.get_by_test_id("policy-select").select_option("exclude")
    facilitator.get_by_test_id("reveal-all").click()
    for page in everyone:
        expect(page.get_by_test_id("session-status")).to_have_text("Revealed")
        expect(page.get_by_test_id("ranking")).to_be_visible()  # whichever tab is open
    orders = []
    for page in everyone:
        open_tab(page, first)
        orders.append(ranking_order(page, first))
    assert orders[0][0] == world.binary.pk  # the critical pass/fail split comes first
    assert all(order == orders[0] for order in orders), orders
    assert sorted(orders[0]) == sorted(c.pk for c in world.criteria)
    for page in everyone:
        flip_row = ranking_row(page, first, world.binary)
        expect(flip_row.get_by_test_id("critical-flip")).to_be_visible()
        expect(flip_row.get_by_test_id("reviewer-rating")).to_have_count(3)
        expect(ranking_row(page, first, world.numeric)).to_contain_text(
            comment_text(1, 1, world.numeric)
        )
    # The reveal shows the others' comments now, but never reviewer 2's unsubmitted drafts.
    for page in [facilitator, reviewers[0], reviewers[1]]:
        open_tab(page, second)
        expect(page.get_by_test_id("excluded")).to_contain_text("Rev2")
        expect(
            ranking_row(page, second, world.labels).get_by_test_id("reviewer-rating")
        ).to_have_count(2)
        open_tab(page, first)
    # The same look into these browsers now finds the revealed comments, and still not the
    # excluded drafts (not on the page, not in any frame).
    for page in [facilitator, reviewers[0], reviewers[1]]:
        seen = everything_on(page)
        for index in range(3):
            assert comment_text(index, 1, world.labels) in seen
        assert comment_text(0, 2, world.labels) in seen
        assert "R2-comment-xyz on interaction 2" not in seen

    # The facilitator records a consensus; reviewers see it arrive.
    note = "Empathy: acknowledge the double charge before anything else."
    row = ranking_row(facilitator, first, world.numeric)
    row.get_by_test_id("consensus-value").select_option("3")
    row.get_by_test_id("consensus-note").fill(note)
    row.get_by_test_id("consensus-save").click()
    for page in everyone:
        display = ranking_row(page, first, world.numeric).get_by_test_id("consensus-display")
        expect(display).to_contain_text(note)
        expect(display).to_contain_text("Agreed: 3")
    for page in reviewers:
        expect(
            ranking_row(page, first, world.numeric).get_by_test_id("consensus-value")
        ).to_have_count(0)

    # An action item, seen by everyone.
    action = "Add the identity check to the refund macro"
    facilitator.get_by_test_id("action-text").fill(action)
    facilitator.get_by_test_id("action-add").click()
    for page in everyone:
        expect(page.get_by_test_id("action-item")).to_have_count(1)
        expect(page.get_by_test_id("action-item").locator(".action-text")).to_have_text(action)
    for page in reviewers:
        expect(page.get_by_test_id("action-text")).to_be_hidden()

    # Close (after confirming), everyone sees it.
    facilitator.once("dialog", lambda dialog: dialog.accept())
    facilitator.get_by_test_id("close-session").click()
    for page in everyone:
        expect(page.get_by_test_id("closed-notice")).to_contain_text("This session is closed.")
        expect(page.get_by_test_id("session-status")).to_have_text("Closed")
    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.CLOSED

    facilitator.goto(f"/sessions/{world.session.pk}/summary/")
    expect(facilitator.get_by_role("heading", level=1)).to_have_text("Weekly calibration")
    expect(facilitator.locator(".consensus-note").filter(has_text=note)).to_be_visible()
    expect(facilitator.locator(".action-list")).to_contain_text(action)
    reviewer_rows = facilitator.locator(".reviewer-table tbody tr")
    expect(reviewer_rows).to_have_count(3)
    for user in world.reviewers:
        expect(facilitator.locator(".reviewer-table")).to_contain_text(user.first_name)
    download = facilitator.get_by_role("link", name="Download ratings (CSV)")
    expect(download).to_have_attribute("href", f"/sessions/{world.session.pk}/ratings.csv")
    csv_text = facilitator.request.get(download.get_attribute("href")).text()
    assert csv_text.startswith("session,interaction,")
    assert comment_text(0, 1, world.binary) in csv_text


# --- the outbox ------------------------------------------------------------------------------


def test_reviewer_outbox_survives_going_offline(new_page, login):
    world = SessionWorld(reviewers=3, interactions=2)
    off_the_event_loop(world.start)
    reviewer = world.reviewers[0]
    item = world.items[0]
    page = open_room(new_page, login, reviewer, world)
    pill = page.get_by_test_id("conn-state")
    expect(pill).to_have_attribute("data-state", "online")
    expect(page.get_by_test_id("session-status")).to_have_text("Scoring")

    page.context.set_offline(True)
    expect(pill).to_have_attribute("data-state", re.compile("^(offline|reconnecting)$"))
    rate(page, world.numeric, 4, "Typed on the train")
    box = criterion_box(page, world.numeric)
    expect(box.get_by_test_id("save-state")).to_have_text("Saving… (waiting for connection)")
    expect(pill).to_contain_text("1 to send")
    kept = page.evaluate(
        "(key) => window.localStorage.getItem(key)",
        f"concord.outbox.s{world.session.pk}.u{reviewer.pk}",
    )
    assert "Typed on the train" in kept
    assert not Score.objects.filter(item=item, criterion=world.numeric).exists()

    page.context.set_offline(False)
    expect(pill).to_have_attribute("data-state", "online")
    expect(box.get_by_test_id("save-state")).to_have_text("Saved")
    expect(pill).to_have_text("Live")
    score = Score.objects.get(item=item, criterion=world.numeric, participant__user=reviewer)
    assert (score.value, score.is_na, score.comment) == (4, False, "Typed on the train")
    assert (
        page.evaluate(
            "(key) => window.localStorage.getItem(key)",
            f"concord.outbox.s{world.session.pk}.u{reviewer.pk}",
        )
        is None
    )


def test_offline_changes_in_two_tabs_all_survive_when_one_tab_reconnects(new_page, login):
    """Two tabs of one reviewer share the outbox: neither overwrites the other's unsent
    change, and a tab closed while offline leaves its change for the other to send."""
    world = SessionWorld(reviewers=3, interactions=2)
    off_the_event_loop(world.start)
    reviewer = world.reviewers[0]
    item = world.items[0]
    first = open_room(new_page, login, reviewer, world)
    second = first.context.new_page()
    second.goto(room_url(world))
    for page in (first, second):
        expect(page.get_by_test_id("conn-state")).to_have_text("Live")

    first.context.set_offline(True)
    for page in (first, second):
        expect(page.get_by_test_id("conn-state")).not_to_have_attribute("data-state", "online")
    rate(first, world.numeric, 4, "From the first tab")
    rate(second, world.binary, 0, "From the second tab")
    first.close()  # its change now lives only in the shared outbox

    first_box = criterion_box(second, world.numeric)
    expect(first_box.get_by_test_id("save-state")).to_have_text("Saving… (waiting for connection)")
    expect(second.get_by_test_id("conn-state")).to_contain_text("2 to send")

    second.context.set_offline(False)
    expect(second.get_by_test_id("conn-state")).to_have_text("Live")
    expect(first_box.get_by_test_id("save-state")).to_have_text("Saved")
    expect(criterion_box(second, world.binary).get_by_test_id("save-state")).to_have_text("Saved")
    saved = {
        score.criterion_id: (score.value, score.comment)
        for score in Score.objects.filter(item=item, participant__user=reviewer)
    }
    assert saved == {
        world.numeric.pk: (4, "From the first tab"),
        world.binary.pk: (0, "From the second tab"),
    }


# --- present mode ----------------------------------------------------------------------------


def test_present_mode_steps_through_criteria_with_the_keyboard(new_page, login):
    world = SessionWorld(reviewers=3, interactions=2)
    values = [(1, 5, 2), (1, 3, 1), (0, 1, 0)]

    def score_and_reveal():
        world.start()
        for user, item_values in zip(world.reviewers, values, strict=True):
            for item in world.items:
                world.score_all(user, item, item_values, comment=f"{user.username} says so")
                world.submit(user, item)
        services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    off_the_event_loop(score_and_reveal)

    page = new_page()
    login(page, world.facilitator.username)
    page.goto(f"/sessions/{world.session.pk}/present/")
    position = page.get_by_test_id("present-position")
    slide = page.get_by_test_id("present-slide")
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "online")
    expect(position).to_have_text("Criterion 1 of 3")
    # The critical criterion with a pass/fail split leads.
    expect(slide).to_have_attribute("data-criterion-id", str(world.binary.pk))
    expect(slide.get_by_test_id("critical-flip")).to_be_visible()
    expect(page.get_by_test_id("present-prev")).to_be_disabled()

    page.keyboard.press("ArrowRight")
    expect(position).to_have_text("Criterion 2 of 3")
    second = slide.get_attribute("data-criterion-id")
    assert second != str(world.binary.pk)
    page.keyboard.press("ArrowRight")
    expect(position).to_have_text("Criterion 3 of 3")
    expect(page.get_by_test_id("present-next")).to_be_disabled()
    page.keyboard.press("ArrowRight")  # stays on the last one
    expect(position).to_have_text("Criterion 3 of 3")

    page.keyboard.press("ArrowLeft")
    expect(position).to_have_text("Criterion 2 of 3")
    expect(slide).to_have_attribute("data-criterion-id", second)
    page.keyboard.press("ArrowLeft")
    expect(position).to_have_text("Criterion 1 of 3")
    expect(slide).to_have_attribute("data-criterion-id", str(world.binary.pk))


# --- agreement figures ----------------------------------------------------------------------


def test_figures_are_the_servers_strings_in_the_room_and_present_mode(new_page, login):
    """The pages write alpha, its interval and the disagreement exactly as the server formats
    them (agreement.display): the browser holds no threshold or rounding rule of its own."""
    from sessions.selectors import session_snapshot

    world = SessionWorld(reviewers=3, interactions=2)
    values = [(1, 5, 2), (1, 3, 1), (0, 1, 0)]

    def score_and_reveal():
        world.start()
        for user, item_values in zip(world.reviewers, values, strict=True):
            for item in world.items:
                world.score_all(user, item, item_values, comment=f"{user.username} says so")
                world.submit(user, item)
        services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
        world.session.refresh_from_db()
        return session_snapshot(session=world.session, user=world.facilitator)

    snap = off_the_event_loop(score_and_reveal)
    first = world.items[0]
    item_alpha = snap["agreement"]["interactions"][str(first.pk)]
    # Three criteria are three units, too few for an interval: the units in words, no figure.
    assert item_alpha["alpha_text"] is None
    assert item_alpha["reading"].startswith("3 units: too few for an α")
    row = snap["revealed"][str(first.pk)]["ranking"][0]
    criterion_alpha = snap["agreement"]["criteria"][str(row["criterion"])]

    page = new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, world.facilitator.username)
    page.goto(room_url(world))
    expect(page.get_by_test_id("conn-state")).to_have_text("Live")
    open_tab(page, first)
    agreement = page.get_by_test_id("agreement")
    expect(agreement).to_contain_text(item_alpha["reading"])
    expect(agreement).not_to_contain_text("α =")
    expect(agreement).to_have_attribute("data-verdict", "undefined")
    expect(page.locator(".alpha-help").first).to_contain_text(snap["figures_help"]["thresholds"])
    top = page.get_by_test_id("ranking-row").first
    expect(top).to_have_attribute("data-criterion-id", str(row["criterion"]))
    if row["disagreement_text"] and row["n"] >= 2:
        expect(top.get_by_test_id("disagreement")).to_contain_text(f"· {row['disagreement_text']}")
    expect(top.get_by_test_id("criterion-alpha")).to_contain_text(criterion_alpha["reading"])
    # Two interactions are too few for a criterion's own alpha: words, no figure, no colour.
    assert criterion_alpha["alpha_text"] is None
    for badge in page.get_by_test_id("criterion-alpha").all():
        expect(badge).to_have_attribute("data-figure", "false")
        expect(badge).to_have_attribute("data-verdict", "undefined")
        expect(badge).not_to_contain_text("α =")
    for key, share in row["distribution_shares"].items():
        count = top.locator(f'.dist-row[data-value="{key}"] .dist-count')
        expect(count).to_have_attribute("title", share)

    page.get_by_test_id("all-tab").click()
    session_agreement = page.get_by_test_id("session-agreement")
    for block in snap["agreement"]["session"].values():
        expected = f"α = {block['alpha_text']}" if block["alpha_text"] else block["reading"]
        expect(session_agreement).to_contain_text(expected)
    expect(page.get_by_test_id("session-ranking-row")).to_have_count(3)

    page.goto(f"/sessions/{world.session.pk}/present/#item-{first.pk}:1")
    box = page.get_by_test_id("present-slide").get_by_test_id("criterion-alpha")
    expect(box).to_have_attribute("data-verdict", criterion_alpha["verdict"])
    expect(box).to_contain_text(criterion_alpha["reading"])
    expect(box).to_have_attribute("data-figure", "false")
    expect(box.locator(".present-alpha-value")).to_have_count(0)
    expect(box.locator(".present-alpha-reason")).to_contain_text("Same answer")
    expect(box.get_by_test_id("interaction-alpha")).to_contain_text(item_alpha["reading"])
    expect(box.get_by_test_id("interaction-alpha")).not_to_contain_text("α =")
    page.get_by_test_id("present-scope").select_option("all")
    expect(page.get_by_test_id("present-slide")).to_contain_text("Per interaction")
    assert errors == []


# --- not a participant -----------------------------------------------------------------------


def test_non_participant_cannot_open_the_room_and_sees_why(new_page, login):
    world = SessionWorld(reviewers=3, interactions=2)
    newcomer = UserFactory(username="newcomer", first_name="Nadia")
    MembershipFactory(team=world.team, user=newcomer)
    facilitator = open_room(new_page, login, world.facilitator, world)
    expect(facilitator.get_by_test_id("conn-state")).to_have_attribute("data-state", "online")
    expect(facilitator.get_by_test_id("presence")).to_have_count(4)

    page = new_page()
    login(page, newcomer.username)
    response = page.goto(room_url(world))
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You are not in “Weekly calibration”")
    expect(
        page.get_by_text("Only the people taking part in a session can open its room")
    ).to_be_visible()
    expect(page.get_by_test_id("conn-state")).to_have_count(0)

    # The facilitator's join link: a confirmation, then the room.
    join_url = facilitator.get_by_test_id("join-url").input_value()
    page.goto(join_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Join “Weekly calibration” as a reviewer?"
    )
    page.get_by_role("button", name="Join session").click()
    page.wait_for_url(re.compile(rf"/sessions/{world.session.pk}/(#.*)?$"))
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "online")
    expect(page.get_by_test_id("criterion")).to_have_count(3)
    assert Participant.objects.filter(session=world.session, user=newcomer).exists()

    # The facilitator sees the newcomer arrive, live.
    expect(facilitator.get_by_test_id("presence")).to_have_count(5)
    expect(facilitator.get_by_test_id("presence").filter(has_text="Nadia")).to_have_attribute(
        "data-online", "true"
    )
    response = page.goto(room_url(world))
    assert response.status == 200
