"""A scorecard's version history in the reports: changelog entries (the editor's words and a
criterion review's, with its session and rationale), agreement before and after each changed
criterion, "too early to tell", who may see it, and queries that do not grow."""

import csv
import datetime as dt
import io
from dataclasses import replace

import pytest
from django.urls import reverse

from reports.selectors.versions import VERSION_COLUMNS, version_history
from scorecards.models import ScorecardVersion
from scorecards.scales import Scale
from scorecards.services import ReviewChange, scorecard_apply_review
from scorecards.specs import CriterionData
from sessions.models import CalibrationSession, SessionKind, SessionStatus
from teams.models import Role

from .factories import MembershipFactory, ScorecardFactory, SessionWorld, UserFactory
from .history_builders import BINARY, closed_sessions, next_version

pytestmark = pytest.mark.django_db


def ratings(session, interaction, reviewer, criterion):
    if criterion.scale_kind == "binary":
        return 1 if interaction % 2 == 0 else (0 if reviewer < 2 else 1)
    if criterion.name.startswith("Empathy"):
        return interaction % 5 + 1
    return (interaction + reviewer) % 3


@pytest.fixture
def world():
    world = SessionWorld(reviewers=3)
    world.manager = UserFactory(username=f"manager{world.team.pk}")
    MembershipFactory(team=world.team, user=world.manager, role=Role.MANAGER)
    return world


def history(world, count, version, **options):
    return closed_sessions(
        team=world.team,
        version=version,
        criteria=list(version.criteria.order_by("position")),
        reviewers=world.reviewers,
        ratings=ratings,
        count=count,
        interactions=3,
        **options,
    )


def review_session(world):
    return CalibrationSession.objects.create(
        team=world.team,
        title="Q1 criterion review",
        scorecard_version=world.version,
        kind=SessionKind.CRITERION_REVIEW,
        status=SessionStatus.CLOSED,
    )


def reviewed_version(world, review, rescale):
    entry = {
        "text": "“Empathy”: scale 1–5 → Pass / fail",
        "criterion_key": str(world.numeric.key),
        "action": "change",
        "session_id": review.pk,
        "session_title": review.title,
        "rationale": "Nobody could tell a 3 from a 4.",
    }
    return next_version(world.version, changes=[entry], rescale=rescale)


def test_changelog_links_a_review_change_to_its_session_and_rationale(world):
    review = review_session(world)
    v2 = reviewed_version(world, review, {world.numeric.key: BINARY})

    entries = version_history(scorecard=world.version.scorecard)

    assert [e.version.number for e in entries] == [2, 1]
    change = entries[0].changelog[0]
    assert change.session_id == review.pk and change.session_exists
    assert change.rationale == "Nobody could tell a 3 from a 4." and change.action == "change"
    assert entries[0].version == v2
    assert [c.name for c in entries[0].criteria] == ["Empathy"]
    assert entries[0].criteria[0].words == ["“Empathy”: scale 1–5 → Pass / fail"]


def test_before_and_after_with_intervals_and_too_early_to_tell(world):
    history(world, 6, world.version)
    v2 = next_version(world.version, rescale={world.numeric.key: {"guidance_right": "Names it"}})
    history(world, 2, v2, start=dt.date(2026, 3, 2))

    entry = version_history(scorecard=world.version.scorecard)[0]

    change = entry.criteria[0].evidence
    assert entry.n_sessions == 2
    assert change.before.n_sessions == 6 and change.before.alpha["ci_text"]
    assert change.before.enough_history
    assert change.too_early and change.after.shortfall.startswith("Too early to tell:")
    assert not change.new_series


def test_a_scale_change_is_shown_as_a_new_series(world):
    history(world, 4, world.version)
    v2 = next_version(world.version, rescale={world.numeric.key: BINARY})
    history(world, 5, v2, start=dt.date(2026, 3, 2))

    change = version_history(scorecard=world.version.scorecard)[0].criteria[0].evidence

    assert (
        change.new_series and change.before.scale == "1–5" and change.after.scale == "Pass / fail"
    )
    assert change.after.n_sessions == 5 and change.after.enough_history


def test_a_real_review_close_is_read_back_with_its_session_rationale_and_sides(world):
    history(world, 5, world.version)
    review = review_session(world)
    empathy = CriterionData.from_criterion(world.numeric)
    scorecard_apply_review(
        scorecard=world.version.scorecard,
        changes=[
            ReviewChange(
                action="change",
                rationale="Two points were enough.",
                key=world.numeric.key,
                data=replace(empathy, scale=Scale(kind="binary")),
            ),
            ReviewChange(action="delete", rationale="Nobody uses it.", key=world.labels.key),
        ],
        session_id=review.pk,
        session_title=review.title,
    )

    entry = version_history(scorecard=world.version.scorecard)[0]

    assert {c.rationale for c in entry.changelog} == {"Two points were enough.", "Nobody uses it."}
    assert all(c.session_id == review.pk and c.session_exists for c in entry.changelog)
    by_name = {c.name: c.evidence for c in entry.criteria}
    assert by_name["Empathy"].new_series and by_name["Empathy"].too_early
    assert by_name["Resolution"].after is None and by_name["Resolution"].before.n_sessions == 5


def test_added_and_deleted_criteria_have_one_side(world):
    v2 = next_version(world.version)
    v2.criteria.filter(key=world.labels.key).delete()
    entries = version_history(scorecard=world.version.scorecard)

    deleted = entries[0].criteria[0]
    assert deleted.words == ["Deleted “Resolution”"]
    assert deleted.evidence.after is None and deleted.evidence.before is not None


def test_page_shows_changelog_and_figures(client, world):
    history(world, 5, world.version)
    review = review_session(world)
    v2 = reviewed_version(world, review, {world.numeric.key: BINARY})
    history(world, 1, v2, start=dt.date(2026, 3, 2))
    client.force_login(world.manager)

    response = client.get(reverse("reports:versions", args=[world.version.scorecard_id]))

    text = response.content.decode()
    assert response.status_code == 200
    assert "Nobody could tell a 3 from a 4." in text
    assert reverse("sessions:summary", args=[review.pk]) in text
    assert "Too early to tell" in text and "new scale: a new series" in text


def test_the_version_history_downloads_with_both_sides_counts(client, world):
    history(world, 5, world.version)
    v2 = next_version(world.version, rescale={world.numeric.key: BINARY})
    history(world, 2, v2, start=dt.date(2026, 3, 2))
    client.force_login(world.manager)
    url = reverse("reports:versions", args=[world.version.scorecard_id])

    response = client.get(url, {"format": "csv"})
    xlsx = client.get(url, {"format": "xlsx"})

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == VERSION_COLUMNS
    empathy = next(r for r in rows if r["criterion"] == "Empathy")
    assert empathy["version"] == "2" and empathy["new series (scale changed)"] == "yes"
    assert (empathy["before sessions"], empathy["after sessions"]) == ("5", "2")
    assert empathy["after enough history"] == "no"
    assert empathy["after why not"].startswith("Too early to tell")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_facilitators_see_it_reviewers_do_not_and_other_teams_404(client, world):
    url = reverse("reports:versions", args=[world.version.scorecard_id])
    other = ScorecardFactory()
    ScorecardVersion.objects.create(scorecard=other, number=1)

    client.force_login(world.facilitator)
    assert client.get(url).status_code == 200
    assert (
        client.get(reverse("reports:versions", args=[other.pk])).status_code == 404
    )  # another team's scorecard
    client.force_login(world.reviewers[0])
    assert client.get(url).status_code == 403


def test_scorecard_page_links_to_the_version_report_for_managers_only(client, world):
    url = reverse("scorecards:detail", args=[world.version.scorecard_id])
    link = reverse("reports:versions", args=[world.version.scorecard_id])

    client.force_login(world.manager)
    assert link in client.get(url).content.decode()
    client.force_login(world.reviewers[0])
    assert link not in client.get(url).content.decode()


@pytest.mark.parametrize("count", [2, 25])
def test_queries_do_not_grow_with_the_sessions(client, world, count, django_assert_max_num_queries):
    history(world, count, world.version)
    v2 = next_version(world.version, rescale={world.numeric.key: BINARY})
    history(world, count, v2, start=dt.date(2027, 1, 4))
    client.force_login(world.manager)
    url = reverse("reports:versions", args=[world.version.scorecard_id])
    client.get(url)

    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
