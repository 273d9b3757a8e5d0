"""The consumer during a database or channel-layer outage (issue 13): never a 1011 crash.

The client is told {"type": "error", "code": "unavailable"} and the socket closes with 4013
(try again later), so the browser shows that it is reconnecting and backs off.
"""

import asyncio
import logging

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from sessions import hub, services
from sessions.consumers import SessionConsumer
from sessions.models import Connection, Score, Submission

from .live_socket import connect, has_ref, make_world, receive_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

DATABASE = "The server is reconnecting to its database…"
LAYER = "The server is reconnecting to its live-update service…"


def layer_class():
    """The channel layer the consumer uses: in memory, or Redis when REDIS_URL is set."""
    return type(get_channel_layer())


def failing(error):
    def fail(*args, **kwargs):
        raise error

    return fail


def async_failing(error):
    async def fail(*args, **kwargs):
        raise error

    return fail


async def closed_with(communicator):
    message = await communicator.receive_output(timeout=3)
    assert message["type"] == "websocket.close"
    return message.get("code")


async def unavailable_then_closed(communicator, ref=None):
    frame = await receive_until(communicator, lambda f: f.get("type") == "error")
    code = await closed_with(communicator)
    assert frame["code"] == "unavailable" and frame["ref"] == ref
    return frame["message"], code


@pytest.mark.parametrize(
    "error",
    [RedisConnectionError("Connection refused"), RedisTimeoutError("Timeout"), OSError(111)],
)
async def test_a_channel_layer_down_at_connect_closes_with_try_again_later(monkeypatch, error):
    world = await make_world()
    monkeypatch.setattr(layer_class(), "group_add", async_failing(error))

    communicator, connected, _ = await connect(world.reviewers[0], world.session)
    message, code = await unavailable_then_closed(communicator)

    assert connected  # accepted only to say "come back later": 4013 travels only on a socket
    assert (message, code) == (LAYER, 4013)
    assert not await sync_to_async(Connection.objects.exists)()
    await communicator.disconnect()


@pytest.mark.parametrize("error", [OperationalError("server closed"), InterfaceError("gone")])
async def test_a_database_down_at_connect_closes_with_try_again_later(monkeypatch, error):
    world = await make_world()
    monkeypatch.setattr(services, "connection_open", failing(error))
    discarded = []
    real_discard = layer_class().group_discard

    async def group_discard(self, group, channel):
        discarded.append(group)
        await real_discard(self, group, channel)

    monkeypatch.setattr(layer_class(), "group_discard", group_discard)

    communicator, connected, _ = await connect(world.reviewers[0], world.session)
    message, code = await unavailable_then_closed(communicator)

    await communicator.disconnect()

    assert connected and (message, code) == (DATABASE, 4013)
    assert discarded == [services.group_name_for(world.session.pk)]  # joined, then left once


async def test_a_database_down_while_checking_the_participant_closes_with_4013(monkeypatch):
    world = await make_world()
    monkeypatch.setattr(
        SessionConsumer, "_is_participant", async_failing(OperationalError("no connection"))
    )

    communicator, connected, _ = await connect(world.reviewers[0], world.session)
    message, code = await unavailable_then_closed(communicator)

    assert connected and (message, code) == (DATABASE, 4013)
    await communicator.disconnect()


async def test_a_save_during_a_database_outage_says_unavailable_with_its_ref(monkeypatch):
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)
    monkeypatch.setattr(services, "score_save", failing(OperationalError("terminating")))

    await communicator.send_json_to(
        {"type": "score.save", "ref": "s1", "item": world.items[0].pk, "criterion": 1, "value": 4}
    )
    message, code = await unavailable_then_closed(communicator, ref="s1")

    assert (message, code) == (DATABASE, 4013)
    assert not await sync_to_async(Score.objects.exists)()
    await communicator.disconnect()


async def test_a_heartbeat_during_a_database_outage_closes_with_4013(monkeypatch):
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)
    monkeypatch.setattr(services, "connection_touch", failing(InterfaceError("closed")))

    await communicator.send_json_to({"type": "ping", "ref": "hb"})
    message, code = await unavailable_then_closed(communicator, ref="hb")

    assert (message, code) == (DATABASE, 4013)
    await communicator.disconnect()


async def test_a_broadcast_failing_after_the_commit_still_acknowledges_the_saved_change(
    monkeypatch,
):
    """The submission is committed before the broadcast: answering "unavailable" would make the
    client retry a change that was saved. The viewers resync when they reconnect."""
    world = await make_world()
    await sync_to_async(world.score_all)(world.reviewers[0], world.items[0], (1, 4, 2))
    communicator, _, _ = await connect(world.reviewers[0], world.session)
    monkeypatch.setattr(layer_class(), "group_send", async_failing(RedisConnectionError("refused")))

    await communicator.send_json_to({"type": "submit", "ref": "sub", "item": world.items[0].pk})
    frame = await receive_until(communicator, has_ref("sub"))

    assert frame["type"] == "ack"
    assert await sync_to_async(
        Submission.objects.filter(participant__user=world.reviewers[0]).exists
    )()
    await communicator.disconnect()


async def test_a_pushed_snapshot_during_a_database_outage_closes_with_4013(monkeypatch):
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)
    # A pushed frame comes from the worker's shared view of the new version.
    monkeypatch.setattr(hub, "_read_view", failing(OperationalError("the database is starting")))

    await sync_to_async(world.score_all)(world.reviewers[1], world.items[0], (1, 4, 2))
    await sync_to_async(world.submit)(world.reviewers[1], world.items[0])
    message, code = await unavailable_then_closed(communicator)

    assert (message, code) == (DATABASE, 4013)
    await communicator.disconnect()


async def test_the_channel_layer_failing_under_an_idle_socket_closes_with_4013(monkeypatch):
    world = await make_world()
    redis_gone = asyncio.Event()
    real_receive = layer_class().receive

    async def receive(self, channel):
        # Waits like a blocking pop on Redis; fails when the test takes Redis away.
        waiting = asyncio.ensure_future(real_receive(self, channel))
        gone = asyncio.ensure_future(redis_gone.wait())
        done, _ = await asyncio.wait({waiting, gone}, return_when=asyncio.FIRST_COMPLETED)
        if gone in done:
            waiting.cancel()
            raise RedisConnectionError("Connection reset by peer")
        gone.cancel()
        return waiting.result()

    monkeypatch.setattr(layer_class(), "receive", receive)
    communicator, connected, _ = await connect(world.reviewers[0], world.session)
    assert connected
    await receive_until(communicator, lambda f: f.get("type") == "snapshot")

    redis_gone.set()
    message, code = await unavailable_then_closed(communicator)

    assert (message, code) == (LAYER, 4013)
    await communicator.disconnect()


async def test_leaving_during_an_outage_is_quiet(monkeypatch, caplog):
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)
    await receive_until(communicator, lambda f: f.get("type") == "snapshot")
    monkeypatch.setattr(
        layer_class(), "group_discard", async_failing(RedisConnectionError("refused"))
    )

    with caplog.at_level(logging.WARNING, logger="sessions.consumers"):
        await communicator.disconnect()

    assert any("cleanup failed" in record.getMessage() for record in caplog.records)


async def test_after_an_outage_the_next_connection_works(monkeypatch):
    world = await make_world()
    with monkeypatch.context() as patch:
        patch.setattr(services, "connection_open", failing(OperationalError("down")))
        first, _, _ = await connect(world.reviewers[0], world.session)
        await unavailable_then_closed(first)
        await first.disconnect()

    second, connected, _ = await connect(world.reviewers[0], world.session)
    await second.send_json_to({"type": "ping", "ref": "back"})
    pong = await receive_until(second, has_ref("back"))

    assert connected and pong["type"] == "pong"
    await second.disconnect()


async def test_the_consumer_ends_when_the_database_fails_as_the_client_leaves(monkeypatch):
    import channels.generic.websocket

    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)
    await receive_until(communicator, lambda f: f.get("type") == "snapshot")
    monkeypatch.setattr(
        channels.generic.websocket,
        "aclose_old_connections",
        async_failing(OperationalError("the database went away")),
    )

    await communicator.disconnect()  # raises if the consumer crashed or never stopped

    assert communicator.future.done() and communicator.future.exception() is None
