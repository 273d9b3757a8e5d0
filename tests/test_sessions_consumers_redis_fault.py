"""The consumer on a real Redis that goes away (issue 13), with a throwaway redis-server.

Never the machine's shared Redis: each test starts its own on a free port and stops it.
"""

import asyncio
import shutil
import socket
import subprocess
import time

import pytest
from channels.layers import channel_layers

from .live_socket import connect, make_world, receive_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_server(tmp_path):
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    yield process, port
    process.kill()
    process.wait()


@pytest.fixture
def redis_layer(settings, redis_server):
    """A Redis channel layer on the throwaway server (read timeout past the 5 s pop, as in
    calibration/settings.py, so only the outage closes anything)."""
    _, port = redis_server
    host = {"address": f"redis://127.0.0.1:{port}/0", "socket_timeout": 15}
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [host]},
        }
    }
    channel_layers.backends.clear()
    yield redis_server
    channel_layers.backends.clear()


async def closed_with(communicator, timeout):
    message = await communicator.receive_output(timeout=timeout)
    while message["type"] == "websocket.send":
        message = await communicator.receive_output(timeout=timeout)
    return message


async def test_redis_dying_under_an_idle_socket_gives_unavailable_and_4013(redis_layer):
    process, _ = redis_layer
    world = await make_world()
    communicator, connected, _ = await connect(world.reviewers[0], world.session)
    assert connected
    await receive_until(communicator, lambda f: f.get("type") == "snapshot")

    process.kill()
    await asyncio.to_thread(process.wait)
    frame = await receive_until(communicator, lambda f: f.get("type") == "error", timeout=20)
    close = await closed_with(communicator, timeout=5)

    assert frame["code"] == "unavailable" and "live-update service" in frame["message"]
    assert close == {"type": "websocket.close", "code": 4013}
    await communicator.disconnect(timeout=10)


async def test_connecting_while_redis_is_down_gives_4013_not_an_open_socket(redis_layer):
    process, _ = redis_layer
    world = await make_world()
    process.kill()
    await asyncio.to_thread(process.wait)

    communicator, connected, _ = await connect(world.reviewers[0], world.session)
    frame = await receive_until(communicator, lambda f: f.get("type") == "error", timeout=20)
    close = await closed_with(communicator, timeout=5)

    assert connected and frame["code"] == "unavailable"
    assert close == {"type": "websocket.close", "code": 4013}
    await communicator.disconnect(timeout=10)
