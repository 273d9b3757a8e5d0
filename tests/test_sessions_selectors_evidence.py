"""Per-criterion evidence from the team's history (sessions.selectors.evidence): pooled from the
summary tables over the recent scoring sessions of each criterion's series, with counts, the
too-little-history rule, scale changes splitting series, and queries that do not grow."""

import datetime as dt

import pytest
from django.utils import timezone

from agreement.history import MIN_SESSIONS_TO_JUDGE, RECENT_SESSIONS
from scorecards.models import CalibrationNote
from sessions.models import SessionKind
from sessions.selectors.evidence import change_evidence, criterion_evidence, team_criterion_evidence

from .factories import SessionWorld
from .history_builders import BINARY, closed_sessions, next_version

pytestmark = pytest.mark.django_db


def ratings(session, interaction, reviewer, criterion):
    """Verified identity: one reviewer fails the second interaction. Empathy: reviewers one
    point apart, N/A from the first reviewer in every first session. Resolution: all over."""
    if criterion.name == "Verified identity":
        return 0 if (reviewer == 2 and interaction == 1) else 1
    if criterion.name.startswith("Empathy"):
        if session == 0 and reviewer == 0:
            return None
        return min(5, interaction * 2 + 1 + (reviewer == 2))
    return (interaction + reviewer) % 3


@pytest.fixture
def world():
    return SessionWorld(reviewers=3)


def history(world, count, version=None, criteria=None, **options):
    options.setdefault("ratings", ratings)
    return closed_sessions(
        team=world.team,
        version=version or world.version,
        criteria=criteria or world.criteria,
        reviewers=world.reviewers,
        count=count,
        **options,
    )


def test_evidence_pools_the_recent_sessions_with_the_counts_behind_each_number(world):
    history(world, 6, interactions=3)

    evidence = criterion_evidence(scorecard=world.version.scorecard)

    assert set(evidence) == {c.key for c in world.criteria}
    empathy = evidence[world.numeric.key]
    assert empathy.n_sessions == 6
    assert empathy.n_units == 18  # 3 interactions in each of 6 sessions, all with 2+ ratings
    assert empathy.n_na == 3 and empathy.n_ratings == 6 * 9 - 3
    assert empathy.na_text == f"6% (3 of {empathy.n_answers} answers)"
    assert empathy.alpha["ci_text"] and empathy.alpha["alpha_text"]
    assert empathy.enough_history and empathy.shortfall is None
    # Fail values 1 and 2: the interaction rated 1 or 2 by everyone (the first) and more.
    assert empathy.n_fail_rated == empathy.n_ratings and empathy.n_fail > 0
    resolution = evidence[world.labels.key]
    assert resolution.n_disputed == 6 and resolution.rates.disputed == 1.0
    assert resolution.disputed_text == "100% (6 of 6 sessions)"
    assert evidence[world.binary.key].rates.fail == pytest.approx(6 / (6 * 9))
    assert empathy.mean_spread is not None and "18 interactions" in empathy.spread_text
    assert empathy.first_held == dt.date(2026, 1, 5)
    assert empathy.last_held == dt.date(2026, 1, 5) + dt.timedelta(weeks=5)


def test_too_little_history_is_said_in_words_with_the_counts(world):
    history(world, MIN_SESSIONS_TO_JUDGE - 1)

    evidence = criterion_evidence(scorecard=world.version.scorecard)[world.numeric.key]

    assert not evidence.enough_history
    assert evidence.shortfall.startswith("Too little history to judge:")
    assert f"{MIN_SESSIONS_TO_JUDGE - 1} sessions" in evidence.shortfall
    assert evidence.flags == ()


def test_a_criterion_with_no_sessions_has_no_figures_and_says_why(world):
    evidence = criterion_evidence(scorecard=world.version.scorecard)[world.numeric.key]

    assert evidence.n_sessions == 0 and evidence.alpha["alpha"] is None
    assert evidence.rates.na is None and evidence.na_text == "— (no answers)"
    assert "0 sessions" in evidence.shortfall and "0 interactions" in evidence.shortfall


def test_only_the_recent_sessions_count_and_the_rest_are_said(world):
    history(world, RECENT_SESSIONS + 3)

    evidence = criterion_evidence(scorecard=world.version.scorecard)[world.numeric.key]

    assert evidence.n_sessions == RECENT_SESSIONS
    assert evidence.n_sessions_in_series == RECENT_SESSIONS + 3
    assert evidence.first_held == dt.date(2026, 1, 5) + dt.timedelta(weeks=3)


def test_criterion_reviews_are_not_scoring_history(world):
    history(world, 2)
    history(world, 3, kind=SessionKind.CRITERION_REVIEW, start=dt.date(2026, 3, 2))

    evidence = criterion_evidence(scorecard=world.version.scorecard)[world.numeric.key]

    assert evidence.n_sessions == 2 and evidence.n_sessions_in_series == 2


def test_a_reworded_criterion_keeps_its_series_across_versions(world):
    history(world, 3)
    v2 = next_version(world.version, rescale={world.numeric.key: {"name": "Empathy and tone"}})
    history(world, 2, version=v2, criteria=list(v2.criteria.all()), start=dt.date(2026, 3, 2))

    evidence = criterion_evidence(scorecard=world.version.scorecard)[world.numeric.key]

    assert evidence.name == "Empathy and tone"
    assert evidence.n_sessions == 5 and evidence.earlier_sessions == 0
    assert evidence.series == f"{world.numeric.key}:v1"


def test_a_scale_change_starts_a_new_series_that_is_never_pooled_with_the_old(world):
    history(world, 5)
    v2 = next_version(world.version, rescale={world.numeric.key: BINARY})
    v2_criteria = list(v2.criteria.all())
    history(
        world,
        2,
        version=v2,
        criteria=v2_criteria,
        start=dt.date(2026, 3, 2),
        # on the new pass / fail scale: everyone passes except one
        ratings=lambda s, i, r, c: (
            (0 if r == 2 and i == 0 else 1) if c.key == world.numeric.key else ratings(s, i, r, c)
        ),
    )

    evidence = criterion_evidence(scorecard=world.version.scorecard)[world.numeric.key]

    assert evidence.series == f"{world.numeric.key}:v2" and evidence.scale == "Pass / fail"
    assert evidence.n_sessions == 2 and evidence.earlier_sessions == 5
    assert evidence.n_ratings == 2 * 2 * 3  # only the new scale's ratings
    assert "Too little history" in evidence.shortfall
    resolution = criterion_evidence(scorecard=world.version.scorecard)[world.labels.key]
    assert resolution.n_sessions == 7  # its scale did not change


def test_calibration_notes_come_with_the_evidence_newest_first(world):
    now = timezone.now()
    for age, text in ((2, "older reading"), (1, "newer reading")):
        CalibrationNote.objects.create(
            scorecard=world.version.scorecard,
            criterion_key=world.numeric.key,
            criterion=world.numeric,
            text=text,
            source_id=age,
            session_id=world.session.pk,
            session_title="Weekly calibration",
            recorded_at=now - dt.timedelta(days=age),
        )

    evidence = criterion_evidence(scorecard=world.version.scorecard, keys=[world.numeric.key])

    assert list(evidence) == [world.numeric.key]
    assert [n.text for n in evidence[world.numeric.key].notes] == [
        "newer reading",
        "older reading",
    ]


@pytest.mark.parametrize("count", [2, 25])
def test_evidence_queries_do_not_grow_with_the_sessions(
    world, count, django_assert_max_num_queries
):
    history(world, count)

    with django_assert_max_num_queries(5):
        evidence = criterion_evidence(scorecard=world.version.scorecard)

    assert evidence[world.numeric.key].n_sessions == min(count, RECENT_SESSIONS)


# --------------------------------------------------------------------------- team-wide
def test_team_evidence_has_a_trend_per_period_and_flags_with_enough_history(world):
    history(world, 8, interactions=3)  # two months of weekly sessions

    rows = {e.name: e for e in team_criterion_evidence(team=world.team, period="month")}

    resolution = rows["Resolution"]
    assert resolution.n_sessions == 8 and [p["n_sessions"] for p in resolution.points] == [4, 4]
    assert any("most disputed" in flag for flag in resolution.flags)
    assert all(p["label"] in {"Jan 2026", "Feb 2026"} for p in resolution.points)


def test_team_evidence_splits_series_at_a_scale_change(world):
    history(world, 4)
    v2 = next_version(world.version, rescale={world.numeric.key: BINARY})
    history(
        world,
        4,
        version=v2,
        criteria=list(v2.criteria.all()),
        start=dt.date(2026, 3, 2),
        ratings=lambda s, i, r, c: 1 if c.key == world.numeric.key else ratings(s, i, r, c),
    )

    empathy = [e for e in team_criterion_evidence(team=world.team) if e.key == world.numeric.key]

    assert sorted((e.series.rsplit(":", 1)[1], e.n_sessions, e.on_scorecard) for e in empathy) == [
        ("v1", 4, False),
        ("v2", 4, True),
    ]
    current = next(e for e in empathy if e.on_scorecard)
    assert current.earlier_sessions == 4


@pytest.mark.parametrize("count", [2, 30])
def test_team_evidence_queries_do_not_grow_with_the_sessions(
    world, count, django_assert_max_num_queries
):
    history(world, count)

    with django_assert_max_num_queries(4):
        team_criterion_evidence(team=world.team)


# --------------------------------------------------------------------------- before / after
def test_change_evidence_compares_the_sessions_before_and_after_a_version(world):
    history(world, 6)
    v2 = next_version(world.version, rescale={world.numeric.key: {"guidance_right": "New"}})
    history(world, 2, version=v2, criteria=list(v2.criteria.all()), start=dt.date(2026, 3, 2))

    found = change_evidence(scorecard=world.version.scorecard, changes=[(world.numeric.key, 2)])

    change = found[(world.numeric.key, 2)]
    assert change.before.n_sessions == 6 and change.before.enough_history
    assert change.after.n_sessions == 2 and change.too_early
    assert change.after.shortfall.startswith("Too early to tell:")
    assert not change.new_series


def test_change_evidence_marks_a_scale_change_as_a_new_series(world):
    history(world, 3)
    v2 = next_version(world.version, rescale={world.numeric.key: BINARY})
    history(
        world,
        5,
        version=v2,
        criteria=list(v2.criteria.all()),
        start=dt.date(2026, 3, 2),
        ratings=lambda s, i, r, c: (r + i) % 2 if c.key == world.numeric.key else 1,
    )

    change = change_evidence(scorecard=world.version.scorecard, changes=[(world.numeric.key, 2)])[
        (world.numeric.key, 2)
    ]

    assert change.new_series
    assert change.before.scale != change.after.scale
    assert change.after.n_sessions == 5


def test_the_monthly_rollups_give_the_same_evidence_as_the_session_rows(world):
    history(world, 9, interactions=3)

    rolled = {e.series: e for e in team_criterion_evidence(team=world.team)}
    # A first day that is not a month's first: read from the session rows instead.
    from_rows = {
        e.series: e for e in team_criterion_evidence(team=world.team, date_from=dt.date(2026, 1, 2))
    }

    assert set(rolled) == set(from_rows)
    for series, evidence in rolled.items():
        other = from_rows[series]
        assert (evidence.n_sessions, evidence.n_ratings, evidence.n_na, evidence.n_fail) == (
            other.n_sessions,
            other.n_ratings,
            other.n_na,
            other.n_fail,
        )
        assert evidence.n_disputed == other.n_disputed
        assert evidence.alpha == other.alpha and evidence.flags == other.flags
        assert [p["n_sessions"] for p in evidence.points] == [p["n_sessions"] for p in other.points]


def test_a_criterion_deleted_from_the_newest_version_is_no_longer_on_the_scorecard(world):
    history(world, 2)
    v2 = next_version(world.version)
    v2.criteria.filter(key=world.labels.key).delete()

    evidence = criterion_evidence(scorecard=world.version.scorecard, keys=[world.labels.key])

    assert not evidence[world.labels.key].on_scorecard
    assert evidence[world.labels.key].n_sessions == 2


def test_a_new_session_is_never_hidden_by_the_figures_memo(world):
    history(world, 4)
    before = criterion_evidence(scorecard=world.version.scorecard)[world.labels.key]
    history(world, 1, start=dt.date(2026, 6, 1), ratings=lambda s, i, r, c: 1)

    after = criterion_evidence(scorecard=world.version.scorecard)[world.labels.key]

    assert after.n_units == before.n_units + 2
    assert after.alpha["n_units"] == after.n_units
    assert after.alpha["alpha"] != before.alpha["alpha"]
