"""The Redis channel layer keeps idle websockets alive.

channels-redis waits on Redis in a blocking pop of 5 s for every consumer; redis-py 8 cuts any
read after 5 s by default, so with a bare REDIS_URL every idle websocket was closed with 1011
within seconds (django/channels_redis#422). Here a real daphne server with the Redis layer holds
a room's websocket through 35 quiet seconds and then still delivers a broadcast.

Runs where REDIS_URL is set (CI's PostgreSQL + Redis run; there a missing REDIS_URL fails).
"""

import asyncio
import base64
import json
import os
import struct
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from asgiref.sync import SyncToAsync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connections
from django.test import Client

from sessions.services import group_name_for

from .conftest import IN_CI
from .factories import SessionWorld

pytestmark = pytest.mark.django_db(transaction=True)

IDLE_SECONDS = 35


@pytest.fixture(autouse=True)
def _needs_redis():
    if os.environ.get("REDIS_URL"):
        return
    # CI's second run sets DATABASE_URL and REDIS_URL together; its first run sets neither.
    if IN_CI and os.environ.get("DATABASE_URL"):
        pytest.fail("REDIS_URL is required under CI=true in the PostgreSQL + Redis run")
    pytest.skip("the idle-socket timeouts are those of the Redis channel layer (set REDIS_URL)")


@pytest.fixture
def daphne_port(django_db_blocker):
    """A real daphne server on a free port, in a child process, on the test database."""
    from channels.testing.live import make_application
    from daphne.testing import DaphneProcess
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    with django_db_blocker.unblock():
        # The child must share neither the parent's database sockets (pooled ones included)
        # nor asgiref's thread-sensitive executor, whose thread does not survive the fork.
        for connection in connections.all():
            connection.close()
            if hasattr(connection, "close_pool"):
                connection.close_pool()
        SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
        process = DaphneProcess(
            "127.0.0.1", partial(make_application, static_wrapper=ASGIStaticFilesHandler)
        )
        process.start()
        while not process.ready.wait(timeout=1):
            if not process.is_alive():
                raise RuntimeError("The daphne server stopped while starting")
    yield process.port.value
    process.terminate()
    process.join()


class Closed(Exception):
    def __init__(self, code):
        super().__init__(f"the server closed the websocket with code {code}")
        self.code = code


class Websocket:
    """Just enough of RFC 6455 for a test client: text frames, ping/pong and close."""

    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int, path: str, cookie: str) -> "Websocket":
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET {path} HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{port}\r\n"
                "Upgrade: websocket\r\n"
                "Connection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n"
                f"Origin: http://127.0.0.1:{port}\r\n"
                f"Cookie: {cookie}\r\n\r\n"
            ).encode()
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        status = head.split(b"\r\n", 1)[0]
        assert b" 101 " in status, status
        return cls(reader, writer)

    async def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self.writer.write(header + mask + masked)
        await self.writer.drain()

    async def _frame(self) -> tuple[bool, int, bytes]:
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        mask = await self.reader.readexactly(4) if second & 0x80 else None
        payload = await self.reader.readexactly(length)
        if mask:
            payload = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        return bool(first & 0x80), first & 0x0F, payload

    async def _message(self) -> dict:
        """The next text message; answers pings on the way, raises Closed on a close."""
        parts = []
        while True:
            try:
                final, opcode, payload = await self._frame()
            except asyncio.IncompleteReadError:
                raise Closed(None) from None
            if opcode == 0x9:  # ping: a browser answers these by itself
                await self._send(0xA, payload)
            elif opcode == 0x8:
                raise Closed(struct.unpack("!H", payload[:2])[0] if payload else None)
            elif opcode in (0x1, 0x0):
                parts.append(payload)
                if final:
                    return json.loads(b"".join(parts))

    async def receive(self, timeout: float) -> dict:
        return await asyncio.wait_for(self._message(), timeout)

    async def frames_for(self, seconds: float) -> list[dict]:
        """Every message that arrives in the next `seconds`, staying otherwise silent."""
        frames = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (left := deadline - loop.time()) > 0:
            try:
                frames.append(await self.receive(timeout=left))
            except TimeoutError:
                break
        return frames

    async def close(self) -> None:
        try:
            await self._send(0x8, struct.pack("!H", 1000))
            await asyncio.wait_for(self.frames_for(5), timeout=6)
        except (Closed, ConnectionError, TimeoutError):
            pass
        self.writer.close()


def _cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def _idle_then_broadcast(port: int, session_id: int, cookie: str):
    socket = await Websocket.connect(port, f"/ws/sessions/{session_id}/", cookie)
    try:
        first = await socket.receive(timeout=10)
        idle_frames = await socket.frames_for(IDLE_SECONDS)

        layer = get_channel_layer()
        await layer.group_send(
            group_name_for(session_id),
            {"type": "session.changed", "session_id": session_id, "reason": "presence"},
        )
        after = await socket.receive(timeout=10)
        return first, idle_frames, after
    finally:
        await socket.close()
        await get_channel_layer().close_pools()


def test_an_idle_websocket_stays_open_and_still_receives_broadcasts(daphne_port):
    world = SessionWorld(reviewers=1, interactions=1).start()
    reviewer = world.reviewers[0]

    try:
        first, idle_frames, after = asyncio.run(
            _idle_then_broadcast(daphne_port, world.session.pk, _cookie_for(reviewer))
        )
    except Closed as closed:
        pytest.fail(f"The idle websocket was closed (code {closed.code})")

    assert first["type"] == "snapshot"
    # Idle, it hears only the room's own news (its own arrival as a small presence frame).
    assert all(frame["type"] in {"snapshot", "presence"} for frame in idle_frames)
    # A presence announcement travels as a presence frame; it rebuilds no snapshot.
    assert after["type"] == "presence"
