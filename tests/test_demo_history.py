"""The demo's year of history: weekly sessions in which reviewers differ in bias and
consistency, one reviewer improves and one reworded criterion gets easier to agree on; and
`generate_history` for benchmarks."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from reports.selectors import ReportAccess
from reports.selectors.reviewers import reviewer_overview, reviewer_profile
from reports.selectors.trends import agreement_trends
from sessions.models import (
    CalibrationSession,
    SessionCriterionSummary,
    SessionKind,
    SessionStatus,
    SessionSummary,
)
from teams.models import Role, Team

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_seed_demo_writes_a_year_of_weekly_history_that_tells_a_story():
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    team = Team.objects.get(name="Northwind Support")
    megan = User.objects.get(username="megan")
    access = ReportAccess(team=team, user=megan, role=Role.MANAGER)

    closed = CalibrationSession.objects.filter(
        team=team, status=SessionStatus.CLOSED, kind=SessionKind.SCORING
    )
    assert closed.count() == 53  # the past session of October and 52 weeks
    assert SessionSummary.objects.filter(team=team).count() == 53
    dates = sorted(SessionSummary.objects.values_list("held_on_date", flat=True))
    assert (dates[-1] - dates[0]).days >= 350
    assert dates[-1] < timezone.localdate()
    weekly = closed.filter(title__startswith="Weekly calibration")
    assert all(s.created_at.date() == s.held_on_date for s in weekly)  # no "created today"

    labels = {
        r["name"]: r["consensus"]["bias"].label
        for r in reviewer_overview(access=access)["reviewers"]
    }
    assert labels["Tom Becker"] == "lenient"
    assert labels["Aisha Bello"] == "harsh"
    assert labels["María García"] is None

    rahul = User.objects.get(username="rahul")
    over_time = reviewer_profile(access=access, user=rahul)["over_time"]["consensus"]
    assert abs(over_time[-1]["bias"].shrunk) < abs(over_time[0]["bias"].shrunk) / 2

    tone = next(
        line
        for line in agreement_trends(team=team, group="criterion", period="quarter", n_resamples=0)
        if line["name"] == "Tone and empathy"
    )
    first, last = tone["points"][1], tone["points"][-2]  # whole quarters at both ends
    assert last["alpha"]["alpha"] > first["alpha"]["alpha"] + 0.1
    # the reworded criterion is one series across both scorecard versions
    versions = SessionCriterionSummary.objects.filter(
        team=team, criterion__name="Tone and empathy"
    ).values_list("criterion__version__number", flat=True)
    assert set(versions) == {1, 2}


def test_generate_history_adds_sessions_with_their_summaries():
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    before = SessionSummary.objects.count()
    out = StringIO()

    call_command(
        "generate_history", "--sessions", "30", "--years", "1", "--resamples", "0", stdout=out
    )

    assert SessionSummary.objects.count() == before + 30
    assert "30 sessions" in out.getvalue()


def test_generate_history_refuses_a_missing_team_and_writes_nothing():
    with pytest.raises(CommandError, match="No team named"):
        call_command("generate_history", "--sessions", "5", "--team", "Nobody", stdout=StringIO())
    assert not CalibrationSession.objects.exists()
