"""Property-based fuzzing of the criterion review socket (/ws/reviews/<id>/), like the scoring
socket's (test_security_websocket_fuzz): whatever arrives, the answer is an error frame or a
valid ack, the socket stays open, a refused message changes nothing, nothing crashes a handler,
another review's ids never act, and no frame carries another participant's blind answer.
"""

import json

import pytest
from asgiref.sync import sync_to_async
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions.consumers_review import ReviewConsumer
from sessions.models import CalibrationSession, ReviewAnswer, ReviewItem, Transition

from .live_socket import connect
from .review_builders import ReviewWorld

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SECRET = "SECRET-peer-answer-41c9"
ANSWERS = {"ack", "pong", "error", "snapshot", "presence"}
CODES = {"bad_frame", "refused"}

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["", "x" * 6000, "\x00", "yes", "keep", "change", "add", "binary"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)
FIELD_NAMES = sorted(
    {name for message in ReviewConsumer.HANDLERS.values() for name in message.fields}
)
field_names = st.sampled_from(FIELD_NAMES) | st.text(max_size=10)
kinds = st.sampled_from(sorted(ReviewConsumer.HANDLERS)) | values


def review_state(session) -> dict:
    """Everything a review message could change (presence aside)."""
    return {
        "session": list(
            CalibrationSession.objects.filter(pk=session.pk).values(
                "status", "version", "closed_at", "scoring_started_at", "resulting_version"
            )
        ),
        "items": list(
            ReviewItem.objects.filter(session=session)
            .order_by("pk")
            .values(
                "pk",
                "revealed_at",
                "focused_at",
                "decision",
                "decision_data",
                "rationale",
                "proposal",
            )
        ),
        "answers": list(
            ReviewAnswer.objects.filter(item__session=session)
            .order_by("pk")
            .values(
                "pk",
                "relevant",
                "trending",
                "mistakes",
                "proposal",
                "new_wording",
                "comment",
                "client_ts",
            )
        ),
        "transitions": Transition.objects.filter(session=session).count(),
    }


def build():
    world = ReviewWorld(reviewers=2).start()
    world.answer(world.reviewers[1], world.items[0], comment=SECRET)
    return world


class Room:
    def __init__(self, world, foreign, communicator):
        self.world = world
        self.session = world.session
        self.own_ids = sorted({item.pk for item in world.items})
        self.foreign_ids = sorted({item.pk for item in foreign.items} - set(self.own_ids))
        self.communicator = communicator
        self.count = 0

    async def exchange(self, frame_or_text):
        self.count += 1
        pong = f"hb-{self.count}"
        before = await sync_to_async(review_state)(self.session)
        if isinstance(frame_or_text, str):
            await self.communicator.send_to(text_data=frame_or_text)
        else:
            await self.communicator.send_json_to(frame_or_text)
        await self.communicator.send_json_to({"type": "ping", "ref": pong})
        frames = []
        while True:
            frame = await self.communicator.receive_json_from(timeout=5)
            if frame.get("ref") == pong and frame["type"] == "pong":
                break
            frames.append(frame)
        after = await sync_to_async(review_state)(self.session)
        return frames, before, after


def check(frames, before, after, *, may_change=True):
    secret_public = any(item["revealed_at"] for item in after["items"][:1])
    for frame in frames:
        assert frame.get("type") in ANSWERS, frame
        if not secret_public:
            assert SECRET not in json.dumps(frame), "a blind answer reached another viewer"
        if frame["type"] == "error":
            assert frame["code"] in CODES, frame
    acked = any(frame["type"] in ("ack", "snapshot") for frame in frames)
    if not (may_change and acked):
        assert after == before, f"refused but changed: {frames}"


@pytest.fixture(params=["participant", "facilitator"])
async def room(request, monkeypatch):
    monkeypatch.setattr(ReviewConsumer, "RATE_PER_SECOND", 10**6)
    monkeypatch.setattr(ReviewConsumer, "BURST", 10**6)
    world = await sync_to_async(build)()
    foreign = await sync_to_async(build)()
    who = world.reviewers[0] if request.param == "participant" else world.facilitator
    communicator, connected, _ = await connect(
        who, world.session, path=f"/ws/reviews/{world.session.pk}/"
    )
    assert connected
    yield Room(world, foreign, communicator)
    await communicator.disconnect()


@FUZZ
@given(kind=kinds, fields=st.dictionaries(field_names, values, max_size=6), ref=values)
async def test_any_review_message_is_answered_and_a_refusal_changes_nothing(
    room, kind, fields, ref
):
    frames, before, after = await room.exchange(json.dumps({**fields, "type": kind, "ref": ref}))
    check(frames, before, after)


ITEM_KINDS = ["answer.save", "focus", "reveal", "decide"]


def well_formed(kind, ids):
    item = st.sampled_from(ids)
    shapes = {
        "answer.save": {
            "item": item,
            "relevant": st.sampled_from(["yes", "no", "unsure"]),
            "proposal": st.sampled_from(["keep", "change", "delete"]),
            "comment": st.text(max_size=10),
            "ts": st.integers(0, 2**40),
        },
        "focus": {"item": item},
        "reveal": {"item": item},
        "decide": {
            "item": item,
            "decision": st.sampled_from(["keep", "delete", "reject"]),
            "rationale": st.text(min_size=1, max_size=10),
        },
    }
    return st.fixed_dictionaries({"type": st.just(kind), **shapes[kind]})


@FUZZ
@given(data=st.data())
async def test_another_reviews_items_are_always_refused(room, data):
    kind = data.draw(st.sampled_from(ITEM_KINDS))
    frame = {**data.draw(well_formed(kind, room.foreign_ids)), "ref": "foreign"}
    frames, before, after = await room.exchange(frame)
    check(frames, before, after, may_change=False)
    answer = next(f for f in frames if f.get("ref") == "foreign")
    assert answer["type"] == "error", (frame, answer)


@settings(FUZZ, max_examples=10)
@given(data=st.data())
async def test_review_messages_in_any_order_keep_the_state_machine_valid(room, data):
    steps = data.draw(
        st.lists(
            st.sampled_from(["start", "close", "sync"]).map(lambda k: {"type": k})
            | st.sampled_from(ITEM_KINDS).flatmap(lambda k: well_formed(k, room.own_ids)),
            min_size=1,
            max_size=5,
        )
    )
    for step in steps:
        frames, before, after = await room.exchange({**step, "ref": "step"})
        check(frames, before, after)
        statuses = [before["session"][0]["status"], after["session"][0]["status"]]
        order = ["draft", "scoring", "closed"]
        assert order.index(statuses[1]) >= order.index(statuses[0]), statuses
        # A decision only ever follows the reveal of its item.
        assert all(item["revealed_at"] or not item["decision"] for item in after["items"])
