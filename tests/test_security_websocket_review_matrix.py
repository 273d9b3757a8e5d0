"""Every criterion review message type × every role × every review state, like the scoring
socket's matrix (test_security_websocket_matrix). The rows come from `ReviewConsumer.HANDLERS`:
a message type added there without an expectation here fails the first test. Each cell sends a
well-formed frame and expects an ack, or an error frame ("refused") with nothing changed.
"""

from dataclasses import dataclass

import pytest
from asgiref.sync import sync_to_async

from sessions.consumers_review import ReviewConsumer
from sessions.models import CalibrationSession, SessionStatus
from sessions.services import reviewing
from teams.models import Role

from .factories import MembershipFactory, TeamFactory, UserFactory
from .live_socket import connect, receive_until
from .review_builders import ReviewWorld
from .test_security_websocket_review import review_state

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

LOBBY, IN_PROGRESS, CLOSED = SessionStatus.DRAFT, SessionStatus.SCORING, SessionStatus.CLOSED
STATES = [LOBBY, IN_PROGRESS, CLOSED]
CONNECTED = ["participant", "facilitator"]
TURNED_AWAY = {
    "anonymous": 4401,
    "member of another team": 4403,
    "member not in the review": 4403,
    "manager": 4403,
    "admin": 4403,
}
PARTICIPANT, FACILITATOR = {"participant"}, {"facilitator"}
EVERYONE = PARTICIPANT | FACILITATOR


def ack(roles, states):
    return {(role, state) for role in roles for state in states}


EXPECTED_ACKS = {
    "ping": ack(EVERYONE, STATES),
    "sync": ack(EVERYONE, STATES),
    "start": ack(FACILITATOR, [LOBBY, IN_PROGRESS]),  # starting a started review: no change
    "answer.save": ack(PARTICIPANT, [IN_PROGRESS]),  # on a criterion not yet revealed
    "focus": ack(FACILITATOR, [IN_PROGRESS]),
    "reveal": ack(FACILITATOR, [IN_PROGRESS]),
    "propose": ack(EVERYONE, [IN_PROGRESS]),
    "decide": ack(FACILITATOR, [IN_PROGRESS]),  # on a revealed criterion
    "close": ack(FACILITATOR, [IN_PROGRESS, CLOSED]),  # closing a closed review: no change
}
READS = {"ping", "sync"}
ANSWER_TYPE = {"ping": "pong", "sync": "snapshot"}


@dataclass
class Room:
    session: CalibrationSession
    people: dict
    frames: dict


def build_room(state: str) -> Room:
    world = ReviewWorld(reviewers=1)
    revealed, blind = world.items[0], world.items[1]
    if state != LOBBY:
        world.start()
        world.answer(world.reviewers[0], revealed)
        world.reveal(revealed)
    if state == CLOSED:
        reviewing.review_close(session_id=world.session.pk, actor=world.facilitator)
    stranger, outsider, manager = UserFactory(), UserFactory(), UserFactory()
    admin = UserFactory(is_staff=True, is_superuser=True)
    MembershipFactory(team=TeamFactory(), user=stranger, role=Role.FACILITATOR)
    MembershipFactory(team=world.team, user=outsider, role=Role.REVIEWER)
    MembershipFactory(team=world.team, user=manager, role=Role.MANAGER)
    MembershipFactory(team=world.team, user=admin, role=Role.ADMIN)
    frames = {
        "ping": {},
        "sync": {},
        "start": {},
        "answer.save": {"item": blind.pk, "relevant": "yes", "comment": "draft", "ts": 10},
        "focus": {"item": blind.pk},
        "reveal": {"item": blind.pk},
        "propose": {"name": "Next steps", "scale": "Pass / fail"},
        "decide": {"item": revealed.pk, "decision": "keep", "rationale": "Still needed."},
        "close": {"confirm_undecided": True},
    }
    people = {
        "anonymous": None,
        "member of another team": stranger,
        "member not in the review": outsider,
        "manager": manager,
        "admin": admin,
        "participant": world.reviewers[0],
        "facilitator": world.facilitator,
    }
    session = CalibrationSession.objects.get(pk=world.session.pk)
    assert session.status == state
    return Room(session=session, people=people, frames=frames)


async def review_socket(user, session):
    return await connect(user, session, path=f"/ws/reviews/{session.pk}/")


async def test_every_review_message_type_has_a_row():
    room = await sync_to_async(build_room)(LOBBY)
    assert set(EXPECTED_ACKS) == set(ReviewConsumer.HANDLERS)
    assert set(room.frames) == set(ReviewConsumer.HANDLERS)


@pytest.mark.parametrize("state", STATES)
async def test_everyone_outside_the_review_is_turned_away(state):
    room = await sync_to_async(build_room)(state)
    before = await sync_to_async(review_state)(room.session)
    codes = {}
    for role in TURNED_AWAY:
        communicator, connected, code = await review_socket(room.people[role], room.session)
        codes[role] = None if connected else code
        if connected:
            await communicator.disconnect()
    assert codes == TURNED_AWAY
    assert await sync_to_async(review_state)(room.session) == before


@pytest.mark.parametrize("role", CONNECTED)
@pytest.mark.parametrize("state", STATES)
async def test_each_review_message_is_acked_or_refused_by_role_and_state(state, role):
    room = await sync_to_async(build_room)(state)
    communicator, connected, _ = await review_socket(room.people[role], room.session)
    assert connected
    wrong = []
    for kind in ReviewConsumer.HANDLERS:
        expect_ack = (role, state) in EXPECTED_ACKS[kind]
        before = await sync_to_async(review_state)(room.session)
        ref = f"{kind}-{role}-{state}"
        await communicator.send_json_to({"type": kind, "ref": ref, **room.frames[kind]})
        answer = await receive_until(
            communicator,
            lambda f, ref=ref, kind=kind: (
                f.get("ref") == ref and (f["type"] != "snapshot" or kind == "sync")
            ),
        )
        after = await sync_to_async(review_state)(room.session)
        expected_type = ANSWER_TYPE.get(kind, "ack") if expect_ack else "error"
        if answer["type"] != expected_type:
            wrong.append(f"{kind}: expected {expected_type}, got {answer}")
        elif answer["type"] == "error" and answer["code"] != "refused":
            wrong.append(f"{kind}: refused for the wrong reason: {answer}")
        elif (not expect_ack or kind in READS) and after != before:
            wrong.append(f"{kind}: {answer['type']} but the review changed")
        if expect_ack and kind not in READS:
            await communicator.disconnect()
            room = await sync_to_async(build_room)(state)
            communicator, _, _ = await review_socket(room.people[role], room.session)
    await communicator.disconnect()
    assert not wrong, "\n".join(wrong)
