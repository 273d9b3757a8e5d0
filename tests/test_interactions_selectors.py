from datetime import UTC, date, datetime

import pytest

from interactions import selectors
from interactions.models import Channel
from sessions.models import CalibrationSession, SessionInteraction

from .factories import InteractionFactory, MessageFactory, ScorecardVersionFactory, TeamFactory

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=UTC)


def ids(queryset) -> set[str]:
    return {interaction.external_id for interaction in queryset}


@pytest.fixture
def team():
    return TeamFactory()


def test_list_is_scoped_to_the_team_and_counts_messages(team):
    mine = InteractionFactory(team=team, external_id="MINE")
    MessageFactory(interaction=mine, position=1)
    MessageFactory(interaction=mine, position=2)
    InteractionFactory(external_id="THEIRS")

    result = list(selectors.interaction_list(team=team))

    assert [i.external_id for i in result] == ["MINE"]
    assert result[0].message_count == 2


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("refund", {"SUBJ"}),
        ("zd-77", {"ZD-77"}),
        ("priya", {"AGENT"}),
        ("charged twice", {"BODY"}),
        ("transcript word", {"NOTES"}),
    ],
)
def test_search_matches_subject_external_id_agent_message_text_and_notes(team, search, expected):
    InteractionFactory(team=team, external_id="SUBJ", subject="Refund please", agent_name="")
    InteractionFactory(team=team, external_id="ZD-77", subject="x", agent_name="")
    InteractionFactory(team=team, external_id="AGENT", subject="y", agent_name="Priya N")
    body = InteractionFactory(team=team, external_id="BODY", subject="z", agent_name="")
    MessageFactory(interaction=body, position=1, body="I was Charged Twice")
    InteractionFactory(
        team=team, external_id="NOTES", subject="w", agent_name="", notes="a transcript word"
    )

    assert ids(selectors.interaction_list(team=team, search=search)) == expected


def test_search_in_many_messages_lists_the_interaction_once_with_its_full_count(team):
    interaction = InteractionFactory(team=team)
    for position in range(3):
        MessageFactory(interaction=interaction, position=position, body="outage again")

    result = list(selectors.interaction_list(team=team, search="outage"))

    assert len(result) == 1
    assert result[0].message_count == 3


def test_filters_by_channel_agent_and_inclusive_date_range(team):
    InteractionFactory(team=team, external_id="E1", channel=Channel.EMAIL, occurred_at=at(1))
    InteractionFactory(team=team, external_id="E5", channel=Channel.EMAIL, occurred_at=at(5, 23))
    InteractionFactory(team=team, external_id="C3", channel=Channel.CHAT, occurred_at=at(3))
    InteractionFactory(
        team=team, external_id="P9", channel=Channel.PHONE, occurred_at=at(9), agent_name="Tom"
    )

    assert ids(selectors.interaction_list(team=team, channel="email")) == {"E1", "E5"}
    assert ids(selectors.interaction_list(team=team, agent="Tom")) == {"P9"}
    assert ids(
        selectors.interaction_list(
            team=team, occurred_from=date(2026, 10, 3), occurred_to=date(2026, 10, 5)
        )
    ) == {"C3", "E5"}


def test_agents_are_distinct_sorted_and_of_the_team_only(team):
    InteractionFactory(team=team, agent_name="Sam")
    InteractionFactory(team=team, agent_name="Ana")
    InteractionFactory(team=team, agent_name="Sam")
    InteractionFactory(team=team, agent_name="")
    InteractionFactory(agent_name="Other team")

    assert selectors.interaction_agents(team=team) == ["Ana", "Sam"]


def test_get_of_another_teams_interaction_is_not_found(team):
    other = InteractionFactory()

    with pytest.raises(other.DoesNotExist):
        selectors.interaction_get(team=team, pk=other.pk)


def _use_in_session(interaction):
    version = ScorecardVersionFactory(scorecard__team=interaction.team)
    session = CalibrationSession.objects.create(
        team=interaction.team, title="Weekly", scorecard_version=version
    )
    SessionInteraction.objects.create(session=session, interaction=interaction)


def test_sampling_filters_channel_and_dates_and_can_skip_calibrated_ones(team):
    used = InteractionFactory(team=team, external_id="USED", channel="chat", occurred_at=at(2))
    InteractionFactory(team=team, external_id="FRESH", channel="chat", occurred_at=at(4))
    InteractionFactory(team=team, external_id="MAIL", channel="email", occurred_at=at(4))
    InteractionFactory(external_id="FOREIGN", channel="chat", occurred_at=at(4))
    _use_in_session(used)

    assert ids(selectors.interactions_for_sampling(team=team, channel="chat")) == {
        "USED",
        "FRESH",
    }
    assert ids(
        selectors.interactions_for_sampling(team=team, channel="chat", not_calibrated=True)
    ) == {"FRESH"}
    assert ids(
        selectors.interactions_for_sampling(
            team=team, occurred_from=at(3), occurred_to=date(2026, 10, 4)
        )
    ) == {"FRESH", "MAIL"}


def test_sampling_without_filters_returns_the_whole_team(team):
    InteractionFactory.create_batch(3, team=team)
    InteractionFactory()

    assert selectors.interactions_for_sampling(team=team).count() == 3


def test_a_hidden_agent_name_is_neither_offered_nor_found():
    team = TeamFactory()
    InteractionFactory(team=team, agent_name="Ana Visible")
    InteractionFactory(team=team, agent_name="Hugo Hidden", hide_agent_name=True)

    assert selectors.interaction_agents(team=team) == ["Ana Visible"]
    assert not selectors.interaction_list(team=team, search="Hugo").exists()
