import pytest

from scorecards import selectors, services
from scorecards.scales import Scale, ScaleKind
from scorecards.specs import CriterionData

from .factories import CriterionFactory, ScorecardFactory, ScorecardVersionFactory, TeamFactory

pytestmark = pytest.mark.django_db

SCALE = Scale(kind=ScaleKind.BINARY)


def make_scorecard(team, name, *criteria):
    return services.scorecard_create(
        team=team, name=name, criteria=[CriterionData(name=c, scale=SCALE) for c in criteria]
    )


def test_scorecard_list_counts_active_criteria_of_the_newest_version_only():
    team = TeamFactory()
    scorecard = make_scorecard(team, "Support QA", "A", "B", "C")
    services.scorecard_version_lock(version=scorecard.versions.get())
    key_c = scorecard.versions.get().criteria.get(name="C").key
    services.criterion_retire(scorecard=scorecard, key=key_c)  # starts v2

    row = selectors.scorecard_list(team=team).get()

    assert (row.current_number, row.active_count) == (2, 2)
    assert row.current_locked_at is None
    assert row.current_updated_at is not None


def test_scorecard_list_shows_only_the_teams_scorecards_by_name():
    team = TeamFactory()
    make_scorecard(team, "Zeta")
    make_scorecard(team, "Alpha")
    make_scorecard(TeamFactory(), "Other team")

    rows = list(selectors.scorecard_list(team=team))

    assert [row.name for row in rows] == ["Alpha", "Zeta"]
    assert rows[0].active_count == 0


def test_scorecard_list_is_one_query_whatever_the_number_of_scorecards(
    django_assert_num_queries,
):
    team = TeamFactory()
    for index in range(5):
        make_scorecard(team, f"Scorecard {index}", "A", "B")

    with django_assert_num_queries(1):
        rows = list(selectors.scorecard_list(team=team))

    assert [row.active_count for row in rows] == [2] * 5


def test_current_versions_with_criteria_pairs_each_scorecard_with_its_newest_criteria():
    team = TeamFactory()
    first = make_scorecard(team, "First", "A", "B")
    make_scorecard(team, "Second", "C")
    services.scorecard_version_lock(version=first.versions.get())
    services.criterion_add(
        scorecard=first, data=CriterionData(name="New", scale=SCALE)
    )  # v2 of First

    pairs = selectors.current_versions_with_criteria(team=team)
    only_second = selectors.current_versions_with_criteria(
        team=team, scorecard_ids=[pairs[1][0].pk]
    )

    assert [(s.name, [c.name for c in cs]) for s, cs in pairs] == [
        ("First", ["A", "B", "New"]),
        ("Second", ["C"]),
    ]
    assert [s.name for s, _ in only_second] == ["Second"]


def test_version_by_number_and_current_version():
    scorecard = ScorecardFactory()
    ScorecardVersionFactory(scorecard=scorecard, number=1)
    v2 = ScorecardVersionFactory(scorecard=scorecard, number=2)

    assert selectors.current_version(scorecard=scorecard) == v2
    assert selectors.version_by_number(scorecard=scorecard, number=1).number == 1
    assert selectors.version_by_number(scorecard=scorecard, number=3) is None
    assert [v.number for v in selectors.scorecard_versions(scorecard=scorecard)] == [2, 1]


def test_active_criteria_leave_out_retired_ones_in_order():
    version = ScorecardVersionFactory()
    CriterionFactory(version=version, name="Second", position=2)
    CriterionFactory(version=version, name="Retired", position=1, is_active=False)
    CriterionFactory(version=version, name="First", position=0)

    active = [c.name for c in selectors.active_criteria(version=version)]
    every = [c.name for c in selectors.version_criteria(version=version)]

    assert active == ["First", "Second"]
    assert every == ["First", "Retired", "Second"]


def test_criteria_groups_keep_the_order_groups_first_appear_in():
    version = ScorecardVersionFactory()
    CriterionFactory(version=version, name="A", group="Opening", position=0)
    CriterionFactory(version=version, name="B", group="", position=1)
    CriterionFactory(version=version, name="C", group="Opening", position=2)

    groups = selectors.criteria_groups(selectors.version_criteria(version=version))

    assert [(g.label, [c.name for c in g.criteria]) for g in groups] == [
        ("Opening", ["A", "C"]),
        ("General", ["B"]),
    ]
