"""A criterion review in real browsers: a facilitator and two participants answer blind, a
participant proposes a criterion, the facilitator reveals and decides each one with its
rationale and closes the review into a new scorecard version whose changelog shows the
decisions; in the next scoring session a reviewer reads the calibration note beside the
guidance of a criterion the review changed."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from scorecards.selectors import current_version
from sessions import services
from sessions.models import CalibrationSession

from .factories import InteractionFactory, SessionWorld
from .test_browser_session import criterion_box, everything_on, off_the_event_loop, open_room

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Empathy means naming the customer's problem back to them, not just apologising."
SECRET_ONE = "first-participant-secret-zq"
SECRET_TWO = "second-participant-secret-zq"


@pytest.fixture(autouse=True)
def _patient_expect():
    expect.set_options(timeout=10_000)
    yield
    expect.set_options(timeout=None)


def a_closed_scoring_session_with_a_note(world):
    services.session_start(session_id=world.session.pk, actor=world.facilitator)
    for reviewer, values in zip(world.reviewers, [(1, 4, 2), (1, 2, 1)], strict=True):
        world.score_all(reviewer, world.items[0], values)
        world.submit(reviewer, world.items[0])
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    for criterion, value in zip(world.criteria, (1, 3, 2), strict=True):
        services.consensus_save(
            session_id=world.session.pk,
            actor=world.facilitator,
            item_id=world.items[0].pk,
            criterion_id=criterion.pk,
            value=value,
            note=NOTE if criterion == world.numeric else "",
        )
    services.session_close(session_id=world.session.pk, actor=world.facilitator)


def next_scoring_session(world):
    session = services.session_create(
        team=world.team,
        facilitator=world.facilitator,
        title="Scoring after the review",
        scorecard_version=current_version(scorecard=world.version.scorecard),
        interactions=[InteractionFactory(team=world.team)],
        reviewers=world.reviewers,
        options=services.SessionOptions(),
    )
    services.session_start(session_id=session.pk, actor=world.facilitator)
    return session


def item_button(page, name):
    return page.get_by_test_id("review-item").filter(has_text=name)


def answer(page, *, relevant, trending, mistakes, proposal, comment):
    form = page.get_by_test_id("answer-form")
    form.get_by_test_id(f"relevant-{relevant}").check()
    form.get_by_test_id(f"trending-{trending}").check()
    form.get_by_test_id(f"mistakes-{mistakes}").check()
    form.get_by_test_id(f"proposal-{proposal}").check()
    form.get_by_test_id("answer-comment").fill(comment)
    expect(form.get_by_test_id("answer-state")).to_contain_text("Saved")


def decide(page, decision, rationale, **fields):
    form = page.get_by_test_id("decision-form")
    form.get_by_test_id(f"decide-{decision}").check()
    for name, value in fields.items():
        form.get_by_test_id(f"decide-{name}").fill(value)
    form.get_by_test_id("decide-rationale").fill(rationale)
    form.get_by_test_id("decide-save").click()
    expect(page.get_by_test_id("review-decision")).to_contain_text(rationale)


def test_a_criterion_review_ends_in_a_new_version_and_the_next_session_reads_the_note(
    new_page, login
):
    world = SessionWorld(reviewers=2, interactions=1)
    off_the_event_loop(a_closed_scoring_session_with_a_note, world)
    first, second = world.reviewers

    # The facilitator creates the review from the scorecard, with both participants.
    facilitator = new_page()
    facilitator.frames_received = []
    login(facilitator, world.facilitator.username)
    facilitator.goto(f"/sessions/reviews/new/?scorecard={world.version.scorecard_id}")
    facilitator.get_by_label("Title").fill("Quarterly criterion review")
    for person in world.reviewers:
        facilitator.get_by_label(person.get_full_name()).check()
    facilitator.get_by_test_id("review-create").click()
    expect(facilitator.get_by_test_id("session-status")).to_have_text("Lobby")
    review = CalibrationSession.objects.get(title="Quarterly criterion review")
    in_review = SimpleNamespace(session=review)

    # Evidence from the closed scoring session is beside the criterion, with its note.
    item_button(facilitator, "Empathy").click()
    evidence = facilitator.get_by_test_id("review-evidence")
    expect(evidence).to_contain_text("Too little history")
    expect(evidence).to_contain_text("Rated N/A")
    expect(evidence.get_by_test_id("evidence-notes")).to_contain_text(NOTE)

    one = open_room(new_page, login, first, in_review)
    two = open_room(new_page, login, second, in_review)
    for page in (facilitator, one, two):
        expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "online")
    facilitator.get_by_test_id("review-start").click()
    for page in (facilitator, one, two):
        expect(page.get_by_test_id("session-status")).to_have_text("In progress")

    # Everyone follows the facilitator to the first criterion; both answer it blind.
    item_button(facilitator, "Verified identity").click()
    for page in (one, two):
        expect(page.get_by_test_id("review-title")).to_have_text("Verified identity")
    answer(
        one, relevant="yes", trending="yes", mistakes="yes", proposal="change", comment=SECRET_ONE
    )
    one.get_by_test_id("answer-new_guidance").fill("Two identifiers before any detail.")
    expect(one.get_by_test_id("answer-state")).to_contain_text("Saved")
    answer(
        two, relevant="yes", trending="no", mistakes="unsure", proposal="keep", comment=SECRET_TWO
    )
    expect(facilitator.get_by_test_id("review-progress")).to_have_text("2 of 2 answered")

    # A participant in the middle of typing stays where they are and is told; the others follow.
    one.get_by_test_id("review-title").click()  # reading, not typing
    two.get_by_test_id("answer-comment").focus()
    item_button(facilitator, "Empathy").click()
    expect(one.get_by_test_id("review-title")).to_have_text("Empathy")
    expect(two.get_by_text("The facilitator moved on to “Empathy”.")).to_be_visible()
    expect(two.get_by_test_id("review-title")).to_have_text("Verified identity")
    item_button(facilitator, "Verified identity").click()
    expect(one.get_by_test_id("review-title")).to_have_text("Verified identity")

    # Nothing of an answer reached anyone else before the reveal, not even the facilitator.
    assert SECRET_ONE not in everything_on(two) and SECRET_ONE not in everything_on(facilitator)
    assert SECRET_TWO not in everything_on(one) and SECRET_TWO not in everything_on(facilitator)
    # An answer survives a reload, a half-written one too.
    item_button(one, "Resolution").click()
    one.get_by_test_id("answer-comment").fill("Half a thought")
    expect(one.get_by_test_id("answer-state")).to_contain_text("Saved")
    one.reload()
    expect(one.get_by_test_id("review-title")).to_have_text("Resolution")
    expect(one.get_by_test_id("answer-comment")).to_have_value("Half a thought")
    item_button(one, "Verified identity").click()
    expect(one.get_by_test_id("answer-comment")).to_have_value(SECRET_ONE)
    expect(one.get_by_test_id("relevant-yes")).to_be_checked()

    # A participant proposes a new criterion; it joins the list for everyone.
    two.get_by_test_id("propose-open").click()
    two.get_by_test_id("propose-name").fill("Next steps")
    two.get_by_test_id("propose-submit").click()
    expect(item_button(facilitator, "Next steps")).to_be_visible()

    # Closing with undecided criteria asks first; saying no keeps the review going.
    asked = []
    facilitator.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    facilitator.get_by_test_id("review-close").click()
    expect(facilitator.get_by_test_id("session-status")).to_have_text("In progress")
    assert asked and "4 items are still undecided" in asked[0]

    # The reveal: tallies and comments for everyone.
    facilitator.get_by_test_id("review-reveal").click()
    for page in (facilitator, one, two):
        tallies = page.get_by_test_id("review-tallies")
        expect(tallies).to_contain_text("Yes 2")
        expect(page.get_by_test_id("review-answers")).to_contain_text(SECRET_ONE)
        expect(page.get_by_test_id("review-answers")).to_contain_text(SECRET_TWO)
    decide(
        facilitator,
        "change",
        "Agents skip the second identifier.",
        guidance_right="Asks for two identifiers before any account detail.",
        weight="2",
    )

    # Empathy: revealed unanswered, kept. Resolution: deleted. The proposal: added. U takes
    # the facilitator to the next criterion without a decision.
    for name, decision, rationale in [
        ("Empathy", "keep", "Still what customers notice first."),
        ("Resolution", "delete", "Covered by the new criterion."),
        ("Next steps", "add", "Customers ask what happens next."),
    ]:
        facilitator.get_by_test_id("review-title").click()
        facilitator.keyboard.press("u")
        expect(facilitator.get_by_test_id("review-title")).to_contain_text(name)
        facilitator.get_by_test_id("review-reveal").click()
        decide(facilitator, decision, rationale)
    expect(facilitator.get_by_test_id("decided-count")).to_have_text("4 of 4 decided")

    # Present mode shows the criterion under discussion and its decision.
    present = new_page()
    login(present, world.facilitator.username)
    present.goto(f"/sessions/{review.pk}/present/")
    expect(present.get_by_test_id("present-title")).to_have_text("Proposed: Next steps")
    expect(present.get_by_test_id("review-decision")).to_contain_text("Add")

    facilitator.get_by_test_id("review-close").click()
    facilitator.wait_for_url(f"**/sessions/{review.pk}/summary/")
    changelog = facilitator.get_by_test_id("review-changelog")
    expect(changelog).to_contain_text("guidance edited")
    expect(changelog).to_contain_text("Agents skip the second identifier.")
    expect(changelog).to_contain_text("Retired “Resolution”")
    expect(changelog).to_contain_text("Added “Next steps”")
    expect(facilitator.get_by_test_id("resulting-version")).to_contain_text("v2")
    expect(one.get_by_test_id("closed-notice")).to_be_visible()

    # The scorecard's version history shows the decisions with their rationale.
    facilitator.get_by_test_id("resulting-version").click()
    history = facilitator.locator(".sc-changes").first
    expect(history).to_contain_text("Covered by the new criterion.")
    expect(history.get_by_test_id("changelog-session").first).to_have_text(
        "Quarterly criterion review"
    )

    # The next scoring session uses the new version; its reviewer reads the note beside the
    # guidance of the criterion the review kept, the changed guidance beside the other.
    following = off_the_event_loop(next_scoring_session, world)
    new_version = following.scorecard_version
    assert new_version.number == 2
    empathy = new_version.criteria.get(key=world.numeric.key)
    reviewer = open_room(new_page, login, first, SimpleNamespace(session=following))
    notes = criterion_box(reviewer, empathy).get_by_test_id("criterion-notes")
    expect(notes).to_contain_text("Calibration notes (1)")
    criterion_box(reviewer, empathy).locator('[role="radio"][tabindex="0"]').focus()
    reviewer.keyboard.press("l")
    expect(notes.get_by_text(NOTE)).to_be_visible()
    identity = new_version.criteria.get(key=world.binary.key)
    expect(criterion_box(reviewer, identity)).to_contain_text("two identifiers")
