"""PostgreSQL restarts while people score.

A cluster of this test's own (initdb in a temporary folder, on a free port; as `nobody` when
the tests run as root, since PostgreSQL refuses root), a daphne worker on it with its
connection pool, and Redis of its own. Ratings made during the outage are re-sent until they
are acknowledged; afterwards the same clients submit and see the reveal, and every
acknowledged rating is in the database.
"""

import asyncio
import time

import pytest

from .faults import (
    TIMEOUT,
    Postgres,
    Redis,
    app_env,
    assert_nothing_lost,
    assert_told_to_come_back,
    finish,
    free_port,
    make_world,
    migrate,
    people,
    rate,
    workers,
)


@pytest.fixture
def postgres():
    cluster = Postgres()
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def redis():
    server = Redis(port=free_port())
    server.start()
    yield server
    server.stop()


async def test_after_a_postgres_restart_nothing_acknowledged_is_lost(postgres, redis, tmp_path):
    env = app_env(postgres.url, redis.url)
    migrate(env)
    world = make_world(env, reviewers=2, criteria=4)
    group = workers(1, env, tmp_path)
    try:
        session, facilitator, reviewers = people(world, group.urls)
        clients = [facilitator, *reviewers]
        for client in clients:
            await client.login()
            await client.connect(timeout=TIMEOUT)
        criteria = session["criteria"]
        for reviewer in reviewers:
            await rate(reviewer, session, criteria[:2])

        await asyncio.to_thread(postgres.stop)
        down_at = time.monotonic()
        saving = [asyncio.create_task(rate(r, session, criteria[2:])) for r in reviewers]
        await asyncio.sleep(2)
        await asyncio.to_thread(postgres.start)
        await asyncio.gather(*saving)
        await finish(session, facilitator, reviewers)

        assert time.monotonic() - down_at < 2 * TIMEOUT
        await asyncio.gather(*(client.close() for client in clients))
        assert_nothing_lost(env, world, tmp_path, clients)
        assert_told_to_come_back(clients, notice_required=False)
    finally:
        group.stop()
