"""The reports' precomputed tables: written when a session closes or is imported, rebuilt by
`rebuild_report_summaries`, always equal to what the ratings say."""

import io

import pytest
from django.core.management import call_command

from agreement import krippendorff_alpha
from sessions import services
from sessions.models import (
    SessionCriterionSummary,
    SessionReviewerSummary,
    SessionSummary,
)

from .factories import SessionWorld

pytestmark = pytest.mark.django_db

# (binary, numeric 1-5, labels 0-2) per reviewer, the same on both interactions
RATINGS = [(1, 4, 2), (1, 3, 2), (0, 2, 1)]


def closed_world(**options):
    world = SessionWorld(**options).start()
    for reviewer, values in zip(world.reviewers, RATINGS, strict=True):
        for offset, item in enumerate(world.items):
            world.score_all(reviewer, item, (values[0], values[1] - offset, values[2]))
            world.submit(reviewer, item)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    for item in world.items:
        services.consensus_save(
            session_id=world.session.pk,
            actor=world.facilitator,
            item_id=item.pk,
            criterion_id=world.numeric.pk,
            value=3,
        )
    return world


def test_closing_a_session_writes_its_summary_rows():
    world = closed_world()
    assert not SessionSummary.objects.exists()  # nothing before the close

    services.session_close(session_id=world.session.pk, actor=world.facilitator)

    summary = SessionSummary.objects.get(session=world.session)
    assert summary.n_interactions == 2 and summary.n_reviewers == 3 and summary.n_ratings == 18
    assert summary.channel == "email"
    assert summary.held_on_date == world.session.created_at.date()
    empathy = SessionCriterionSummary.objects.get(session=world.session, criterion=world.numeric)
    assert empathy.unit_counts == [[0, 1, 1, 1, 0], [1, 1, 1, 0, 0]]
    ratings = [[4, 3], [3, 2], [2, 1]]  # reviewers x interactions
    assert empathy.alpha["alpha"] == pytest.approx(
        krippendorff_alpha(ratings, "ordinal").value, abs=1e-4
    )
    assert empathy.alpha["ci"] is None  # two units: too few for an interval
    assert empathy.n_fail == 3  # 2, 1 and 2 are fail values on Empathy
    identity = SessionCriterionSummary.objects.get(session=world.session, criterion=world.binary)
    assert identity.n_fail == 2 and identity.n_na == 0
    assert [
        c.criterion_id
        for c in SessionCriterionSummary.objects.filter(session=world.session, most_disputed=True)
    ] == [world.binary.pk]


def test_reviewer_rows_hold_the_deviation_sums_against_the_consensus():
    world = closed_world()

    services.session_close(session_id=world.session.pk, actor=world.facilitator)

    row = SessionReviewerSummary.objects.get(
        session=world.session, user=world.reviewers[0], criterion=world.numeric
    )
    # 4 and 3 against a consensus of 3 on a range of 4: +0.25 and 0
    assert row.reference == "consensus" and row.n == 2
    assert row.dev_sum == pytest.approx(0.25) and row.dev_sq == pytest.approx(0.0625)
    assert row.match == 1 and row.n_compared == 2
    assert not SessionReviewerSummary.objects.filter(reference="baseline").exists()


def test_the_baseline_is_compared_with_everyone_but_itself():
    world = closed_world()
    lead = world.reviewers[1]
    world.session.baseline = lead
    world.session.save(update_fields=["baseline"])

    services.session_close(session_id=world.session.pk, actor=world.facilitator)

    baseline_rows = SessionReviewerSummary.objects.filter(
        session=world.session, reference="baseline"
    )
    assert set(baseline_rows.values_list("user_id", flat=True)) == {
        world.reviewers[0].pk,
        world.reviewers[2].pk,
    }


def test_rewriting_replaces_the_rows_and_the_rebuild_backfills_missing_ones():
    world = closed_world()
    services.session_close(session_id=world.session.pk, actor=world.facilitator)
    counts = (SessionCriterionSummary.objects.count(), SessionReviewerSummary.objects.count())
    SessionSummary.objects.all().delete()

    out = io.StringIO()
    call_command("rebuild_report_summaries", stdout=out)
    call_command("rebuild_report_summaries", "--all", stdout=io.StringIO())

    assert "1 closed session" in out.getvalue()
    assert SessionSummary.objects.count() == 1
    assert (
        SessionCriterionSummary.objects.count(),
        SessionReviewerSummary.objects.count(),
    ) == counts


def test_an_open_session_gets_no_summary():
    world = closed_world()

    assert services.session_summaries_write(session_ids=[world.session.pk]) == 0
    assert not SessionSummary.objects.exists()


def test_imported_sessions_get_their_summaries_dated_the_day_they_were_held():
    from datetime import date
    from pathlib import Path

    from sessions.history import import_history

    from .factories import TeamFactory

    team = TeamFactory(name="Support")
    example = Path(__file__).resolve().parent.parent / "examples" / "history.csv"

    import_history(data=example.read_bytes(), team_name="support", create_missing=True)

    summaries = {s.session.title: s for s in SessionSummary.objects.select_related("session")}
    assert set(summaries) == {"March calibration", "April calibration"}
    assert summaries["April calibration"].held_on_date == date(2024, 4, 11)
    assert summaries["April calibration"].team == team
    assert SessionCriterionSummary.objects.filter(session__title="April calibration").count() == 4


def test_the_rebuild_refuses_an_unknown_team_and_writes_nothing():
    from django.core.management.base import CommandError

    world = closed_world()
    services.session_close(session_id=world.session.pk, actor=world.facilitator)
    SessionSummary.objects.all().delete()

    with pytest.raises(CommandError, match="No team named"):
        call_command("rebuild_report_summaries", "--team", "Nobody", stdout=io.StringIO())

    assert not SessionSummary.objects.exists()


def test_pattern_rows_count_the_interactions_by_their_ratings():
    from sessions.models import SessionPatternSummary

    world = closed_world()

    services.session_close(session_id=world.session.pk, actor=world.facilitator)

    empathy = dict(
        SessionPatternSummary.objects.filter(
            session=world.session, criterion=world.numeric
        ).values_list("pattern", "n_units")
    )
    assert empathy == {"0,1,1,1,0": 1, "1,1,1,0,0": 1}
    identity = dict(
        SessionPatternSummary.objects.filter(
            session=world.session, criterion=world.binary
        ).values_list("pattern", "n_units")
    )
    assert identity == {"1,2": 2}  # one fail and two passes on both interactions
