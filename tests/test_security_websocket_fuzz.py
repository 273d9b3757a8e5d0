"""Property-based fuzzing of websocket messages (issue 11).

Whatever arrives — unreadable JSON, binary, wrong types, huge numbers and strings, deep
nesting, unknown or another session's ids, messages in the wrong order — the answer is an
error frame or a valid ack, the socket stays open, a refused message changes nothing, no
answer is a "server_error" (a handler that crashed), and no frame shows another reviewer's
blind comment.

One session per test, shared by its examples: each example compares the session's state
before and after its own message.
"""

import json

import pytest
from asgiref.sync import sync_to_async
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions import services
from sessions.consumers import SessionConsumer
from sessions.models import ActionItem, Participant, SessionStatus, Transition

from .factories import SessionWorld
from .live_socket import connect, session_state

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,  # no example files in the shared tree; CI runs are reproducible by seed
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SECRET = "SECRET-peer-comment-7f3a"
# "presence" and "figures" are pushed (someone came or went; a version's agreement figures).
ANSWERS = {"ack", "pong", "error", "snapshot", "nudge", "presence", "figures"}
CODES = {"bad_frame", "refused"}

# --- strategies ---------------------------------------------------------------------------

EDGE_NUMBERS = [0, -1, 1, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**30, -(2**63)]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.sampled_from(EDGE_NUMBERS)
    | st.floats()
    | st.text(max_size=40)
    | st.sampled_from(["", "x" * 6000, "\x00", "é" * 100, "<script>", "null", "1"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELD_NAMES = sorted(
    {name for message in SessionConsumer.HANDLERS.values() for name in message.fields}
    | {"participant", "user", "session", "owner", "id", "ref", "type"}
)
field_names = st.sampled_from(FIELD_NAMES) | st.text(max_size=12)
kinds = st.sampled_from(sorted(SessionConsumer.HANDLERS)) | values


def nested(depth):
    return "[" * depth + "]" * depth


raw_texts = st.one_of(
    st.text(min_size=1, max_size=200),
    values.map(lambda v: json.dumps(v)),
    st.integers(1, 5000).map(nested),
    st.integers(1, 3000).map(lambda n: '{"type": "score.save", "comment": ' + nested(n) + "}"),
    st.integers(1, 3000).map(
        lambda n: '{"type": "action.add", "text": ' + '{"a":' * n + "1" + "}" * n + "}"
    ),
    st.integers(19, 6000).map(lambda n: '{"type": "ping", "ref": "r", "x": ' + "9" * n + "}"),
    st.sampled_from(
        ["NaN", "Infinity", '{"type": NaN}', "{", "}", "[", '"', "\ud800", "{}" * 1000]
    ),
)


# --- the room ------------------------------------------------------------------------------


def build(state):
    world = SessionWorld(reviewers=2, interactions=2)
    mine, peer = world.reviewers
    world.start()
    world.score_all(peer, world.items[0], (1, 4, 2), comment=SECRET)
    world.score_all(mine, world.items[0], (0, 2, 1))
    services.action_item_add(session_id=world.session.pk, actor=world.facilitator, text="Existing")
    if state == SessionStatus.REVEALED:
        world.submit(mine, world.items[0])
        services.session_reveal(
            session_id=world.session.pk, actor=world.facilitator, item_id=world.items[0].pk
        )
    return world


def ids_of(world):
    """Every id a frame could name in this session."""
    session = world.session
    return sorted(
        {item.pk for item in world.items}
        | {criterion.pk for criterion in world.criteria}
        | set(Participant.objects.filter(session=session).values_list("pk", flat=True))
        | set(ActionItem.objects.filter(session=session).values_list("pk", flat=True))
        | {user.pk for user in [world.facilitator, *world.reviewers]}
    )


class Room:
    """A session, another team's session (foreign ids), and an open socket as someone."""

    def __init__(self, world, foreign, communicator):
        self.world = world
        self.session = world.session
        self.foreign_ids = ids_of(foreign)
        self.own_ids = ids_of(world)
        self.communicator = communicator
        self.count = 0

    async def exchange(self, send):
        """Sends one message, then a heartbeat; everything answered up to the pong."""
        self.count += 1
        pong = f"hb-{self.count}"
        before = await session_state(self.session)
        await send(self.communicator)
        await self.communicator.send_json_to({"type": "ping", "ref": pong})
        frames = []
        while True:
            frame = await self.communicator.receive_json_from(timeout=5)
            if frame.get("ref") == pong and frame["type"] == "pong":
                break  # the socket is still open and answering
            frames.append(frame)
        after = await session_state(self.session)
        return frames, before, after


def check(frames, before, after, *, may_change=True, secret_item=None):
    # The peer's comment becomes everyone's once the facilitator reveals its interaction (a
    # step of the any-order test may do that); until then no frame may carry it.
    secret_public = secret_item is not None and any(
        item["revealed_at"] for item in after["items"] if item["pk"] == secret_item
    )
    for frame in frames:
        assert frame.get("type") in ANSWERS, frame
        if not secret_public:
            assert SECRET not in json.dumps(frame), "a blind comment reached another viewer"
        if frame["type"] == "error":
            assert frame["code"] in CODES, frame
            assert "Traceback" not in frame["message"]
    acked = any(frame["type"] in ("ack", "pong", "snapshot") for frame in frames)
    if not (may_change and acked):
        assert after == before, f"refused but changed: {frames}"


@pytest.fixture(params=["reviewer", "facilitator"])
async def room(request, monkeypatch):
    # A fuzzer sends far faster than any person: the rate limit has its own tests.
    monkeypatch.setattr(SessionConsumer, "RATE_PER_SECOND", 10**6)
    monkeypatch.setattr(SessionConsumer, "BURST", 10**6)
    world = await sync_to_async(build)(SessionStatus.SCORING)
    foreign = await sync_to_async(build)(SessionStatus.REVEALED)
    who = world.reviewers[0] if request.param == "reviewer" else world.facilitator
    communicator, connected, _ = await connect(who, world.session)
    assert connected
    result = await sync_to_async(Room)(world, foreign, communicator)
    yield result
    await communicator.disconnect()


# --- properties ---------------------------------------------------------------------------


@FUZZ
@given(text=raw_texts)
async def test_any_text_frame_is_answered_and_changes_nothing_unless_acked(room, text):
    async def send(communicator):
        await communicator.send_to(text_data=text)

    frames, before, after = await room.exchange(send)

    check(frames, before, after)
    assert frames, "a frame went unanswered"


@settings(FUZZ, max_examples=15)
@given(data=st.binary(min_size=1, max_size=300))
async def test_binary_frames_are_refused(room, data):
    async def send(communicator):
        await communicator.send_to(bytes_data=data)

    frames, before, after = await room.exchange(send)

    check(frames, before, after, may_change=False)
    assert [f["code"] for f in frames if f["type"] == "error"] == ["bad_frame"]


@FUZZ
@given(kind=kinds, fields=st.dictionaries(field_names, values, max_size=6), ref=values)
async def test_any_message_shape_is_answered_and_a_refusal_changes_nothing(room, kind, fields, ref):
    frame = {**fields, "type": kind, "ref": ref}

    async def send(communicator):
        await communicator.send_to(text_data=json.dumps(frame))

    frames, before, after = await room.exchange(send)

    check(frames, before, after)


def well_formed(kind, ids):
    """Frames of the right shape whose ids come from `ids`."""
    id_ = st.sampled_from(ids)
    rating = {
        "item": id_,
        "criterion": id_,
        "value": st.none() | st.integers(-3, 12),
        "na": st.booleans(),
    }
    shapes = {
        "score.save": {**rating, "comment": st.text(max_size=20), "ts": st.integers(0, 2**40)},
        "submit": {"item": id_},
        "reveal": {"item": id_, "policy": st.sampled_from(["exclude", "include_drafts"])},
        "revision.save": {**rating, "comment": st.text(max_size=20)},
        "consensus.save": {**rating, "note": st.text(max_size=20)},
        "action.add": {"text": st.text(min_size=1, max_size=20), "owner": id_},
        "action.remove": {"id": id_},
        "nudge": {"participant": id_},
    }
    return st.fixed_dictionaries({"type": st.just(kind), **shapes[kind]})


FOREIGN_KINDS = [
    "score.save",
    "submit",
    "reveal",
    "revision.save",
    "consensus.save",
    "action.remove",
    "nudge",
]


@FUZZ
@given(data=st.data())
async def test_another_sessions_ids_are_always_refused(room, data):
    # Ids that name nothing of this session, whatever the sender's role, never act.
    foreign = [i for i in room.foreign_ids if i not in room.own_ids]
    kind = data.draw(st.sampled_from(FOREIGN_KINDS))
    frame = data.draw(well_formed(kind, foreign))
    frame["ref"] = "foreign"

    async def send(communicator):
        await communicator.send_json_to(frame)

    frames, before, after = await room.exchange(send)

    check(frames, before, after, may_change=False)
    answer = next(f for f in frames if f.get("ref") == "foreign")
    assert answer["type"] == "error", (frame, answer)


VALID_PATH = [
    "",  # the transition that records the creation
    SessionStatus.DRAFT,
    SessionStatus.SCORING,
    SessionStatus.REVEALED,
    SessionStatus.CLOSED,
]


@settings(FUZZ, max_examples=10)
@given(data=st.data())
async def test_messages_in_any_order_keep_the_state_machine_valid(room, data):
    # Close before the reveal, revise before it, submit twice, reveal one item then all…
    # each answer is an ack or an error, and the session only ever moves forward.
    ids = room.own_ids
    steps = data.draw(
        st.lists(
            st.sampled_from(["start", "close", "sync"]).map(lambda k: {"type": k})
            | st.sampled_from([*FOREIGN_KINDS, "action.add"]).flatmap(
                lambda k: well_formed(k, ids)
            ),
            min_size=1,
            max_size=5,
        )
    )
    for step in steps:

        async def send(communicator, step=step):
            await communicator.send_json_to({**step, "ref": "step"})

        frames, before, after = await room.exchange(send)
        check(frames, before, after, secret_item=room.world.items[0].pk)

    transitions = await sync_to_async(
        lambda: list(
            Transition.objects.filter(session=room.session)
            .exclude(from_status=F("to_status"))
            .order_by("pk")
            .values_list("from_status", "to_status")
        )
    )()
    for source, target in transitions:
        assert VALID_PATH.index(target) == VALID_PATH.index(source) + 1
