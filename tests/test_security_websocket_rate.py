"""The per-connection message rate limit: a flood is answered, the real client never is.

The consumer's clock is replaced by one the test moves, so seconds of traffic take no time
and "at once" really is at the same instant (the worst case for the client's bursts).
"""

import pytest
from asgiref.sync import sync_to_async

from sessions.consumers import SessionConsumer
from sessions.models import HEARTBEAT_SECONDS, Score

from .live_socket import connect, has_ref, make_world, receive_until, session_state, still_open

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(SessionConsumer, "clock", staticmethod(lambda: now[0]))
    return now


def score_frame(world, ref, item, criterion, value, ts):
    return {
        "type": "score.save",
        "ref": ref,
        "item": item.pk,
        "criterion": criterion.pk,
        "value": value,
        "na": False,
        "comment": "",
        "ts": ts,
    }


async def collect(communicator, refs):
    """The answer to each ref, in any order (snapshots in between are skipped)."""
    got = {}
    while len(got) < len(refs):
        frame = await receive_until(communicator, lambda f: f.get("ref") in refs)
        if frame.get("type") != "snapshot":
            got[frame["ref"]] = frame
    return got


async def test_a_flood_is_answered_with_rate_limited_and_the_connection_stays_open(clock):
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)
    burst = SessionConsumer.BURST + len(world.items) * len(world.criteria)
    refs = [f"p{n}" for n in range(burst + 10)]

    for ref in refs:
        await communicator.send_json_to({"type": "ping", "ref": ref})
    got = await collect(communicator, set(refs))

    limited = [got[ref] for ref in refs if got[ref]["type"] == "error"]
    assert [got[ref]["type"] for ref in refs[:burst]] == ["pong"] * burst
    assert len(limited) == 10
    assert {f["code"] for f in limited} == {"rate_limited"}
    assert all(f["retry_after"] > 0 for f in limited)
    clock[0] += 1
    assert await still_open(communicator)
    await communicator.disconnect()


async def test_a_rate_limited_save_changes_nothing(clock):
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)
    burst = SessionConsumer.BURST + len(world.items) * len(world.criteria)
    for n in range(burst):
        await communicator.send_json_to({"type": "ping", "ref": f"p{n}"})
    await collect(communicator, {f"p{n}" for n in range(burst)})
    before = await session_state(world.session)

    await communicator.send_json_to(score_frame(world, "s", world.items[0], world.numeric, 4, 1))
    refused = await receive_until(communicator, has_ref("s"))

    assert refused["code"] == "rate_limited"
    assert await session_state(world.session) == before
    await communicator.disconnect()


async def test_the_outbox_flush_after_a_reconnect_is_never_limited(clock):
    # The browser re-sends one score.save per unacknowledged rating at once (static/js
    # live/outbox.js framesToSend), at most one per interaction × criterion: here 20 × 3.
    world = await make_world(interactions=20)
    communicator, _, _ = await connect(world.reviewers[0], world.session)
    frames = [
        score_frame(world, f"o{item.pk}-{criterion.pk}", item, criterion, 1, 5)
        for item in world.items
        for criterion in world.criteria
    ]
    frames += [{"type": "sync", "ref": "sync"}, {"type": "ping", "ref": "hb"}]

    for frame in frames:
        await communicator.send_json_to(frame)
    got = await collect(communicator, {f["ref"] for f in frames if f["type"] != "sync"})

    assert len(frames) > SessionConsumer.BURST + 2
    assert {f["type"] for f in got.values()} == {"ack", "pong"}
    assert await sync_to_async(Score.objects.count)() == 60
    await communicator.disconnect()


async def test_fast_keyboard_scoring_right_after_a_flush_is_never_limited(clock):
    # The reconnect's flush has just spent almost the whole burst; then someone races through
    # criteria with the number keys at 15 changes a second, the heartbeat still beating.
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)
    flush = [f"f{n}" for n in range(SessionConsumer.BURST + len(world.items) * 3 - 1)]
    for ref in flush:
        await communicator.send_json_to({"type": "ping", "ref": ref})
    got = await collect(communicator, set(flush))
    sent = []
    for n in range(60):
        clock[0] += 1 / 15
        frame = score_frame(world, f"k{n}", world.items[n % 2], world.numeric, 1 + n % 5, n + 1)
        if n % (15 * HEARTBEAT_SECONDS) == 0:
            frame = {"type": "ping", "ref": f"k{n}"}
        await communicator.send_json_to(frame)
        sent.append(frame["ref"])
        if n % 30 == 29:  # the browser does not wait for acks; the test reads them in batches
            got.update(await collect(communicator, set(sent)))
            sent.clear()

    assert len(got) == len(flush) + 60
    assert {frame["type"] for frame in got.values()} == {"ack", "pong"}
    score = await sync_to_async(Score.objects.get)(item=world.items[1], criterion=world.numeric)
    assert score.value == 1 + 59 % 5
    await communicator.disconnect()
