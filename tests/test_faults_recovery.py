"""Faults while people score: a dropped connection, a killed worker, a Redis restart.

Each test runs real daphne workers on a database and a Redis of its own and drives the room with
Python clients that behave like the browser (bench/client.py: an outbox re-sent after every
reconnect, another worker tried when one stops answering). Nothing acknowledged may be lost,
and everyone recovers without a reload: the same client objects go on to submit, see each
other's progress and the reveal.
"""

import asyncio
import shutil

import pytest

from .faults import (
    TIMEOUT,
    Redis,
    app_env,
    assert_nothing_lost,
    assert_told_to_come_back,
    finish,
    free_port,
    kill,
    make_world,
    migrate,
    people,
    rate,
    workers,
)


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory):
    """One migrated database file; each test works on a copy of it."""
    path = tmp_path_factory.mktemp("faults") / "template.sqlite3"
    migrate(app_env(f"sqlite:///{path}"))
    return path


@pytest.fixture
def redis():
    server = Redis(port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stack(migrated_sqlite, redis, tmp_path):
    """start(n) -> (env, world, workers): n workers on a fresh database and this Redis."""
    started = []

    def start(count: int):
        database = tmp_path / "db.sqlite3"
        shutil.copy(migrated_sqlite, database)
        env = app_env(f"sqlite:///{database}", redis.url)
        world = make_world(env, reviewers=2, criteria=4)
        group = workers(count, env, tmp_path)
        started.append(group)
        return env, world, group

    yield start
    for group in started:
        group.stop()


async def test_a_dropped_connection_resends_its_outbox_and_loses_nothing(stack, tmp_path):
    env, world, group = stack(1)
    session, facilitator, reviewers = people(world, group.urls)
    clients = [facilitator, *reviewers]
    for client in clients:
        await client.login()
        await client.connect(timeout=TIMEOUT)
    first, second = reviewers
    criteria = session["criteria"]
    await rate(first, session, criteria[:2])
    await rate(second, session, criteria)

    # The link dies with no close frame (Wi-Fi gone); the next ratings wait in the outbox.
    first.socket.transport.abort()
    await rate(first, session, criteria[2:])
    await finish(session, facilitator, reviewers)

    assert first.stats.reconnects >= 1
    mine = first.snapshot["my_scores"][str(session["items"][0])]
    assert set(mine) == {str(c["id"]) for c in criteria}  # resynced from the new snapshot
    await asyncio.gather(*(client.close() for client in clients))
    assert_nothing_lost(env, world, tmp_path, clients)


async def test_a_killed_workers_clients_move_to_the_other_and_lose_nothing(stack, tmp_path):
    env, world, group = stack(2)
    # Reviewers on the first worker, the facilitator on the second.
    session, facilitator, reviewers = people(world, group.urls, reviewer_home=0, facilitator_home=1)
    clients = [facilitator, *reviewers]
    for client in clients:
        await client.login()
        await client.connect(timeout=TIMEOUT)
    criteria = session["criteria"]
    for reviewer in reviewers:
        await rate(reviewer, session, criteria[:2])

    kill(group.processes[0])  # SIGKILL: no disconnect handler runs
    for reviewer in reviewers:
        await rate(reviewer, session, criteria[2:])
    await finish(session, facilitator, reviewers)

    assert all(reviewer.server == 1 for reviewer in reviewers)
    assert all(reviewer.stats.reconnects >= 1 for reviewer in reviewers)
    await asyncio.gather(*(client.close() for client in clients))
    assert_nothing_lost(env, world, tmp_path, clients)


async def test_after_a_redis_restart_everyone_reconnects_and_nothing_is_lost(
    stack, redis, tmp_path
):
    env, world, group = stack(2)
    session, facilitator, reviewers = people(world, group.urls, reviewer_home=0, facilitator_home=1)
    clients = [facilitator, *reviewers]
    for client in clients:
        await client.login()
        await client.connect(timeout=TIMEOUT)
    criteria = session["criteria"]
    for reviewer in reviewers:
        await rate(reviewer, session, criteria[:2])

    redis.stop()  # every group membership is gone with it (no persistence)
    saving = [asyncio.create_task(rate(r, session, criteria[2:])) for r in reviewers]
    await asyncio.sleep(2)
    redis.start()
    await asyncio.gather(*saving)
    # The facilitator's worker must have rejoined the group: progress and reveal arrive live.
    await finish(session, facilitator, reviewers)

    assert_told_to_come_back(clients)
    await asyncio.gather(*(client.close() for client in clients))
    assert_nothing_lost(env, world, tmp_path, clients)
