import pytest

from sessions import services
from sessions.selectors import review as review_selectors
from sessions.selectors.review import review_snapshot, review_summary
from sessions.services import reviewing

from .review_builders import ReviewWorld

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_caches():
    review_selectors._shared.clear()
    review_selectors._evidence_cache.clear()


def close_scoring_session(world):
    """SessionWorld's scoring session, scored by both reviewers, revealed and closed."""
    base = world.base
    services.session_start(session_id=base.session.pk, actor=base.facilitator)
    for reviewer, values in zip(base.reviewers, [(0, 4, 2), (1, 2, 2)], strict=True):
        base.score_all(reviewer, base.items[0], values)
        base.submit(reviewer, base.items[0])
    services.session_reveal(session_id=base.session.pk, actor=base.facilitator)
    services.session_close(session_id=base.session.pk, actor=base.facilitator)


def test_the_evidence_says_what_history_there_is_with_its_counts():
    world = ReviewWorld()
    close_scoring_session(world)
    frame = review_snapshot(session=world.session, user=world.facilitator)
    identity = frame["items"][0]["evidence"]
    assert identity["shortfall"].startswith("Too little history to judge")
    figures = dict(identity["figures"])
    # Too little history: no agreement figure, but the rates with what they count.
    assert "Agreement (alpha)" not in figures
    assert figures["Rated failed"] == "50% (1 of 2 ratings)"
    assert identity["basis"].startswith("From its one scoring session")


def test_a_criterion_no_scoring_session_used_says_so():
    world = ReviewWorld()
    frame = review_snapshot(session=world.session, user=world.facilitator)
    evidence = frame["items"][1]["evidence"]
    assert evidence["shortfall"]
    assert not any(label == "Agreement (alpha)" for label, _ in evidence["figures"])


def test_the_review_itself_never_counts_as_history():
    world = ReviewWorld().start()
    for item in world.items:
        world.answer(world.reviewers[0], item)
        world.reveal(item)
        world.decide(item, "keep")
    reviewing.review_close(session_id=world.session.pk, actor=world.facilitator)
    again = reviewing.review_create(
        team=world.team,
        facilitator=world.facilitator,
        title="Next quarter",
        scorecard_version=world.version,
        reviewers=world.reviewers,
    )
    frame = review_snapshot(session=again, user=world.facilitator)
    assert all(not item["evidence"]["basis"] for item in frame["items"])


def test_own_answers_come_with_the_frame_and_nobody_elses():
    world = ReviewWorld().start()
    first, second = world.reviewers
    world.answer(first, world.items[0], comment="mine")
    assert (
        review_snapshot(session=world.session, user=first)["my_answers"][str(world.items[0].pk)][
            "comment"
        ]
        == "mine"
    )
    assert review_snapshot(session=world.session, user=second)["my_answers"] == {}


def test_a_proposer_is_named_by_alias_in_an_anonymous_review():
    world = ReviewWorld(anonymous=True).start()
    proposer = world.reviewers[0]
    reviewing.review_propose(session_id=world.session.pk, user=proposer, name="Tone")
    other = review_snapshot(session=world.session, user=world.reviewers[1])["items"][-1]
    assert other["proposed_by"].startswith("Reviewer ")
    own = review_snapshot(session=world.session, user=proposer)["items"][-1]
    assert own["proposed_by"] == "You"


def test_a_frame_costs_a_fixed_number_of_queries(django_assert_max_num_queries):
    world = ReviewWorld(reviewers=6).start()
    for reviewer in world.reviewers:
        for item in world.items:
            world.answer(reviewer, item, comment="x")
    world.reveal(world.items[0])
    review_snapshot(session=world.session, user=world.facilitator)  # the shared part, once
    with django_assert_max_num_queries(3):
        review_snapshot(session=world.session, user=world.reviewers[0])


def test_the_summary_lists_the_changes_the_review_wrote():
    world = ReviewWorld().start()
    world.reveal(world.items[2])
    world.decide(world.items[2], "delete", "Nobody uses it.")
    session = reviewing.review_close(session_id=world.session.pk, actor=world.facilitator)
    summary = review_summary(session=session, user=world.reviewers[0])
    assert [entry["rationale"] for entry in summary["changes"]] == ["Nobody uses it."]
    assert summary["items"][2]["question_rows"][0]["yes"] == 0


def test_after_a_scale_change_the_next_review_does_not_pool_the_old_scale():
    world = ReviewWorld()
    close_scoring_session(world)
    world.start()
    empathy = world.items[1]
    world.reveal(empathy)
    world.decide(
        empathy,
        "change",
        "Five points were never used.",
        reviewing.DecisionInput(
            name="Empathy", scale_kind="numeric", scale_points=3, fail_values="1", weight="1"
        ),
    )
    closed = reviewing.review_close(session_id=world.session.pk, actor=world.facilitator)
    again = reviewing.review_create(
        team=world.team,
        facilitator=world.facilitator,
        title="Next quarter",
        scorecard_version=closed.resulting_version,
        reviewers=world.reviewers,
    )
    items = review_snapshot(session=again, user=world.facilitator)["items"]
    by_name = {item["name"]: item["evidence"] for item in items}
    # Empathy's history was on 1–5: not pooled with its new 1–3 series.
    assert by_name["Empathy"]["basis"] == "1 earlier session is on another scale, not pooled."
    assert by_name["Verified identity"]["basis"].startswith("From its one scoring session")
