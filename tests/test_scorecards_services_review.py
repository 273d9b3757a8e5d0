"""scorecard_apply_review: a criterion review's decisions as the scorecard's next version."""

import uuid
from decimal import Decimal

import pytest

from scorecards import services
from scorecards.models import ScorecardVersion
from scorecards.scales import Scale, ScaleKind
from scorecards.services import ReviewChange, scorecard_apply_review
from scorecards.specs import CriterionData

from .factories import TeamFactory

pytestmark = pytest.mark.django_db

FIVE_POINTS = Scale(kind=ScaleKind.NUMERIC, points=5, fail_values=(1, 2))
PASS_FAIL = Scale(kind=ScaleKind.BINARY, fail_values=(0,))


def scorecard_with(*names, locked=True):
    scorecard = services.scorecard_create(
        team=TeamFactory(),
        name="Support QA",
        criteria=[CriterionData(name=name, scale=FIVE_POINTS, group="Tone") for name in names],
    )
    version = scorecard.versions.get()
    if locked:
        services.scorecard_version_lock(version=version)
    return scorecard, version


def key_of(version, name):
    return version.criteria.get(name=name).key


def apply(scorecard, *changes):
    return scorecard_apply_review(
        scorecard=scorecard, changes=changes, session_id=42, session_title="Q3 review"
    )


def test_a_locked_version_gets_a_next_version_and_keeps_its_criteria():
    scorecard, v1 = scorecard_with("Empathy", "Greeting")
    edit = apply(
        scorecard,
        ReviewChange(
            action="change",
            key=key_of(v1, "Empathy"),
            data=CriterionData(name="Empathy", scale=FIVE_POINTS, weight=Decimal(2)),
            rationale="It matters twice as much.",
        ),
    )
    assert edit.new_version and edit.version.number == 2
    assert edit.version.criteria.get(name="Empathy").weight == 2
    assert v1.criteria.get(name="Empathy").weight == 1
    # The review cannot move a criterion out of its group.
    assert edit.version.criteria.get(name="Empathy").group == "Tone"
    assert edit.changes == [
        {
            "text": "“Empathy”: weight 1 → 2",
            "criterion_key": str(key_of(v1, "Empathy")),
            "action": "change",
            "session_id": 42,
            "session_title": "Q3 review",
            "rationale": "It matters twice as much.",
        }
    ]


def test_delete_retires_add_appends_and_each_change_has_one_entry():
    scorecard, v1 = scorecard_with("Empathy", "Greeting")
    edit = apply(
        scorecard,
        ReviewChange(action="delete", key=key_of(v1, "Greeting"), rationale="Nobody misses it."),
        ReviewChange(
            action="add",
            data=CriterionData(name="Next steps", scale=PASS_FAIL),
            rationale="Customers ask.",
        ),
    )
    new = edit.version
    assert new.criteria.get(name="Greeting").is_active is False
    added = new.criteria.get(name="Next steps")
    assert [(e["action"], e["text"]) for e in new.changes] == [
        ("delete", "Retired “Greeting”"),
        ("add", "Added “Next steps”"),
    ]
    assert new.changes[1]["criterion_key"] == str(added.key)
    assert ScorecardVersion.objects.get(pk=new.pk).changes == new.changes


def test_a_scale_change_keeps_the_key():
    scorecard, v1 = scorecard_with("Empathy")
    key = key_of(v1, "Empathy")
    three = Scale(kind=ScaleKind.NUMERIC, points=3, fail_values=(1,))
    edit = apply(
        scorecard,
        ReviewChange(
            action="change", key=key, data=CriterionData(name="Empathy", scale=three), rationale="r"
        ),
    )
    assert edit.version.criteria.get(key=key).scale_points == 3
    assert "scale 1–5 → 1–3" in edit.changes[0]["text"]


def test_an_unlocked_current_version_is_edited_in_place():
    scorecard, v1 = scorecard_with("Empathy", locked=False)
    edit = apply(
        scorecard,
        ReviewChange(action="delete", key=key_of(v1, "Empathy"), rationale="r"),
    )
    assert not edit.new_version and edit.version == v1
    assert v1.criteria.get().is_active is False
    assert ScorecardVersion.objects.get(pk=v1.pk).changes[-1]["action"] == "delete"


def test_nothing_is_written_when_nothing_changes():
    scorecard, v1 = scorecard_with("Empathy")
    same = CriterionData(name="Empathy", scale=FIVE_POINTS, group="Tone")
    edit = apply(
        scorecard,
        ReviewChange(action="change", key=key_of(v1, "Empathy"), data=same, rationale="r"),
    )
    assert not edit.changed
    assert scorecard.versions.count() == 1


def test_a_criterion_gone_from_the_scorecard_is_skipped_and_bad_input_refused():
    scorecard, _ = scorecard_with("Empathy")
    edit = apply(scorecard, ReviewChange(action="delete", key=uuid.uuid4(), rationale="r"))
    assert not edit.changed
    with pytest.raises(services.ScorecardError, match="Unknown review decision"):
        apply(scorecard, ReviewChange(action="burn", rationale="r"))
    with pytest.raises(services.ScorecardError, match="already a criterion"):
        apply(
            scorecard,
            ReviewChange(
                action="add", data=CriterionData(name="empathy", scale=PASS_FAIL), rationale="r"
            ),
        )
    assert scorecard.versions.count() == 1
