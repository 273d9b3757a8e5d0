"""Criterion health (reports.selectors.criteria and its page): built on the shared evidence, each
flagged criterion with its trend and a link to start a criterion review, series split at a
scale change, downloads, access and a query count that does not grow with the sessions."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from reports.selectors.criteria import HEALTH_COLUMNS, criterion_health
from teams.models import Role

from .factories import MembershipFactory, SessionWorld, UserFactory
from .history_builders import BINARY, closed_sessions, next_version

pytestmark = pytest.mark.django_db


def ratings(session, interaction, reviewer, criterion):
    """Resolution disputed everywhere; Verified identity and Empathy close."""
    if criterion.name == "Verified identity":
        return 1 if interaction % 2 == 0 else (0 if reviewer < 2 else 1)
    if criterion.name == "Empathy":
        return interaction + 3  # 3 to 5: never a fail value (1 or 2)
    return (interaction + reviewer) % 3


@pytest.fixture
def world():
    world = SessionWorld(reviewers=3)
    world.manager = UserFactory(username=f"manager{world.team.pk}")
    MembershipFactory(team=world.team, user=world.manager, role=Role.MANAGER)
    return world


def history(world, count, **options):
    options.setdefault("ratings", ratings)
    options.setdefault("version", world.version)
    options.setdefault("criteria", world.criteria)
    return closed_sessions(
        team=world.team, reviewers=world.reviewers, count=count, interactions=3, **options
    )


def test_health_flags_the_disputed_criterion_first_with_counts(world):
    history(world, 8)

    health = criterion_health(team=world.team)

    names = [row["name"] for row in health["criteria"]]
    assert names[0] == "Resolution" and set(names) == {c.name for c in world.criteria}
    assert [row["name"] for row in health["flagged"]] == ["Resolution"]
    resolution = health["flagged"][0]["evidence"]
    assert resolution.disputed_text == "100% (8 of 8 sessions)"
    assert resolution.points and resolution.points[0]["label"] == "Q1 2026"


def test_health_needs_enough_history_before_it_flags(world):
    history(world, 3)

    health = criterion_health(team=world.team)

    assert health["flagged"] == []
    assert all(
        row["evidence"].shortfall.startswith("Too little history") for row in health["criteria"]
    )


def test_health_follows_the_current_scale_and_leaves_the_old_series_out(world):
    history(world, 5)
    v2 = next_version(world.version, rescale={world.numeric.key: BINARY})
    history(
        world,
        4,
        version=v2,
        criteria=list(v2.criteria.all()),
        start=dt.date(2026, 3, 2),
        ratings=lambda s, i, r, c: 1 if c.key == world.numeric.key else ratings(s, i, r, c),
    )

    health = criterion_health(team=world.team)

    empathy = next(r["evidence"] for r in health["criteria"] if r["key"] == str(world.numeric.key))
    assert empathy.scale == "Pass / fail" and empathy.n_sessions == 4
    assert empathy.earlier_sessions == 5
    assert health["left_out"] == 1


def client_for(client, user):
    client.force_login(user)
    return client


def test_page_shows_flagged_criteria_with_trend_and_review_link(client, world):
    history(world, 8)
    admin = UserFactory(username=f"admin{world.team.pk}")
    MembershipFactory(team=world.team, user=admin, role=Role.ADMIN)

    response = client_for(client, admin).get(reverse("reports:criteria"))

    assert response.status_code == 200
    text = response.content.decode()
    review = f"{reverse('sessions:review_create')}?scorecard={world.version.scorecard_id}"
    assert f'href="{review}"' in text and "Start a criterion review" in text
    assert reverse("reports:versions", args=[world.version.scorecard_id]) in text
    assert text.count('data-testid="flagged-criterion"') == 1
    assert "<svg" in text  # the trend chart beside its table
    assert "Q1 2026" in text


def test_a_manager_gets_the_review_link_to_pass_on_to_a_facilitator(client, world):
    history(world, 8)

    text = client_for(client, world.manager).get(reverse("reports:criteria")).content.decode()

    review = f"{reverse('sessions:review_create')}?scorecard={world.version.scorecard_id}"
    assert 'data-testid="start-review"' not in text  # managers do not create sessions
    assert f'value="http://testserver{review}"' in text


def test_downloads_carry_the_counts_behind_each_rate(client, world):
    history(world, 5)
    client_for(client, world.manager)

    response = client.get(reverse("reports:criteria"), {"format": "csv"})
    xlsx = client.get(reverse("reports:criteria"), {"format": "xlsx"})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEALTH_COLUMNS
    by_name = {row[0]: dict(zip(HEALTH_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert by_name["Resolution"]["sessions most disputed"] == "5"
    assert by_name["Empathy"]["answers"] == str(5 * 3 * 3)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_reviewers_and_facilitators_cannot_see_criterion_health(client, world):
    assert (
        client_for(client, world.reviewers[0]).get(reverse("reports:criteria")).status_code == 403
    )
    assert client_for(client, world.facilitator).get(reverse("reports:criteria")).status_code == 403


@pytest.mark.parametrize("count", [2, 30])
def test_page_queries_do_not_grow_with_the_sessions(
    client, world, count, django_assert_max_num_queries
):
    history(world, count)
    client_for(client, world.manager)
    client.get(reverse("reports:criteria"))  # warm the session and membership lookups

    with django_assert_max_num_queries(12):
        response = client.get(reverse("reports:criteria"))

    assert response.status_code == 200
