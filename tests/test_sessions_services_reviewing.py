import pytest

from scorecards.models import CalibrationNote, ScorecardVersion
from scorecards.selectors import current_version
from sessions import services
from sessions.models import ReviewAnswer, SessionKind, SessionStatus
from sessions.selectors.review import review_snapshot
from sessions.selectors.visibility import visible_review_answers
from sessions.services import reviewing
from sessions.services.lifecycle import UndecidedCriteria

from .factories import TeamFactory, UserFactory
from .review_builders import ReviewWorld

pytestmark = pytest.mark.django_db


def change_to(**overrides):
    values = {
        "name": "Verified identity",
        "scale_kind": "binary",
        "guidance_right": "Asks for two identifiers before any account detail.",
        "weight": "2",
        "critical": True,
    }
    values.update(overrides)
    return reviewing.DecisionInput(**values)


def test_review_create_makes_one_item_per_active_criterion_in_the_lobby():
    world = ReviewWorld()
    session = world.session
    assert session.kind == SessionKind.CRITERION_REVIEW
    assert session.status == SessionStatus.DRAFT
    assert [item.criterion for item in world.items] == world.criteria
    assert session.participants.count() == 3


def test_review_create_refuses_a_stranger_as_participant():
    world = ReviewWorld()
    with pytest.raises(services.SessionError, match="member of this team"):
        reviewing.review_create(
            team=world.team,
            facilitator=world.facilitator,
            title="Review",
            scorecard_version=world.version,
            reviewers=[UserFactory(username="stranger")],
        )


def test_review_create_refuses_another_teams_scorecard():
    world = ReviewWorld()
    with pytest.raises(services.SessionError, match="another team"):
        reviewing.review_create(
            team=TeamFactory(),
            facilitator=world.facilitator,
            title="Review",
            scorecard_version=world.version,
            reviewers=[],
            facilitator_answers=True,
        )


def test_answers_wait_for_the_start_and_are_saved_as_typed():
    world = ReviewWorld()
    with pytest.raises(services.SessionError, match="not started"):
        world.answer(world.reviewers[0], world.items[0])
    world.start()
    world.answer(world.reviewers[0], world.items[0], proposal="", comment="half")
    world.answer(world.reviewers[0], world.items[0], proposal="change", comment="Reword it")
    answer = ReviewAnswer.objects.get()
    assert (answer.proposal, answer.comment) == ("change", "Reword it")


def test_an_older_resend_never_overwrites_a_newer_answer():
    world = ReviewWorld().start()
    reviewer, item = world.reviewers[0], world.items[0]
    world.answer(reviewer, item, comment="newer", client_ts=20)
    result = world.answer(reviewer, item, comment="older", client_ts=10)
    assert result.applied is False
    assert ReviewAnswer.objects.get().comment == "newer"


def test_bad_answer_values_are_refused_and_change_nothing():
    world = ReviewWorld().start()
    reviewer, item = world.reviewers[0], world.items[0]
    with pytest.raises(services.SessionError, match="is it relevant"):
        world.answer(reviewer, item, relevant="maybe")
    with pytest.raises(services.SessionError, match="weight"):
        world.answer(reviewer, item, new_weight="-3")
    with pytest.raises(services.SessionError, match="not part of this review"):
        reviewing.review_answer_save(session_id=world.session.pk, user=reviewer, item_id=999999)
    assert not ReviewAnswer.objects.exists()


def test_the_facilitator_does_not_answer_unless_the_review_says_so():
    world = ReviewWorld().start()
    with pytest.raises(services.SessionPermissionError):
        world.answer(world.facilitator, world.items[0])


def test_before_the_reveal_only_the_author_sees_an_answer_facilitator_included():
    world = ReviewWorld().start()
    first, second = world.reviewers
    world.answer(first, world.items[0], comment="first's view")
    session = world.session
    assert [a.comment for a in visible_review_answers(session=session, viewer=first)] == [
        "first's view"
    ]
    assert not visible_review_answers(session=session, viewer=second).exists()
    assert not visible_review_answers(session=session, viewer=world.facilitator).exists()
    assert not visible_review_answers(session=session, viewer=None).exists()
    frame = review_snapshot(session=session, user=world.facilitator)
    assert "first's view" not in str(frame)
    assert frame["items"][0]["answered"] == 1


def test_after_the_reveal_everyone_sees_tallies_and_comments():
    world = ReviewWorld().start()
    first, second = world.reviewers
    world.answer(first, world.items[0], comment="keep it")
    world.answer(second, world.items[0], relevant="no", proposal="delete", comment="drop it")
    world.reveal(world.items[0])
    frame = review_snapshot(session=world.session, user=world.facilitator)
    item = frame["items"][0]
    assert item["tallies"]["relevant"] == {"yes": 1, "no": 1, "unsure": 0}
    assert item["tallies"]["proposal"] == {"keep": 1, "change": 0, "delete": 1}
    assert sorted(a["comment"] for a in item["answers"]) == ["drop it", "keep it"]
    # The other items stay blind.
    assert frame["items"][1]["answers"] == []
    with pytest.raises(services.SessionError, match="final"):
        world.answer(first, world.items[0], comment="too late")


def test_an_anonymous_reveal_names_answers_by_alias_except_your_own():
    world = ReviewWorld(anonymous=True).start()
    first, second = world.reviewers
    world.answer(first, world.items[0])
    world.answer(second, world.items[0])
    world.reveal(world.items[0])
    labels = {
        a["label"]
        for a in review_snapshot(session=world.session, user=first)["items"][0]["answers"]
    }
    assert "You" in labels
    assert second.first_name not in str(labels)


def test_only_the_facilitator_reveals_focuses_and_decides():
    world = ReviewWorld().start()
    reviewer = world.reviewers[0]
    for call in (
        lambda: reviewing.review_reveal(
            session_id=world.session.pk, actor=reviewer, item_id=world.items[0].pk
        ),
        lambda: reviewing.review_focus(
            session_id=world.session.pk, actor=reviewer, item_id=world.items[0].pk
        ),
        lambda: reviewing.review_close(session_id=world.session.pk, actor=reviewer),
    ):
        with pytest.raises(services.SessionPermissionError):
            call()


def test_a_decision_needs_the_reveal_a_rationale_and_a_real_change():
    world = ReviewWorld().start()
    item = world.items[0]
    with pytest.raises(services.SessionError, match="Reveal"):
        world.decide(item, "keep")
    world.reveal(item)
    with pytest.raises(services.SessionError, match="rationale"):
        world.decide(item, "keep", rationale="  ")
    with pytest.raises(services.SessionError, match="Nothing in the criterion changes"):
        world.decide(
            item,
            "change",
            criterion=reviewing.DecisionInput(
                name="Verified identity", scale_kind="binary", weight="1", critical=True
            ),
        )
    with pytest.raises(services.SessionError, match="keep, change or delete"):
        world.decide(item, "add")
    with pytest.raises(services.SessionError, match="points"):
        world.decide(item, "change", criterion=change_to(scale_kind="numeric"))


def test_closing_with_undecided_items_asks_first():
    world = ReviewWorld().start()
    with pytest.raises(UndecidedCriteria) as refused:
        reviewing.review_close(
            session_id=world.session.pk, actor=world.facilitator, confirm_undecided=False
        )
    assert refused.value.count == 3
    assert world.session.__class__.objects.get(pk=world.session.pk).status == SessionStatus.SCORING


def test_closing_writes_the_decisions_as_a_new_version_with_a_changelog():
    world = ReviewWorld().start()
    identity, empathy, resolution = world.items
    for item in world.items:
        world.reveal(item)
    world.decide(identity, "change", "Two identifiers, always.", change_to())
    world.decide(empathy, "delete", "Nobody fails it any more.")
    world.decide(resolution, "keep", "Still the heart of it.")
    proposal = reviewing.review_propose(
        session_id=world.session.pk, user=world.reviewers[0], name="Next steps", scale="Pass / fail"
    )
    world.reveal(proposal)
    world.decide(
        proposal,
        "add",
        "Customers asked what happens next.",
        reviewing.DecisionInput(name="Next steps", scale_kind="binary", weight="1"),
    )
    session = reviewing.review_close(
        session_id=world.session.pk, actor=world.facilitator, confirm_undecided=False
    )
    new = current_version(scorecard=world.version.scorecard)
    assert session.status == SessionStatus.CLOSED
    assert session.resulting_version == new
    assert new.number == world.version.number + 1
    by_key = {c.key: c for c in new.criteria.all()}
    changed = by_key[world.criteria[0].key]
    assert (changed.weight, changed.guidance_right) == (2, change_to().guidance_right)
    assert by_key[world.criteria[1].key].is_active is False
    assert new.criteria.filter(name="Next steps", is_active=True).exists()
    actions = [(entry["action"], entry["rationale"], entry["session_id"]) for entry in new.changes]
    assert actions == [
        ("change", "Two identifiers, always.", session.pk),
        ("delete", "Nobody fails it any more.", session.pk),
        ("add", "Customers asked what happens next.", session.pk),
    ]
    added = new.criteria.get(name="Next steps")
    assert new.changes[2]["criterion_key"] == str(added.key)
    # The reviewed version, and the scoring session that used it, keep it.
    assert (
        ScorecardVersion.objects.get(pk=world.version.pk)
        .criteria.filter(name="Empathy", is_active=True)
        .exists()
    )
    assert world.base.session.scorecard_version_id == world.version.pk


def test_a_scale_change_keeps_the_key_and_its_notes_follow():
    world = ReviewWorld().start()
    item = world.items[1]  # Empathy, numeric 1..5
    world.reveal(item)
    world.decide(
        item,
        "change",
        "Five points were never used.",
        reviewing.DecisionInput(
            name="Empathy", scale_kind="numeric", scale_points=3, fail_values="1", weight="1"
        ),
    )
    reviewing.review_close(session_id=world.session.pk, actor=world.facilitator)
    new = current_version(scorecard=world.version.scorecard)
    assert new.criteria.get(key=world.criteria[1].key).scale_points == 3
    assert "scale" in new.changes[0]["text"]


def test_a_review_of_keeps_only_closes_without_a_new_version():
    world = ReviewWorld().start()
    for item in world.items:
        world.reveal(item)
        world.decide(item, "keep")
    session = reviewing.review_close(session_id=world.session.pk, actor=world.facilitator)
    assert session.resulting_version is None
    assert current_version(scorecard=world.version.scorecard) == world.version
    assert not CalibrationNote.objects.exists()


def test_proposals_are_refused_twice_and_after_the_close():
    world = ReviewWorld().start()
    reviewer = world.reviewers[0]
    reviewing.review_propose(session_id=world.session.pk, user=reviewer, name="Tone")
    with pytest.raises(services.SessionError, match="already on the review"):
        reviewing.review_propose(session_id=world.session.pk, user=reviewer, name="tone")
    with pytest.raises(services.SessionError, match="already on the review"):
        reviewing.review_propose(session_id=world.session.pk, user=reviewer, name="Empathy")
    reviewing.review_close(session_id=world.session.pk, actor=world.facilitator)
    with pytest.raises(services.SessionError, match="closed"):
        reviewing.review_propose(session_id=world.session.pk, user=reviewer, name="Later")


def test_a_decided_name_must_be_free_on_the_scorecard():
    world = ReviewWorld().start()
    identity = world.items[0]
    world.reveal(identity)
    with pytest.raises(services.SessionError, match="already a criterion called “Empathy”"):
        world.decide(identity, "change", criterion=change_to(name="Empathy"))
    proposal = reviewing.review_propose(
        session_id=world.session.pk, user=world.reviewers[0], name="Next steps"
    )
    world.reveal(proposal)
    world.decide(identity, "change", criterion=change_to(name="Identity check"))
    with pytest.raises(services.SessionError, match=r"(?i)called “identity check”"):
        world.decide(
            proposal,
            "add",
            criterion=reviewing.DecisionInput(name="identity check", scale_kind="binary"),
        )
    # The old name is free once its criterion is renamed.
    world.decide(
        proposal,
        "add",
        criterion=reviewing.DecisionInput(name="Verified identity", scale_kind="binary"),
    )
    reviewing.review_close(session_id=world.session.pk, actor=world.facilitator)
