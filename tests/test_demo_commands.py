import json
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from interactions.models import Channel, Interaction, Message
from scorecards.models import Criterion, Scorecard, ScorecardVersion
from scorecards.scales import ScaleKind
from scorecards.selectors import current_version
from sessions.models import (
    CalibrationSession,
    ReviewAnswer,
    ReviewDecision,
    SessionKind,
    SessionStatus,
)
from teams.models import Membership, Role, Team

from .factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
TEAM = "Northwind Support"
COMMAND_MODULE = "demo.management.commands.seed_demo"


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [
        Team,
        User,
        Membership,
        Scorecard,
        ScorecardVersion,
        Criterion,
        Interaction,
        Message,
        CalibrationSession,
        ReviewAnswer,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_creates_the_team_and_users_with_their_roles():
    output = seed()

    team = Team.objects.get(name=TEAM)
    roles = {m.user.username: m.role for m in team.memberships.select_related("user")}
    assert roles == {
        "admin": Role.ADMIN,
        "fiona": Role.FACILITATOR,
        "rahul": Role.REVIEWER,
        "maria": Role.REVIEWER,
        "tom": Role.REVIEWER,
        "aisha": Role.REVIEWER,
        "megan": Role.MANAGER,
    }
    for user in User.objects.all():
        assert user.check_password("concord-demo")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.get(username="fiona").is_staff
    assert User.objects.get(username="maria").get_full_name() == "María García"
    assert "Northwind Support" in output and "24" in output


def test_seed_demo_loads_a_scorecard_with_varied_scales_and_one_critical_criterion():
    seed()

    scorecard = Scorecard.objects.get(team__name=TEAM)
    assert scorecard.created_by.username == "fiona"
    criteria = list(current_version(scorecard=scorecard).criteria.all())
    assert 9 <= len(criteria) <= 12
    assert len({c.group for c in criteria}) == 3
    assert [c.name for c in criteria if c.critical] == ["Verified identity before account changes"]
    assert {c.scale_kind for c in criteria} == set(ScaleKind.values)
    assert any(c.scale_kind == ScaleKind.LABELS and not c.scale_ordered for c in criteria)
    numeric = [c for c in criteria if c.scale_kind == ScaleKind.NUMERIC]
    assert all(c.scale_points == 5 and c.fail_values == [1, 2] for c in numeric)
    assert any(c.na_allowed for c in criteria)
    assert all(c.guidance_right and c.guidance_wrong for c in criteria)


def test_seed_demo_loads_interactions_on_every_channel():
    seed()

    interactions = Interaction.objects.filter(team__name=TEAM)
    assert interactions.count() >= 20
    assert set(interactions.values_list("channel", flat=True)) == set(Channel.values)
    for call in interactions.filter(channel=Channel.PHONE):
        assert "Agent:" in call.notes and "Customer:" in call.notes
        assert call.recording_url.startswith("https://recordings.northwind.example/calls/")
    for email in interactions.filter(channel=Channel.EMAIL):
        assert 2 <= email.messages.count() <= 5
    assert {"Priya Nair", "Jake Turner"} <= set(interactions.values_list("agent_name", flat=True))
    assert all(interaction.occurred_at for interaction in interactions)


def test_seed_demo_rewords_tone_and_empathy_in_a_closed_criterion_review():
    seed()

    review = CalibrationSession.objects.get(team__name=TEAM, kind=SessionKind.CRITERION_REVIEW)
    assert review.status == SessionStatus.CLOSED
    version_2 = review.resulting_version
    assert version_2.number == 2
    assert current_version(scorecard=version_2.scorecard) == version_2
    weekly = CalibrationSession.objects.filter(title__startswith="Weekly calibration")
    later = weekly.filter(held_on_date__gt=review.held_on_date)
    assert later.exists() and set(later.values_list("scorecard_version", flat=True)) == {
        version_2.pk
    }
    # Held the day before the first session on version 2, in the past, and dated so.
    assert review.held_on_date == later.earliest("held_on_date").held_on_date - timedelta(1)
    assert not weekly.filter(held_on_date__lte=review.held_on_date, scorecard_version=version_2)
    assert review.closed_at.date() == review.held_on_date == version_2.created_at.date()
    assert review.created_at <= review.closed_at

    # Every reviewer answered the three questions on every criterion; all were revealed.
    items = list(review.review_items.select_related("criterion").order_by("position"))
    assert all(item.revealed_at and item.decision and item.rationale for item in items)
    answers = ReviewAnswer.objects.filter(item__session=review)
    assert answers.count() == 4 * len(items)
    assert all(a.relevant and a.trending and a.mistakes and a.proposal for a in answers)
    assert {a.participant.user.username for a in answers} == {"rahul", "maria", "tom", "aisha"}
    tone = next(item for item in items if item.criterion.name == "Tone and empathy")
    assert tone.decision == ReviewDecision.CHANGE

    (entry,) = version_2.changes
    assert entry["session_id"] == review.pk
    assert entry["session_title"] == review.title
    assert entry["rationale"] == tone.rationale
    assert entry["text"] == "“Tone and empathy”: guidance edited"
    reworded = version_2.criteria.get(name="Tone and empathy")
    assert reworded.key == tone.criterion.key
    assert reworded.guidance_right.startswith("Score what the customer would say")
    assert ScorecardVersion.objects.filter(scorecard=version_2.scorecard).count() == 2


def test_seed_demo_twice_changes_nothing():
    seed()
    before = counts()

    output = seed()

    assert output.strip() == "Demo data already loaded."
    assert counts() == before


def test_seed_demo_keeps_an_existing_account_and_its_password():
    UserFactory(username="tom")

    seed()

    tom = User.objects.get(username="tom")
    assert tom.check_password("pw")
    assert Membership.objects.get(user=tom, team__name=TEAM).role == Role.REVIEWER


def test_seed_demo_writes_nothing_when_an_import_fails(tmp_path, monkeypatch):
    bad = tmp_path / "interactions.json"
    bad.write_text(json.dumps({"interactions": [{"external_id": "X-1", "channel": "fax"}]}))
    monkeypatch.setattr(f"{COMMAND_MODULE}.INTERACTIONS_FILE", bad)
    err = StringIO()

    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("seed_demo", stdout=StringIO(), stderr=err)

    assert "row 1" in err.getvalue()
    assert counts() == dict.fromkeys(counts(), 0)
