"""Flags and the time box over the websocket (issue 10), through the real ASGI application:
`flag.set`, `timebox.start`, `timebox.stop`."""

import pytest
from asgiref.sync import sync_to_async

from sessions import services
from sessions.models import DiscussionFlag, DiscussionTimebox

from .factories import SessionWorld
from .live_socket import connect, drain, has_ref, is_type, make_world, receive_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def ask(communicator, frame):
    await communicator.send_json_to(frame)
    return await receive_until(communicator, has_ref(frame["ref"]))


def flag_frame(world, ref="f1", flagged=True, item=None, criterion=None):
    return {
        "type": "flag.set",
        "ref": ref,
        "item": (item or world.items[0]).pk,
        "criterion": (criterion or world.numeric).pk,
        "flagged": flagged,
    }


async def test_a_reviewers_flag_reaches_the_facilitator_with_their_name_and_never_a_rating():
    world = await make_world()
    rahul = world.reviewers[0]
    # A rating this reviewer gave before the reveal, with a comment nobody else may read.
    await sync_to_async(world.score_all)(rahul, world.items[0], (1, 4, 2), "SECRET-COMMENT")
    facilitator, _, _ = await connect(world.facilitator, world.session)
    reviewer, _, _ = await connect(rahul, world.session)
    other, _, _ = await connect(world.reviewers[1], world.session)
    await drain(facilitator)
    await drain(other)

    ack = await ask(reviewer, flag_frame(world))
    seen = await receive_until(
        facilitator, lambda f: f.get("type") == "snapshot" and f.get("flags")
    )
    peer = await receive_until(other, lambda f: f.get("type") == "snapshot" and f.get("flags"))

    assert ack == {"type": "ack", "ref": "f1", "saved": "flag", "flagged": True}
    entry = seen["flags"][str(world.items[0].pk)][str(world.numeric.pk)]
    assert entry == {"count": 1, "by": [rahul.get_full_name() or rahul.username], "mine": False}
    # Another reviewer learns that someone wants to discuss it, not who.
    assert peer["flags"][str(world.items[0].pk)][str(world.numeric.pk)] == {
        "count": 1,
        "by": [],
        "mine": False,
    }
    for frame in (seen, peer):
        assert "SECRET-COMMENT" not in str(frame)
        assert frame["revealed"] == {}
    for communicator in (facilitator, reviewer, other):
        await communicator.disconnect()


async def test_the_reviewer_sees_their_own_flag_and_can_take_it_back():
    world = await make_world()
    reviewer, _, _ = await connect(world.reviewers[0], world.session)
    await ask(reviewer, flag_frame(world))
    mine = await receive_until(reviewer, lambda f: f.get("type") == "snapshot" and f.get("flags"))

    ack = await ask(reviewer, flag_frame(world, ref="f2", flagged=False))

    assert mine["flags"][str(world.items[0].pk)][str(world.numeric.pk)]["mine"] is True
    assert ack["flagged"] is False
    assert not await sync_to_async(DiscussionFlag.objects.exists)()
    await reviewer.disconnect()


async def test_an_anonymous_session_names_flaggers_by_alias_and_only_after_the_reveal():
    world = await sync_to_async(lambda: SessionWorld(anonymous=True).start())()
    rahul = world.reviewers[0]
    facilitator, _, _ = await connect(world.facilitator, world.session)
    reviewer, _, _ = await connect(rahul, world.session)
    await drain(facilitator)

    await ask(reviewer, flag_frame(world))
    before = await receive_until(
        facilitator, lambda f: f.get("type") == "snapshot" and f.get("flags")
    )
    await sync_to_async(services.session_reveal)(
        session_id=world.session.pk, actor=world.facilitator
    )
    after = await receive_until(
        facilitator,
        lambda f: f.get("type") == "snapshot" and f["session"]["status"] == "revealed",
    )

    key = (str(world.items[0].pk), str(world.numeric.pk))
    # Before the reveal the letters follow the order people were added: no label at all.
    assert before["flags"][key[0]][key[1]] == {"count": 1, "by": [], "mine": False}
    alias = await sync_to_async(lambda: world.session.participants.get(user=rahul).alias)()
    assert after["flags"][key[0]][key[1]]["by"] == [alias]
    assert rahul.first_name not in str(after["flags"])
    await facilitator.disconnect()
    await reviewer.disconnect()


async def test_flags_count_in_the_facilitators_queue():
    world = await make_world(interactions=1)
    item = world.items[0]

    @sync_to_async
    def score_and_reveal():
        for user in world.reviewers:
            world.score_all(user, item, (1, 3, 2))  # everyone agrees on everything
            world.submit(user, item)
        services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    await score_and_reveal()
    reviewer, _, _ = await connect(world.reviewers[0], world.session)
    facilitator, _, _ = await connect(world.facilitator, world.session)
    await drain(facilitator)

    await ask(reviewer, flag_frame(world, criterion=world.labels, item=item))
    seen = await receive_until(
        facilitator, lambda f: f.get("type") == "snapshot" and f.get("flags")
    )

    progress = seen["consensus_progress"]
    assert progress["flagged"] == 1
    assert progress["queue"][0] == {"item": item.pk, "criterion": world.labels.pk, "flags": 1}
    await reviewer.disconnect()
    await facilitator.disconnect()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"item": 999_999}, "not part of this session"),
        ({"criterion": 999_999}, "not part of this session"),
    ],
)
async def test_a_flag_on_an_unknown_interaction_or_criterion_gets_an_error_frame(change, message):
    world = await make_world()
    reviewer, _, _ = await connect(world.reviewers[0], world.session)

    frame = await ask(reviewer, {**flag_frame(world), **change})

    assert frame["type"] == "error" and frame["code"] == "refused"
    assert message in frame["message"]
    assert not await sync_to_async(DiscussionFlag.objects.exists)()
    await reviewer.disconnect()


async def test_a_flag_on_another_sessions_interaction_gets_an_error_frame():
    world = await make_world()
    other = await make_world()
    reviewer, _, _ = await connect(world.reviewers[0], world.session)

    frame = await ask(reviewer, flag_frame(world, item=other.items[0], criterion=other.numeric))

    assert frame["type"] == "error" and frame["code"] == "refused"
    assert not await sync_to_async(DiscussionFlag.objects.exists)()
    await reviewer.disconnect()


@pytest.mark.parametrize(
    "change",
    [{"flagged": "yes"}, {"flagged": None}, {"item": "one"}, {"item": -1}, {"extra": 1}],
)
async def test_a_malformed_flag_gets_a_bad_frame_error(change):
    world = await make_world()
    reviewer, _, _ = await connect(world.reviewers[0], world.session)

    frame = await ask(reviewer, {**flag_frame(world), **change})

    assert frame["type"] == "error" and frame["code"] == "bad_frame"
    assert not await sync_to_async(DiscussionFlag.objects.exists)()
    await reviewer.disconnect()


async def test_the_facilitator_who_does_not_rate_cannot_flag():
    world = await make_world()
    facilitator, _, _ = await connect(world.facilitator, world.session)

    frame = await ask(facilitator, flag_frame(world))

    assert frame["type"] == "error" and frame["code"] == "refused"
    await facilitator.disconnect()


async def revealed_world():
    world = await make_world()
    await sync_to_async(services.session_reveal)(
        session_id=world.session.pk, actor=world.facilitator
    )
    return world


def timebox_frame(world, ref="t1", minutes=3):
    return {
        "type": "timebox.start",
        "ref": ref,
        "item": world.items[0].pk,
        "criterion": world.numeric.pk,
        "minutes": minutes,
    }


async def test_a_time_box_reaches_everyone_and_a_reconnect_shows_the_same_end():
    world = await revealed_world()
    facilitator, _, _ = await connect(world.facilitator, world.session)
    reviewer, _, _ = await connect(world.reviewers[0], world.session)
    await drain(reviewer)

    ack = await ask(facilitator, timebox_frame(world, minutes=4))
    seen = await receive_until(reviewer, lambda f: f.get("type") == "snapshot" and f.get("timebox"))
    await reviewer.disconnect()
    again, _, _ = await connect(world.reviewers[0], world.session)
    first = await receive_until(again, is_type("snapshot"))

    assert ack == {"type": "ack", "ref": "t1", "saved": "timebox"}
    stored = await sync_to_async(DiscussionTimebox.objects.get)()
    expected = {
        "item": world.items[0].pk,
        "criterion": world.numeric.pk,
        "minutes": 4,
        "started_at": stored.started_at.isoformat(),
        "ends_at": stored.ends_at.isoformat(),
    }
    assert seen["timebox"] == expected
    assert first["timebox"] == expected  # from the database, not from the browser
    await facilitator.disconnect()
    await again.disconnect()


async def test_stopping_the_time_box_clears_it_for_everyone():
    world = await revealed_world()
    facilitator, _, _ = await connect(world.facilitator, world.session)
    await ask(facilitator, timebox_frame(world))

    ack = await ask(facilitator, {"type": "timebox.stop", "ref": "t2"})
    cleared = await receive_until(
        facilitator, lambda f: f.get("type") == "snapshot" and f.get("timebox") is None
    )

    assert ack["type"] == "ack"
    assert cleared["timebox"] is None
    await facilitator.disconnect()


async def test_a_reviewer_cannot_start_or_stop_a_time_box():
    world = await revealed_world()
    reviewer, _, _ = await connect(world.reviewers[0], world.session)

    started = await ask(reviewer, timebox_frame(world))
    stopped = await ask(reviewer, {"type": "timebox.stop", "ref": "t2"})

    assert started["type"] == "error" and started["code"] == "refused"
    assert stopped["type"] == "error" and stopped["code"] == "refused"
    assert not await sync_to_async(DiscussionTimebox.objects.exists)()
    await reviewer.disconnect()


@pytest.mark.parametrize(
    ("minutes", "code"), [(0, "bad_frame"), (61, "refused"), ("3", "bad_frame"), (2.5, "bad_frame")]
)
async def test_a_time_box_of_a_wrong_length_gets_an_error_frame(minutes, code):
    world = await revealed_world()
    facilitator, _, _ = await connect(world.facilitator, world.session)

    frame = await ask(facilitator, timebox_frame(world, minutes=minutes))

    assert frame["type"] == "error" and frame["code"] == code
    assert not await sync_to_async(DiscussionTimebox.objects.exists)()
    await facilitator.disconnect()


async def test_a_time_box_on_another_sessions_criterion_gets_an_error_frame():
    world = await revealed_world()
    other = await make_world()
    facilitator, _, _ = await connect(world.facilitator, world.session)

    frame = await ask(facilitator, {**timebox_frame(world), "criterion": other.numeric.pk})

    assert frame["type"] == "error" and frame["code"] == "refused"
    await facilitator.disconnect()


async def test_an_observer_cannot_flag_and_a_non_participant_cannot_even_connect():
    from sessions.models import Participant, ParticipantRole
    from teams.models import Role

    from .factories import MembershipFactory, UserFactory

    world = await make_world()

    @sync_to_async
    def people():
        observer = UserFactory()
        MembershipFactory(team=world.team, user=observer, role=Role.REVIEWER)
        Participant.objects.create(
            session=world.session, user=observer, role=ParticipantRole.OBSERVER, alias=""
        )
        stranger = UserFactory()
        MembershipFactory(team=world.team, user=stranger, role=Role.REVIEWER)
        return observer, stranger

    observer, stranger = await people()
    watching, _, _ = await connect(observer, world.session)

    frame = await ask(watching, flag_frame(world))
    _, connected, code = await connect(stranger, world.session)

    assert frame["type"] == "error" and frame["code"] == "refused"
    assert not connected and code == 4403
    assert not await sync_to_async(DiscussionFlag.objects.exists)()
    await watching.disconnect()
