from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions import services
from sessions.models import (
    CONNECTION_EXPIRY,
    CalibrationSession,
    Connection,
    Consensus,
    Participant,
    ParticipantRole,
    Revision,
    Score,
    SessionStatus,
    Submission,
    Transition,
    UnsubmittedPolicy,
)
from sessions.services import common
from sessions.services.common import locked_session
from teams.models import Role

from .factories import InteractionFactory, MembershipFactory, SessionWorld, UserFactory

pytestmark = pytest.mark.django_db


def test_session_create_makes_participants_with_aliases_and_locks_the_version():
    world = SessionWorld(reviewers=2)

    participants = {p.user_id: p for p in world.session.participants.all()}

    assert participants[world.facilitator.pk].role == ParticipantRole.FACILITATOR
    assert [participants[u.pk].alias for u in world.reviewers] == ["Reviewer A", "Reviewer B"]
    world.version.refresh_from_db()
    assert world.version.is_locked
    assert world.session.status == SessionStatus.DRAFT
    assert set(world.session.criteria.all()) == set(world.criteria)


def test_session_create_refuses_foreign_interactions_and_changes_nothing():
    world = SessionWorld()
    foreign = InteractionFactory()
    before = CalibrationSession.objects.count()

    with pytest.raises(services.SessionError, match="belong to this team"):
        services.session_create(
            team=world.team,
            facilitator=world.facilitator,
            title="Sneaky",
            scorecard_version=world.version,
            interactions=[foreign],
            reviewers=world.reviewers,
        )

    assert CalibrationSession.objects.count() == before


def test_session_create_refuses_reviewers_outside_the_team():
    world = SessionWorld()
    outsider = UserFactory()

    with pytest.raises(services.SessionError, match="member of this team"):
        services.session_create(
            team=world.team,
            facilitator=world.facilitator,
            title="x",
            scorecard_version=world.version,
            interactions=world.interactions,
            reviewers=[outsider],
        )


def test_session_create_refuses_more_than_twenty_interactions():
    world = SessionWorld()
    many = [InteractionFactory(team=world.team) for _ in range(21)]

    with pytest.raises(services.SessionError, match="between 1 and 20"):
        services.session_create(
            team=world.team,
            facilitator=world.facilitator,
            title="Too many",
            scorecard_version=world.version,
            interactions=many,
            reviewers=world.reviewers,
        )


def test_score_save_before_start_is_refused():
    world = SessionWorld()

    with pytest.raises(services.SessionError, match="not started"):
        world.score_all(world.reviewers[0], world.items[0], (1, 3, 2))

    assert not Score.objects.exists()


def test_score_save_stores_and_updates_own_rating():
    world = SessionWorld().start()
    reviewer = world.reviewers[0]

    services.score_save(
        session_id=world.session.pk,
        user=reviewer,
        item_id=world.items[0].pk,
        criterion_id=world.numeric.pk,
        value=2,
        comment="Cold",
        client_ts=10,
    )
    services.score_save(
        session_id=world.session.pk,
        user=reviewer,
        item_id=world.items[0].pk,
        criterion_id=world.numeric.pk,
        value=4,
        comment="Warm after all",
        client_ts=20,
    )

    score = Score.objects.get()
    assert (score.value, score.comment, score.client_ts) == (4, "Warm after all", 20)


def test_a_stale_resend_never_overwrites_a_newer_rating():
    world = SessionWorld().start()
    common = {
        "session_id": world.session.pk,
        "user": world.reviewers[0],
        "item_id": world.items[0].pk,
        "criterion_id": world.numeric.pk,
    }
    services.score_save(**common, value=5, client_ts=200)

    result = services.score_save(**common, value=1, client_ts=100)

    assert result.applied is False
    assert Score.objects.get().value == 5


def test_repeating_the_same_change_is_one_change():
    world = SessionWorld().start()
    common = {
        "session_id": world.session.pk,
        "user": world.reviewers[0],
        "item_id": world.items[0].pk,
        "criterion_id": world.numeric.pk,
        "value": 3,
        "client_ts": 50,
    }

    services.score_save(**common)
    services.score_save(**common)

    assert Score.objects.count() == 1


@pytest.mark.parametrize(
    ("criterion_name", "value", "is_na", "message"),
    [
        ("numeric", 6, False, "not on the scale"),
        ("numeric", 0, False, "not on the scale"),
        ("binary", 2, False, "not on the scale"),
        ("labels", 3, False, "not on the scale"),
        ("binary", None, True, "N/A is not allowed"),
        ("numeric", None, False, "Choose a rating"),
        ("numeric", "abc", False, "Invalid rating"),
        ("numeric", True, False, "Invalid rating"),
    ],
)
def test_score_save_rejects_values_outside_the_scale(criterion_name, value, is_na, message):
    world = SessionWorld().start()
    criterion = getattr(world, criterion_name)

    with pytest.raises(services.SessionError, match=message):
        services.score_save(
            session_id=world.session.pk,
            user=world.reviewers[0],
            item_id=world.items[0].pk,
            criterion_id=criterion.pk,
            value=value,
            is_na=is_na,
        )

    assert not Score.objects.exists()


def test_score_save_rejects_criteria_and_items_outside_the_session():
    world = SessionWorld().start()
    other = SessionWorld().start()

    with pytest.raises(services.SessionError, match="criterion is not part"):
        services.score_save(
            session_id=world.session.pk,
            user=world.reviewers[0],
            item_id=world.items[0].pk,
            criterion_id=other.numeric.pk,
            value=3,
        )
    with pytest.raises(services.SessionError, match="interaction is not part"):
        services.score_save(
            session_id=world.session.pk,
            user=world.reviewers[0],
            item_id=other.items[0].pk,
            criterion_id=world.numeric.pk,
            value=3,
        )
    assert not Score.objects.exists()


def test_non_participant_cannot_score():
    world = SessionWorld().start()
    stranger = UserFactory()
    MembershipFactory(team=world.team, user=stranger, role=Role.REVIEWER)

    with pytest.raises(services.SessionPermissionError, match="not a participant"):
        world.score_all(stranger, world.items[0], (1, 3, 2))


def test_facilitator_who_does_not_score_cannot_score():
    world = SessionWorld().start()

    with pytest.raises(services.SessionPermissionError, match="facilitating"):
        world.score_all(world.facilitator, world.items[0], (1, 3, 2))


def test_submission_requires_every_criterion():
    world = SessionWorld().start()
    reviewer = world.reviewers[0]
    services.score_save(
        session_id=world.session.pk,
        user=reviewer,
        item_id=world.items[0].pk,
        criterion_id=world.binary.pk,
        value=1,
    )

    with pytest.raises(services.SessionError, match="Missing: Empathy, Resolution"):
        world.submit(reviewer, world.items[0])

    assert not Submission.objects.exists()


def test_submission_accepts_na_where_allowed():
    world = SessionWorld().start()
    reviewer = world.reviewers[0]
    world.score_all(reviewer, world.items[0], (1, None, 2))

    world.submit(reviewer, world.items[0])

    assert Submission.objects.filter(participant__user=reviewer).count() == 1


def test_only_the_facilitator_moves_the_session_on():
    world = SessionWorld()
    reviewer = world.reviewers[0]

    with pytest.raises(services.SessionPermissionError, match="Only the facilitator"):
        services.session_start(session_id=world.session.pk, actor=reviewer)
    world.start()
    with pytest.raises(services.SessionPermissionError, match="Only the facilitator"):
        services.session_reveal(session_id=world.session.pk, actor=reviewer)
    with pytest.raises(services.SessionPermissionError, match="Only the facilitator"):
        services.session_close(session_id=world.session.pk, actor=reviewer)

    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.SCORING


def test_reveal_excludes_unsubmitted_reviewers_and_records_the_transition():
    world = SessionWorld().start()
    submitted, drafting, _ = world.reviewers
    for user in (submitted, drafting):
        world.score_all(user, world.items[0], (1, 3, 2))
    world.submit(submitted, world.items[0])

    services.session_reveal(
        session_id=world.session.pk,
        actor=world.facilitator,
        unsubmitted_policy=UnsubmittedPolicy.EXCLUDE,
    )

    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.REVEALED
    assert set(Score.objects.filter(included=True).values_list("participant__user", flat=True)) == {
        submitted.pk
    }
    assert Transition.objects.filter(
        session=world.session, to_status=SessionStatus.REVEALED, actor=world.facilitator
    ).exists()


def test_reveal_can_include_drafts():
    world = SessionWorld().start()
    drafting = world.reviewers[0]
    world.score_all(drafting, world.items[0], (1, 3, 2))

    services.session_reveal(
        session_id=world.session.pk,
        actor=world.facilitator,
        unsubmitted_policy=UnsubmittedPolicy.INCLUDE_DRAFTS,
    )

    assert Score.objects.filter(participant__user=drafting, included=True).count() == 3


def test_reveal_one_interaction_keeps_the_session_scoring():
    world = SessionWorld().start()

    services.session_reveal(
        session_id=world.session.pk, actor=world.facilitator, item_id=world.items[0].pk
    )

    world.session.refresh_from_db()
    items = list(world.session.items.order_by("position"))
    assert world.session.status == SessionStatus.SCORING
    assert items[0].is_revealed and not items[1].is_revealed


def test_reveal_twice_reveals_once():
    world = SessionWorld().start()

    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    first = CalibrationSession.objects.get(pk=world.session.pk).revealed_at
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    assert CalibrationSession.objects.get(pk=world.session.pk).revealed_at == first
    assert (
        Transition.objects.filter(session=world.session, to_status=SessionStatus.REVEALED).count()
        == 1
    )


def test_blind_ratings_are_frozen_after_the_reveal():
    world = SessionWorld().start()
    reviewer = world.reviewers[0]
    world.score_all(reviewer, world.items[0], (1, 3, 2))
    world.submit(reviewer, world.items[0])
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    with pytest.raises(services.SessionError, match="as a revision"):
        services.score_save(
            session_id=world.session.pk,
            user=reviewer,
            item_id=world.items[0].pk,
            criterion_id=world.numeric.pk,
            value=5,
        )

    assert Score.objects.get(participant__user=reviewer, criterion=world.numeric).value == 3


def test_revision_is_stored_apart_from_the_blind_rating():
    world = SessionWorld().start()
    reviewer = world.reviewers[0]
    world.score_all(reviewer, world.items[0], (1, 3, 2))
    world.submit(reviewer, world.items[0])
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    services.revision_create(
        session_id=world.session.pk,
        user=reviewer,
        item_id=world.items[0].pk,
        criterion_id=world.numeric.pk,
        value=4,
        comment="Convinced by the group",
    )

    blind = Score.objects.get(participant__user=reviewer, criterion=world.numeric)
    assert blind.value == 3
    revision = Revision.objects.get()
    assert (revision.value, revision.revised_by) == (4, reviewer)


def test_consensus_only_by_the_facilitator_after_the_reveal():
    world = SessionWorld().start()
    common = {
        "session_id": world.session.pk,
        "item_id": world.items[0].pk,
        "criterion_id": world.numeric.pk,
        "value": 4,
        "note": "Acknowledge the feeling first",
    }

    with pytest.raises(services.SessionError, match="after revealing"):
        services.consensus_save(actor=world.facilitator, **common)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    with pytest.raises(services.SessionPermissionError):
        services.consensus_save(actor=world.reviewers[0], **common)
    services.consensus_save(actor=world.facilitator, **common)

    assert Consensus.objects.get().note == "Acknowledge the feeling first"


def test_closed_session_is_read_only():
    world = SessionWorld().start()
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    services.session_close(session_id=world.session.pk, actor=world.facilitator)

    with pytest.raises(services.SessionError, match="closed"):
        services.consensus_save(
            session_id=world.session.pk,
            actor=world.facilitator,
            item_id=world.items[0].pk,
            criterion_id=world.numeric.pk,
            value=3,
        )
    with pytest.raises(services.SessionError, match="closed"):
        services.action_item_add(session_id=world.session.pk, actor=world.facilitator, text="x")
    with pytest.raises(services.SessionError, match="closed"):
        services.revision_create(
            session_id=world.session.pk,
            user=world.reviewers[0],
            item_id=world.items[0].pk,
            criterion_id=world.numeric.pk,
            value=3,
        )


def test_close_requires_the_reveal():
    world = SessionWorld().start()

    with pytest.raises(services.SessionError, match="Reveal every interaction"):
        services.session_close(session_id=world.session.pk, actor=world.facilitator)


def test_join_code_adds_a_team_member_as_reviewer_once():
    world = SessionWorld()
    newcomer = UserFactory()
    MembershipFactory(team=world.team, user=newcomer, role=Role.REVIEWER)

    services.session_join(join_code=world.session.join_code.lower(), user=newcomer)
    services.session_join(join_code=world.session.join_code, user=newcomer)

    participant = Participant.objects.get(session=world.session, user=newcomer)
    assert participant.role == ParticipantRole.REVIEWER
    assert participant.alias == "Reviewer D"


def test_join_code_refuses_people_outside_the_team():
    world = SessionWorld()
    outsider = UserFactory()

    with pytest.raises(services.SessionNotFound, match="not valid for your teams"):
        services.session_join(join_code=world.session.join_code, user=outsider)

    assert not Participant.objects.filter(user=outsider).exists()


class _RecordingLayer:
    def __init__(self):
        self.sent = []

    async def group_send(self, group, message):
        self.sent.append(message)


def test_broadcasts_wait_for_the_commit_and_carry_no_values(
    monkeypatch, django_capture_on_commit_callbacks
):
    world = SessionWorld().start()
    layer = _RecordingLayer()
    monkeypatch.setattr(common, "get_channel_layer", lambda: layer)
    with django_capture_on_commit_callbacks(execute=True):
        world.score_all(world.reviewers[0], world.items[0], (1, 4, 2), comment="secret words")
        world.submit(world.reviewers[0], world.items[0])
        services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    sent = layer.sent

    assert sent, "expected announcements"
    for message in sent:
        assert set(message) <= {"type", "session_id", "version", "reason", "user_id"}
        assert "secret" not in str(message)


def test_announcement_is_sent_only_after_commit(django_capture_on_commit_callbacks):
    world = SessionWorld().start()

    with django_capture_on_commit_callbacks() as callbacks:
        world.score_all(world.reviewers[0], world.items[0], (1, 4, 2))
        world.submit(world.reviewers[0], world.items[0])

    assert len(callbacks) == 1  # the submission; score saves announce nothing


def test_template_rotates_channels_and_samples_fresh_interactions():
    world = SessionWorld()
    for _ in range(3):
        InteractionFactory(team=world.team, channel="phone")
    template = services.session_template_create(
        team=world.team,
        creator=world.facilitator,
        name="Weekly",
        scorecard=world.version.scorecard,
        reviewers=world.reviewers,
        channel_rotation=["phone", "email"],
        sample_size=2,
    )

    first = services.session_create_from_template(
        template_id=template.pk, team=world.team, facilitator=world.facilitator, seed=1
    )

    channels = {item.interaction.channel for item in first.items.select_related("interaction")}
    assert channels == {"phone"}
    assert first.items.count() == 2
    template.refresh_from_db()
    assert template.next_channel == "email"


def test_reveal_query_count_does_not_grow_with_reviewers():
    small = SessionWorld(reviewers=2).start()
    large = SessionWorld(reviewers=8).start()

    counts = []
    for world in (small, large):
        with CaptureQueriesContext(connection) as queries:
            services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_a_comment_written_before_the_rating_is_saved_as_an_unrated_draft():
    world = SessionWorld().start()
    reviewer = world.reviewers[0]

    services.score_save(
        session_id=world.session.pk,
        user=reviewer,
        item_id=world.items[0].pk,
        criterion_id=world.numeric.pk,
        value=None,
        comment="Thinking about it",
    )

    score = Score.objects.get()
    assert (score.value, score.is_na, score.comment) == (None, False, "Thinking about it")
    with pytest.raises(services.SessionError, match=r"Missing: .*Empathy"):
        world.submit(reviewer, world.items[0])


def test_revision_needs_an_included_blind_rating():
    world = SessionWorld().start()
    late = world.reviewers[0]
    world.score_all(late, world.items[0], (1, 3, 2))  # drafted, never submitted
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    with pytest.raises(services.SessionError, match="nothing to revise"):
        services.revision_create(
            session_id=world.session.pk,
            user=late,
            item_id=world.items[0].pk,
            criterion_id=world.numeric.pk,
            value=4,
        )

    assert not Revision.objects.exists()


def test_someone_removed_from_the_team_can_no_longer_score():
    world = SessionWorld().start()
    reviewer = world.reviewers[0]
    world.team.memberships.filter(user=reviewer).delete()

    with pytest.raises(services.SessionPermissionError, match="not a participant"):
        world.score_all(reviewer, world.items[0], (1, 3, 2))


def test_template_skips_a_channel_with_nothing_left_to_calibrate():
    world = SessionWorld()  # its interactions are all email
    for _ in range(2):
        InteractionFactory(team=world.team, channel="chat")
    template = services.session_template_create(
        team=world.team,
        creator=world.facilitator,
        name="Weekly",
        scorecard=world.version.scorecard,
        reviewers=world.reviewers,
        channel_rotation=["phone", "chat", "email"],
        sample_size=2,
    )

    session = services.session_create_from_template(
        template_id=template.pk, team=world.team, facilitator=world.facilitator
    )

    assert {i.interaction.channel for i in session.items.select_related("interaction")} == {"chat"}
    template.refresh_from_db()
    assert template.next_channel == "email"


@pytest.mark.django_db(transaction=True)
def test_a_save_racing_the_reveal_waits_for_it_and_is_refused():
    """Run on PostgreSQL in CI: the save blocks on the session row the reveal holds."""
    import threading

    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises whole transactions")
    world = SessionWorld().start()
    late = world.reviewers[0]
    outcome = {}

    def save_in_flight():
        try:
            services.score_save(
                session_id=world.session.pk,
                user=late,
                item_id=world.items[0].pk,
                criterion_id=world.numeric.pk,
                value=5,
                comment="too late",
            )
            outcome["result"] = "saved"
        except services.SessionError as error:
            outcome["result"] = str(error)
        finally:
            connection.close()

    with transaction.atomic():
        locked_session(world.session.pk)  # the reveal has started
        racer = threading.Thread(target=save_in_flight)
        racer.start()
        racer.join(timeout=1)
        assert racer.is_alive(), "the save should wait for the reveal's lock"
        services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    racer.join(timeout=10)

    assert "revealed" in outcome["result"]
    assert not Score.objects.filter(comment="too late").exists()


def test_a_heartbeat_sweeps_connections_that_stopped_beating():
    world = SessionWorld().start()
    services.connection_open(
        session_id=world.session.pk, user=world.reviewers[0], channel_name="alive"
    )
    services.connection_open(
        session_id=world.session.pk, user=world.reviewers[1], channel_name="killed"
    )
    stale = timezone.now() - CONNECTION_EXPIRY - timedelta(seconds=1)
    Connection.objects.filter(channel_name="killed").update(last_seen_at=stale)

    services.connection_touch(channel_name="alive", session_id=world.session.pk)

    assert set(Connection.objects.values_list("channel_name", flat=True)) == {"alive"}


@pytest.mark.django_db(transaction=True)
def test_a_broadcast_that_fails_after_the_commit_neither_fails_nor_undoes_the_change(
    monkeypatch, caplog
):
    world = SessionWorld(reviewers=1)

    class DownLayer:
        async def group_send(self, group, message):
            raise ConnectionError("Redis is down")

    monkeypatch.setattr(common, "get_channel_layer", lambda: DownLayer())

    session = services.session_start(session_id=world.session.pk, actor=world.facilitator)

    assert session.status == SessionStatus.SCORING
    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.SCORING
    assert "Redis is down" in caplog.text


# --- closing with criteria still undecided (issue 10) -----------------------------------------


def test_closing_unconfirmed_with_undecided_criteria_refuses_and_names_the_count():
    from sessions.services.lifecycle import UndecidedCriteria

    world = SessionWorld(interactions=2).start()
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    services.consensus_save(
        session_id=world.session.pk,
        actor=world.facilitator,
        item_id=world.items[0].pk,
        criterion_id=world.numeric.pk,
        value=3,
    )
    services.consensus_save(  # a note alone decides nothing
        session_id=world.session.pk,
        actor=world.facilitator,
        item_id=world.items[0].pk,
        criterion_id=world.labels.pk,
        note="talk again",
    )

    with pytest.raises(UndecidedCriteria, match="5 criteria are still undecided") as refused:
        services.session_close(
            session_id=world.session.pk, actor=world.facilitator, confirm_undecided=False
        )

    assert refused.value.count == 5
    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.REVEALED


def test_closing_confirmed_with_undecided_criteria_closes():
    world = SessionWorld().start()
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    services.session_close(
        session_id=world.session.pk, actor=world.facilitator, confirm_undecided=True
    )

    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.CLOSED


def test_closing_unconfirmed_when_everything_is_decided_needs_no_confirmation():
    world = SessionWorld(interactions=1).start()
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    for criterion in world.criteria:
        services.consensus_save(
            session_id=world.session.pk,
            actor=world.facilitator,
            item_id=world.items[0].pk,
            criterion_id=criterion.pk,
            is_na=criterion == world.numeric,
            value=None if criterion == world.numeric else 1,
        )

    services.session_close(
        session_id=world.session.pk, actor=world.facilitator, confirm_undecided=False
    )

    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.CLOSED


def test_a_reviewer_cannot_learn_the_undecided_count_by_closing():
    world = SessionWorld().start()
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    with pytest.raises(services.SessionPermissionError, match="Only the facilitator"):
        services.session_close(
            session_id=world.session.pk, actor=world.reviewers[0], confirm_undecided=False
        )


# --- accepting the unanimous answer as consensus (issue 10) -----------------------------------


def _unanimous_world():
    """Interaction 1: everyone 1 on the binary, N/A on Empathy, split on Resolution."""
    world = SessionWorld(interactions=1).start()
    for user, labels in zip(world.reviewers, (2, 2, 1), strict=True):
        world.score_all(user, world.items[0], (1, None, labels))
        world.submit(user, world.items[0])
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    return world


def test_accepting_all_unanimous_records_each_unanimous_undecided_criterion_only():
    world = _unanimous_world()
    item = world.items[0]
    services.consensus_save(  # a note written earlier stays
        session_id=world.session.pk,
        actor=world.facilitator,
        item_id=item.pk,
        criterion_id=world.binary.pk,
        note="Check the ID question",
    )

    recorded = services.consensus_accept_unanimous(
        session_id=world.session.pk, actor=world.facilitator, item_id=item.pk
    )

    assert recorded == 2
    records = {c.criterion_id: c for c in Consensus.objects.filter(item=item)}
    assert (records[world.binary.pk].value, records[world.binary.pk].note) == (
        1,
        "Check the ID question",
    )
    assert records[world.numeric.pk].is_na is True
    assert world.labels.pk not in records  # split: left for the discussion
    again = services.consensus_accept_unanimous(
        session_id=world.session.pk, actor=world.facilitator, item_id=item.pk
    )
    assert again == 0


def test_accepting_one_split_criterion_as_unanimous_is_refused_and_changes_nothing():
    world = _unanimous_world()

    with pytest.raises(services.SessionError, match="did not all give the same answer"):
        services.consensus_accept_unanimous(
            session_id=world.session.pk,
            actor=world.facilitator,
            item_id=world.items[0].pk,
            criterion_id=world.labels.pk,
        )

    assert not Consensus.objects.exists()


def test_only_the_facilitator_accepts_unanimous_answers_and_only_after_the_reveal():
    world = SessionWorld(interactions=1).start()

    with pytest.raises(services.SessionError, match="after revealing"):
        services.consensus_accept_unanimous(
            session_id=world.session.pk, actor=world.facilitator, item_id=world.items[0].pk
        )
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    with pytest.raises(services.SessionPermissionError):
        services.consensus_accept_unanimous(
            session_id=world.session.pk, actor=world.reviewers[0], item_id=world.items[0].pk
        )
