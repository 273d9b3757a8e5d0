"""The worker's shared reads for the consumers of one session: once per event, not per viewer."""

import asyncio

import pytest

from sessions import hub as hubs
from sessions.hub import Hub

pytestmark = pytest.mark.asyncio


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


async def test_twenty_viewers_waiting_for_a_version_share_one_read(monkeypatch):
    reads = []

    def read(session_id, *args):
        reads.append(session_id)
        return hubs.View(session=None, shared=type("S", (), {"version": 4})(), online=frozenset())

    monkeypatch.setattr(hubs, "_read_view", read)
    monkeypatch.setattr(hubs, "db", lambda func: _async(func))
    hub = Hub(7)

    views = await asyncio.gather(*(hub.view(4) for _ in range(20)))

    assert reads == [7]
    assert {view.version for view in views} == {4}
    assert hub.version == 4
    assert await hub.view(3) is views[0]  # an older version is already covered: no read
    assert reads == [7]


async def test_a_read_older_than_the_announced_version_is_made_again(monkeypatch):
    versions = iter([3, 5])

    def read(session_id, *args):
        return hubs.View(
            session=None, shared=type("S", (), {"version": next(versions)})(), online=frozenset()
        )

    monkeypatch.setattr(hubs, "_read_view", read)
    monkeypatch.setattr(hubs, "db", lambda func: _async(func))

    view = await Hub(7).view(5)

    assert view.version == 5


async def test_one_presence_announcement_is_one_read_for_every_viewer(monkeypatch):
    reads = []

    def online(session_id):
        reads.append(session_id)
        return {1, 2}

    monkeypatch.setattr(hubs.snapshots, "online_participants", online)
    monkeypatch.setattr(hubs, "db", lambda func: _async(func))
    hub = Hub(7)

    answers = await asyncio.gather(*(hub.online("event-1") for _ in range(20)))
    await hub.online("event-2")

    assert reads == [7, 7]
    assert all(answer == frozenset({1, 2}) for answer in answers)


async def test_the_heartbeat_sweep_is_due_once_per_interval():
    hub = Hub(7)
    clock = hub.clock = Clock()

    first, second = hub.sweep_due(), hub.sweep_due()
    clock.now += hubs.SWEEP_EVERY
    third = hub.sweep_due()

    assert (first, second, third) == (True, False, True)


def _async(func):
    async def call(*args, **kwargs):
        await asyncio.sleep(0)
        return func(*args, **kwargs)

    return call


async def test_a_burst_of_announcements_is_one_read_in_flight_and_one_after(monkeypatch):
    reads = []
    release = asyncio.Event()

    async def online(session_id):
        reads.append(session_id)
        await release.wait()
        return {len(reads)}

    monkeypatch.setattr(hubs, "db", lambda func: online)
    hub = Hub(7)

    first = asyncio.ensure_future(hub.online("a"))
    await asyncio.sleep(0.01)  # the read for "a" is in flight
    later = [asyncio.ensure_future(hub.online(name)) for name in "bcdef"]
    await asyncio.sleep(0.01)
    release.set()
    answers = await asyncio.gather(first, *later)

    assert len(reads) == 2  # not six
    assert answers[0] == frozenset({1}) and set(answers[1:]) == {frozenset({2})}
