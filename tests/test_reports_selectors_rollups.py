"""Period rollups and the stored session report: whole periods from the rollups, the edges
from the session rows, and the same figures as the session rows give on their own."""

import datetime as dt
import json

import pytest
from django.db.models import Count, Sum

from reports.selectors.rollups import TRUNC, combined, split_range
from reports.selectors.trends import agreement_trends
from sessions import services
from sessions.models import (
    CalibrationSession,
    CriterionRollup,
    PatternRollup,
    ReviewerRollup,
    SessionPatternSummary,
    SessionReviewerSummary,
    SessionSummary,
    TrendPoint,
)
from sessions.selectors import session_report
from sessions.services.summaries import rollups_write

from .factories import SessionWorld
from .test_reports_pages import add_closed_session, world  # noqa: F401

D = dt.date


# --------------------------------------------------------------------------- split_range
@pytest.mark.parametrize(
    "date_from,date_to,base,whole,edges",
    [
        (None, None, "month", (None, None), []),
        (D(2026, 1, 1), D(2026, 3, 31), "month", (D(2026, 1, 1), D(2026, 3, 1)), []),
        (
            D(2026, 1, 15),
            D(2026, 3, 10),
            "month",
            (D(2026, 2, 1), D(2026, 2, 1)),
            [(D(2026, 1, 15), D(2026, 1, 31)), (D(2026, 3, 1), D(2026, 3, 10))],
        ),
        (D(2026, 1, 10), D(2026, 1, 20), "month", None, [(D(2026, 1, 10), D(2026, 1, 20))]),
        (D(2026, 2, 1), None, "month", (D(2026, 2, 1), None), []),
        (None, D(2026, 2, 27), "month", (None, D(2026, 1, 1)), [(D(2026, 2, 1), D(2026, 2, 27))]),
        (None, D(2024, 2, 29), "month", (None, D(2024, 2, 1)), []),  # a leap month, whole
        (  # 2026-01-07 is a Wednesday
            D(2026, 1, 7),
            D(2026, 1, 25),
            "week",
            (D(2026, 1, 12), D(2026, 1, 19)),
            [(D(2026, 1, 7), D(2026, 1, 11))],
        ),
        (D(2026, 1, 6), D(2026, 1, 8), "week", None, [(D(2026, 1, 6), D(2026, 1, 8))]),
    ],
)
def test_a_range_splits_into_whole_periods_and_edge_days(date_from, date_to, base, whole, edges):
    assert split_range(date_from, date_to, base) == (whole, edges)


# --------------------------------------------------------------------------- the same sums
pytestmark = pytest.mark.django_db

DATES = [D(2026, 1, 5), D(2026, 1, 28), D(2026, 2, 2), D(2026, 2, 24), D(2026, 3, 3)]


@pytest.fixture
def history(world):  # noqa: F811
    for held in DATES:
        add_closed_session(world, held=held)
    return world


def direct(team, period, date_from, date_to):
    rows = SessionPatternSummary.objects.filter(team=team)
    if date_from:
        rows = rows.filter(held_on_date__gte=date_from)
    if date_to:
        rows = rows.filter(held_on_date__lte=date_to)
    if period:
        rows = rows.annotate(period=TRUNC[period]("held_on_date"))
    fields = ["criterion_id", "pattern", *(["period"] if period else [])]
    return sorted(
        (tuple(r[f] for f in fields), r["n"])
        for r in rows.values(*fields).annotate(n=Sum("n_units")).order_by()
    )


@pytest.mark.parametrize("period", [None, "week", "month", "quarter"])
@pytest.mark.parametrize(
    "date_from,date_to",
    [(None, None), (D(2026, 1, 20), None), (None, D(2026, 2, 10)), (D(2026, 1, 6), D(2026, 3, 1))],
)
def test_rollups_and_edges_sum_to_what_the_session_rows_give(history, period, date_from, date_to):
    team = history.team

    got = combined(
        rollups=PatternRollup.objects.filter(
            team=team, span="week" if period == "week" else "month"
        ),
        rows=SessionPatternSummary.objects.filter(team=team),
        period=period,
        date_from=date_from,
        date_to=date_to,
        keys=["criterion_id", "pattern"],
        sums={"n": Sum("n_units")},
    )

    fields = ["criterion_id", "pattern", *(["period"] if period else [])]
    assert sorted((tuple(r[f] for f in fields), r["n"]) for r in got) == direct(
        team, period, date_from, date_to
    )
    assert got  # something to compare


def test_trends_read_whole_months_from_the_rollup(history):
    # Emptying the session pattern rows leaves whole months intact: they come from the rollup.
    before = agreement_trends(team=history.team, group="team", period="month", n_resamples=50)
    SessionPatternSummary.objects.filter(team=history.team).delete()

    after = agreement_trends(team=history.team, group="team", period="month", n_resamples=50)

    assert after == before
    assert [p["n_sessions"] for p in after[0]["points"]] == [2, 2, 1]


def test_rollups_are_rewritten_exactly_and_idempotently(history):
    team = history.team

    def snapshot():
        patterns = ["span", "start", "criterion_id", "pattern", "n_units"]
        criteria = ["span", "start", "criterion_id", "n_sessions", "n_ratings", "n_disputed"]
        reviewers = ["start", "user_id", "criterion_id", "reference", "n", "dev_sum"]
        return (
            sorted(PatternRollup.objects.values_list(*patterns)),
            sorted(CriterionRollup.objects.values_list(*criteria)),
            sorted(ReviewerRollup.objects.values_list(*reviewers)),
        )

    written = snapshot()
    rollups_write(team_ids=[team.pk])
    rebuilt = snapshot()
    rollups_write(team_ids=[team.pk])

    assert written == rebuilt == snapshot()
    months = {row[1] for row in written[0] if row[0] == "month"}
    assert months == {D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)}
    assert sum(r[3] for r in written[1] if r[0] == "month") == 3 * len(DATES)  # criteria x sessions
    reviewer_n = SessionReviewerSummary.objects.filter(team=team).aggregate(n=Sum("n"))["n"]
    assert sum(r[4] for r in written[2]) == reviewer_n


def test_a_rewritten_session_keeps_its_periods_rollups_true(history):
    session = CalibrationSession.objects.filter(team=history.team, held_on_date=DATES[0]).get()
    before = sorted(
        PatternRollup.objects.values_list("span", "start", "criterion_id", "pattern", "n_units")
    )

    services.session_summaries_write(session_ids=[session.pk])
    after = sorted(
        PatternRollup.objects.values_list("span", "start", "criterion_id", "pattern", "n_units")
    )

    assert after == before


def test_a_month_counts_its_sessions_once_per_criterion(history):
    rows = (
        CriterionRollup.objects.filter(team=history.team, span="month")
        .values("start")
        .annotate(n=Count("criterion_id"), sessions=Sum("n_sessions"))
        .order_by("start")
    )

    assert [(r["start"], r["sessions"] // r["n"]) for r in rows] == [
        (D(2026, 1, 1), 2),
        (D(2026, 2, 1), 2),
        (D(2026, 3, 1), 1),
    ]


# --------------------------------------------------------------------------- stored report
def test_a_closed_session_stores_the_figures_its_summary_shows():
    one = SessionWorld(reviewers=3).start()
    for reviewer, codes in zip(one.reviewers, [(1, 4, 2), (1, None, 1), (0, 2, 0)], strict=True):
        for item in one.items:
            one.score_all(reviewer, item, codes)
            one.submit(reviewer, item)
    services.session_reveal(session_id=one.session.pk, actor=one.facilitator)
    services.revision_create(
        session_id=one.session.pk,
        user=one.reviewers[2],
        item_id=one.items[0].pk,
        criterion_id=one.numeric.pk,
        value=3,
    )
    services.consensus_save(
        session_id=one.session.pk,
        actor=one.facilitator,
        item_id=one.items[0].pk,
        criterion_id=one.numeric.pk,
        value=3,
    )
    live = session_report(session=one.session, n_resamples=1000)  # revealed: computed

    services.session_close(session_id=one.session.pk, actor=one.facilitator)
    one.session.refresh_from_db()
    stored = SessionSummary.objects.get(session=one.session).report

    assert live is not None and stored is not None
    # JSON has no NaN: the stored figures say None where the live ones say NaN.
    as_json = json.loads(json.dumps(live).replace("NaN", "null"))
    assert stored == as_json
    assert session_report(session=one.session, n_resamples=None) == stored
    assert stored["session"]["n_resamples"] == 1000


# --------------------------------------------------------------------------- kept trend points
def trends(world, **options):  # noqa: F811
    return agreement_trends(team=world.team, n_resamples=50, **options)


@pytest.mark.parametrize("period", ["week", "month", "quarter"])
def test_kept_trend_points_are_the_figures_computed_afresh(history, period):
    first = trends(history, group="criterion", period=period)
    kept = TrendPoint.objects.filter(team=history.team, period=period).count()
    again = trends(history, group="criterion", period=period)
    TrendPoint.objects.all().delete()
    fresh = trends(history, group="criterion", period=period)

    assert first == again == fresh
    assert kept >= len(first) and kept > 0


def test_a_session_closed_into_a_kept_period_replaces_its_point(history):
    before = {p["start"]: p for p in trends(history, group="team", period="month")[0]["points"]}

    add_closed_session(history, held=D(2026, 2, 10))
    after = {p["start"]: p for p in trends(history, group="team", period="month")[0]["points"]}

    assert after[D(2026, 2, 1)]["n_sessions"] == before[D(2026, 2, 1)]["n_sessions"] + 1
    assert after[D(2026, 1, 1)] == before[D(2026, 1, 1)]
    kept = TrendPoint.objects.get(
        team=history.team, series_group="team", period="month", start=D(2026, 2, 1)
    )
    assert kept.n_sessions == 3


def test_a_stale_kept_point_is_found_by_its_counts_and_recomputed(history):
    trends(history, group="team", period="month")
    TrendPoint.objects.filter(team=history.team, start=D(2026, 1, 1)).update(
        n_ratings=1, figures={"alpha": {"alpha": 0.123}}
    )

    points = trends(history, group="team", period="month")[0]["points"]

    january = next(p for p in points if p["start"] == D(2026, 1, 1))
    assert january["alpha"]["alpha"] != 0.123
    assert (
        TrendPoint.objects.get(
            team=history.team, series_group="team", period="month", start=D(2026, 1, 1)
        ).n_ratings
        == january["n_ratings"]
    )


def test_a_range_cutting_periods_gives_their_own_figures(history):
    cut = trends(history, group="team", period="month", date_from=D(2026, 1, 20))
    points = {p["start"]: p for p in cut[0]["points"]}

    assert points[D(2026, 1, 1)]["n_sessions"] == 1  # only 28 January's
    assert points[D(2026, 2, 1)]["n_sessions"] == 2
    assert not TrendPoint.objects.filter(n_sessions=1, start=D(2026, 1, 1)).exists()


def test_trends_by_criterion_never_pool_a_criterion_across_a_change_of_scale(world):  # noqa: F811
    from .factories import CriterionFactory, ScorecardVersionFactory

    add_closed_session(world, held=D(2026, 1, 5))
    second = ScorecardVersionFactory(scorecard=world.version.scorecard, number=2)
    world.criteria = [
        CriterionFactory(
            version=second,
            key=old.key,
            name=old.name,
            position=old.position,
            scale_kind=old.scale_kind,
            scale_points=4 if old.pk == world.numeric.pk else old.scale_points,
            scale_labels=old.scale_labels,
            fail_values=old.fail_values,
            na_allowed=old.na_allowed,
        )
        for old in world.criteria
    ]
    world.version = second
    add_closed_session(world, held=D(2026, 2, 2), ratings=[(1, 3, 2), (1, 3, 1), (1, 4, 2)])

    series = {s["name"]: s for s in trends(world, group="criterion", period="month")}

    empathy = [name for name in series if name.startswith("Empathy")]
    assert len(empathy) == 2  # 1–5 in version 1, 1–4 in version 2
    assert all("version" in name for name in empathy)
    assert [len(series[name]["points"]) for name in sorted(empathy)] == [1, 1]
    assert len(series["Resolution"]["points"]) == 2  # same scale: one series


def test_the_upgrade_migration_writes_the_rollups_the_summary_rows_imply(history):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("sessions.migrations.0012_report_rollups_backfill")
    tables = (PatternRollup, CriterionRollup, ReviewerRollup)

    def snapshot():
        return [
            sorted(tuple(v for k, v in row.items() if k != "id") for row in table.objects.values())
            for table in tables
        ]

    written = snapshot()
    for table in tables:
        table.objects.all().delete()  # a database upgraded with summaries, before its rollups

    migration.backfill(apps, None)

    assert snapshot() == written
    assert all(written)
