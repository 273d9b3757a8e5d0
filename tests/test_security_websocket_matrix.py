"""Every websocket message type × every role × every session state (issue 11).

The rows come from the consumer's own table (`SessionConsumer.HANDLERS`): a message type
added there without an expectation here fails `test_every_message_type_has_a_row`, and the
cells look their row up, so they fail too. Each cell sends a well-formed frame and asserts the
outcome: the connection refused, an ack, or an error frame ("refused", with nothing changed).
"""

from dataclasses import dataclass

import pytest
from asgiref.sync import sync_to_async

from sessions import services
from sessions.consumers import SessionConsumer
from sessions.models import ActionItem, CalibrationSession, Participant, SessionStatus
from teams.models import Role

from .factories import MembershipFactory, SessionWorld, TeamFactory, UserFactory
from .live_socket import connect, receive_until, session_state

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

DRAFT, SCORING, REVEALED, CLOSED = (
    SessionStatus.DRAFT,
    SessionStatus.SCORING,
    SessionStatus.REVEALED,
    SessionStatus.CLOSED,
)
STATES = [DRAFT, SCORING, REVEALED, CLOSED]

# Who may open the room at all, and with which close code everyone else is turned away.
CONNECTED = ["reviewer", "baseline reviewer", "facilitator"]
TURNED_AWAY = {
    "anonymous": 4401,
    "member of another team": 4403,
    "reviewer not in the session": 4403,
    "manager": 4403,
    "admin": 4403,
}
SCORERS = {"reviewer", "baseline reviewer"}
FACILITATOR = {"facilitator"}
EVERYONE = SCORERS | FACILITATOR


def ack(roles, states):
    """The cells answered with an ack; every other connected cell gets an error frame."""
    return {(role, state) for role in roles for state in states}


EXPECTED_ACKS = {
    "ping": ack(EVERYONE, STATES),
    "sync": ack(EVERYONE, STATES),
    "score.save": ack(SCORERS, [SCORING]),
    "submit": ack(SCORERS, [SCORING]),
    "start": ack(FACILITATOR, [DRAFT, SCORING]),  # starting a started session changes nothing
    "reveal": ack(FACILITATOR, [SCORING, REVEALED]),
    "revision.save": ack(SCORERS, [REVEALED]),
    "consensus.save": ack(FACILITATOR, [REVEALED]),
    "consensus.accept_unanimous": ack(FACILITATOR, [REVEALED]),
    "action.add": ack(FACILITATOR, [DRAFT, SCORING, REVEALED]),
    "action.remove": ack(FACILITATOR, [DRAFT, SCORING, REVEALED]),
    "nudge": ack(FACILITATOR, [SCORING]),
    "close": ack(FACILITATOR, [REVEALED, CLOSED]),
    # A flag is a wish to discuss, allowed from the lobby until the session closes.
    "flag.set": ack(SCORERS, [DRAFT, SCORING, REVEALED]),
    "timebox.start": ack(FACILITATOR, [REVEALED]),  # for a revealed interaction only
    "timebox.stop": ack(FACILITATOR, STATES),  # stopping none changes nothing
}
READS = {"ping", "sync"}
ANSWER_TYPE = {"ping": "pong", "sync": "snapshot"}


@dataclass
class Room:
    session: CalibrationSession
    people: dict
    frames: dict


def build_room(state: str) -> Room:
    """One session in `state`, everyone of the matrix, and a well-formed frame per type."""
    world = SessionWorld(reviewers=2, interactions=1)
    reviewer, baseline = world.reviewers
    CalibrationSession.objects.filter(pk=world.session.pk).update(baseline=baseline)
    session_id, facilitator, item = world.session.pk, world.facilitator, world.items[0]
    action = services.action_item_add(session_id=session_id, actor=facilitator, text="Existing")
    if state != DRAFT:
        world.start()
        for person in (reviewer, baseline):
            world.score_all(person, item, (1, 4, 2), comment="blind")
    if state in (REVEALED, CLOSED):
        for person in (reviewer, baseline):
            world.submit(person, item)
        services.session_reveal(session_id=session_id, actor=facilitator)
    if state == CLOSED:
        services.session_close(session_id=session_id, actor=facilitator)
    stranger = UserFactory()
    MembershipFactory(team=TeamFactory(), user=stranger, role=Role.FACILITATOR)
    outsider, manager = UserFactory(), UserFactory()
    admin = UserFactory(is_staff=True, is_superuser=True)
    MembershipFactory(team=world.team, user=outsider, role=Role.REVIEWER)
    MembershipFactory(team=world.team, user=manager, role=Role.MANAGER)
    MembershipFactory(team=world.team, user=admin, role=Role.ADMIN)
    target = Participant.objects.get(session_id=session_id, user=reviewer)
    rating = {"item": item.pk, "criterion": world.numeric.pk, "value": 3, "na": False}
    frames = {
        "ping": {},
        "sync": {},
        "score.save": {**rating, "comment": "draft", "ts": 10},
        "submit": {"item": item.pk},
        "start": {},
        "reveal": {"policy": "exclude"},
        "revision.save": {**rating, "comment": "after the talk"},
        "consensus.save": {**rating, "note": "Read it this way"},
        "consensus.accept_unanimous": {"item": item.pk},
        "action.add": {"text": "Follow up", "owner": reviewer.pk},
        "action.remove": {"id": action.pk},
        "nudge": {"participant": target.pk},
        "close": {"confirm_undecided": True},
        "flag.set": {"item": item.pk, "criterion": world.numeric.pk, "flagged": True},
        "timebox.start": {"item": item.pk, "criterion": world.numeric.pk, "minutes": 3},
        "timebox.stop": {},
    }
    people = {
        "anonymous": None,
        "member of another team": stranger,
        "reviewer not in the session": outsider,
        "manager": manager,
        "admin": admin,
        "reviewer": reviewer,
        "baseline reviewer": baseline,
        "facilitator": facilitator,
    }
    session = CalibrationSession.objects.get(pk=session_id)
    assert session.status == state
    return Room(session=session, people=people, frames=frames)


async def test_every_message_type_has_a_row():
    kinds = set(SessionConsumer.HANDLERS)
    room = await sync_to_async(build_room)(DRAFT)

    assert set(EXPECTED_ACKS) == kinds
    assert set(room.frames) == kinds  # a well-formed frame for each
    assert set(TURNED_AWAY) | set(CONNECTED) == {
        "anonymous",
        "member of another team",
        "reviewer not in the session",
        "reviewer",
        "baseline reviewer",
        "facilitator",
        "manager",
        "admin",
    }


@pytest.mark.parametrize("state", STATES)
async def test_everyone_outside_the_session_is_turned_away(state):
    room = await sync_to_async(build_room)(state)
    before = await session_state(room.session)

    codes = {}
    for role in TURNED_AWAY:
        communicator, connected, code = await connect(room.people[role], room.session)
        codes[role] = None if connected else code
        if connected:
            await communicator.disconnect()

    assert codes == TURNED_AWAY
    assert await session_state(room.session) == before


@pytest.mark.parametrize("role", CONNECTED)
@pytest.mark.parametrize("state", STATES)
async def test_each_message_type_is_acked_or_refused_by_role_and_state(state, role):
    room = await sync_to_async(build_room)(state)
    communicator, connected, _ = await connect(room.people[role], room.session)
    assert connected
    wrong = []
    for kind in SessionConsumer.HANDLERS:
        expect_ack = (role, state) in EXPECTED_ACKS[kind]
        before = await session_state(room.session)

        ref = f"{kind}-{role}-{state}"
        await communicator.send_json_to({"type": kind, "ref": ref, **room.frames[kind]})
        answer = await receive_until(
            communicator,
            lambda f, ref=ref, kind=kind: (
                f.get("ref") == ref and (f["type"] != "snapshot" or kind == "sync")
            ),
        )

        after = await session_state(room.session)
        expected_type = ANSWER_TYPE.get(kind, "ack") if expect_ack else "error"
        if answer["type"] != expected_type:
            wrong.append(f"{kind}: expected {expected_type}, got {answer}")
        elif answer["type"] == "error" and answer["code"] != "refused":
            wrong.append(f"{kind}: refused for the wrong reason: {answer}")
        elif (not expect_ack or kind in READS) and after != before:
            wrong.append(f"{kind}: {answer['type']} but the session changed")
        if expect_ack and kind not in READS:
            # The ack changed the session: the next cell starts from a fresh one.
            await communicator.disconnect()
            room = await sync_to_async(build_room)(state)
            communicator, _, _ = await connect(room.people[role], room.session)
    await communicator.disconnect()

    assert not wrong, "\n".join(wrong)


async def test_an_action_item_of_another_session_cannot_be_removed():
    mine = await sync_to_async(build_room)(SCORING)
    theirs = await sync_to_async(build_room)(SCORING)
    foreign = await sync_to_async(ActionItem.objects.get)(session=theirs.session)
    communicator, _, _ = await connect(mine.people["facilitator"], mine.session)

    await communicator.send_json_to({"type": "action.remove", "ref": "x", "id": foreign.pk})
    answer = await receive_until(communicator, lambda f: f.get("ref") == "x")

    assert answer["type"] == "error" and answer["code"] == "refused"
    assert await sync_to_async(ActionItem.objects.filter(pk=foreign.pk).exists)()
    await communicator.disconnect()
