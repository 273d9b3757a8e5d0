"""A Python client of the live room that speaks the browser's protocol (static/js/live.js).

It logs in over HTTP (session cookie and CSRF token, as the login form does), opens
/ws/sessions/<id>/, keeps every unacknowledged rating in an outbox keyed by criterion and
re-sends it after reconnecting (the server keeps the newest `ts`), and moves to the next server
when one stops answering. Used by bench/load.py and by the fault tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_ts_counter = itertools.count()


class Refused(Exception):
    """The server answered a request with an error frame."""

    def __init__(self, frame: dict):
        super().__init__(frame.get("message") or frame.get("code") or "refused")
        self.frame = frame


class Unavailable(Exception):
    """No server accepted the websocket within the time allowed."""


def next_ts() -> int:
    # Milliseconds, strictly increasing within this process, like the browser's #nextTs.
    return int(time.time() * 1000) * 1000 + next(_ts_counter) % 1000


@dataclass
class Stats:
    connect_s: list[float] = field(default_factory=list)
    ack_s: list[float] = field(default_factory=list)
    reconnects: int = 0
    unavailable: int = 0  # "unavailable" error frames (the server's outage notice)
    dead_links: int = 0  # sockets given up because nothing came back (as the browser does)
    resent: int = 0
    closes: list[int | None] = field(default_factory=list)
    error_frames: list[dict] = field(default_factory=list)


class RoomClient:
    def __init__(
        self,
        *,
        servers: list[str],
        session_id: int,
        username: str,
        password: str,
        home: int = 0,
    ):
        self.servers = servers  # http://host:port of each worker; `home` is tried first
        self.server = home % len(servers)
        self.session_id = session_id
        self.username = username
        self.password = password
        self.cookie = ""
        self.socket = None
        self.snapshot: dict | None = None
        self.snapshot_at = 0.0
        self.snapshots = 0
        self.outbox: dict[tuple, dict] = {}  # (item, criterion) -> the newest unacked save
        self.acked: dict[tuple, dict] = {}  # (item, criterion) -> the newest acked save
        self.pending: dict[str, asyncio.Future] = {}
        self.sent_at: dict[str, float] = {}
        self.stats = Stats()
        self.watchers: list[tuple[Callable[[dict], bool], asyncio.Future]] = []
        self.reader: asyncio.Task | None = None
        self.closing = False
        self.liveness = 5.0  # seconds of silence before a waiting client pings

    # --- HTTP login ---------------------------------------------------------------------

    async def login(self, http: httpx.AsyncClient | None = None) -> float:
        """Logs in through the login form; returns the seconds it took. A given `http` client
        must be this person's own: its cookie jar holds their session."""
        started = time.perf_counter()
        base = self.servers[self.server]
        own = http is None
        http = http or httpx.AsyncClient(timeout=30)
        try:
            page = await http.get(f"{base}/accounts/login/")
            page.raise_for_status()
            token = CSRF_INPUT.search(page.text).group(1)
            answer = await http.post(
                f"{base}/accounts/login/",
                data={
                    "username": self.username,
                    "password": self.password,
                    "csrfmiddlewaretoken": token,
                },
                headers={"Referer": f"{base}/accounts/login/"},
            )
            if answer.status_code != 302:
                raise RuntimeError(f"login of {self.username} failed: HTTP {answer.status_code}")
            jar = dict(http.cookies.items())
        finally:
            if own:
                await http.aclose()
        self.cookie = "; ".join(f"{name}={value}" for name, value in jar.items())
        return time.perf_counter() - started

    # --- the websocket ------------------------------------------------------------------

    def _ws_url(self) -> str:
        return self.servers[self.server].replace("http://", "ws://", 1) + (
            f"/ws/sessions/{self.session_id}/"
        )

    async def connect(self, *, timeout: float = 30) -> float:
        """Opens the room and waits for the first snapshot; returns the seconds it took.

        After a failure it tries the next server, with a growing pause, until `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        pause = 0.2
        while True:
            started = time.perf_counter()
            try:
                await self._open()
            except (OSError, InvalidHandshake, ConnectionClosed, TimeoutError) as error:
                if loop.time() + pause > deadline:
                    raise Unavailable(f"{self.username}: no server took the socket") from error
                self.server = (self.server + 1) % len(self.servers)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 2.0)
                continue
            elapsed = time.perf_counter() - started
            self.stats.connect_s.append(elapsed)
            return elapsed

    async def _open(self) -> None:
        server = self.servers[self.server]
        self.socket = await asyncio.wait_for(
            websockets.connect(
                self._ws_url(),
                origin=server,
                additional_headers={"Cookie": self.cookie},
                max_size=None,
                ping_interval=None,  # the room has its own heartbeat
                open_timeout=10,
            ),
            timeout=12,
        )
        first = json.loads(await asyncio.wait_for(self.socket.recv(), timeout=15))
        if first.get("type") != "snapshot":
            await self.socket.close()
            raise ConnectionClosed(None, None)
        self._take_snapshot(first)
        self.reader = asyncio.create_task(self._read(self.socket))
        # What the server has not acknowledged goes again (it keeps the newest ts).
        for entry in list(self.outbox.values()):
            self.stats.resent += 1
            await self._send_save(entry)

    async def _read(self, socket) -> None:
        try:
            async for raw in socket:
                self._dispatch(json.loads(raw))
        except ConnectionClosed:
            pass
        code = socket.close_code
        self.stats.closes.append(code)
        # Requests in flight fail now; the outbox keeps the ratings for the resend.
        for ref, future in list(self.pending.items()):
            if not future.done():
                future.set_exception(ConnectionError(f"socket closed ({code})"))
                future.exception()  # retrieved: a superseded request has no one waiting
            self.pending.pop(ref, None)

    def _dispatch(self, frame: dict) -> None:
        kind = frame.get("type")
        if kind == "snapshot":
            self._take_snapshot(frame)
            future = self.pending.pop(frame.get("ref"), None) if frame.get("ref") else None
            if future is not None and not future.done():
                future.set_result(frame)  # the answer to a sync
        elif kind in ("ack", "error", "pong"):
            ref = frame.get("ref")
            if kind == "error" and ref is None:
                self.stats.error_frames.append(frame)
            if kind == "error" and frame.get("code") == "unavailable":
                # The server lost its database or Redis and will close: retry, don't drop.
                self.stats.unavailable += 1
            future = self.pending.pop(ref, None) if ref is not None else None
            if future is not None and not future.done():
                if kind == "error" and frame.get("code") == "unavailable":
                    future.set_exception(ConnectionError(frame.get("message")))
                elif kind == "error":
                    future.set_exception(Refused(frame))
                else:
                    future.set_result(frame)

    def _take_snapshot(self, frame: dict) -> None:
        self.snapshot = frame
        self.snapshot_at = time.perf_counter()
        self.snapshots += 1
        for predicate, future in list(self.watchers):
            if not future.done() and predicate(frame):
                future.set_result(self.snapshot_at)
                self.watchers.remove((predicate, future))

    @property
    def connected(self) -> bool:
        return self.socket is not None and self.reader is not None and not self.reader.done()

    async def ensure_connected(self, *, timeout: float = 30) -> None:
        if not self.connected:
            self.stats.reconnects += 1
            await self.connect(timeout=timeout)

    async def request(self, kind: str, payload: dict | None = None, *, timeout: float = 10):
        ref = uuid.uuid4().hex[:12]
        future = asyncio.get_running_loop().create_future()
        self.pending[ref] = future
        await self.socket.send(json.dumps({"type": kind, "ref": ref, **(payload or {})}))
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self.pending.pop(ref, None)

    # --- ratings with an outbox ----------------------------------------------------------

    async def _send_save(self, entry: dict) -> asyncio.Future:
        ref = uuid.uuid4().hex[:12]
        entry["ref"] = ref
        future = asyncio.get_running_loop().create_future()
        self.pending[ref] = future
        self.sent_at[ref] = time.perf_counter()
        key = (entry["item"], entry["criterion"])
        future.add_done_callback(lambda done, ref=ref, key=key: self._saved(done, ref, key))
        await self.socket.send(
            json.dumps(
                {
                    "type": "score.save",
                    "ref": ref,
                    "item": entry["item"],
                    "criterion": entry["criterion"],
                    "value": entry["value"],
                    "na": entry["na"],
                    "comment": entry["comment"],
                    "ts": entry["ts"],
                }
            )
        )
        return future

    def _saved(self, future: asyncio.Future, ref: str, key: tuple) -> None:
        sent = self.sent_at.pop(ref, None)
        if future.cancelled() or future.exception() is not None:
            return
        entry = self.outbox.get(key)
        if entry is not None and entry["ref"] == ref:
            # Only the ack of the newest change for a criterion empties its slot.
            del self.outbox[key]
            self.acked[key] = entry
            if sent is not None:
                self.stats.ack_s.append(time.perf_counter() - sent)

    async def save(self, *, item: int, criterion: int, value, na=False, comment="") -> None:
        """Queues a rating and sends it; returns once it is acknowledged (resending it after
        any reconnect), or raises Refused if the server says no."""
        key = (item, criterion)
        entry = {
            "item": item,
            "criterion": criterion,
            "value": value,
            "na": na,
            "comment": comment,
            "ts": next_ts(),
        }
        self.outbox[key] = entry
        while self.outbox.get(key) is entry:
            try:
                await self.ensure_connected()
                future = self.pending.get(entry.get("ref") or "")
                if future is None:
                    future = await self._send_save(entry)
                await asyncio.wait_for(asyncio.shield(future), timeout=10)
            except Refused:
                self.outbox.pop(key, None)
                raise
            except TimeoutError:
                # Nothing came back at all: the link is dead though still open. Drop it and
                # reconnect, as the browser does when its request goes unanswered.
                entry["ref"] = None
                if self.connected:
                    self.stats.dead_links += 1
                    self.socket.transport.abort()
                    await asyncio.gather(self.reader, return_exceptions=True)
            except (ConnectionError, ConnectionClosed, OSError):
                entry["ref"] = None
                await asyncio.sleep(0.1)

    async def wait_for(self, predicate: Callable[[dict], bool], *, timeout: float) -> float:
        """perf_counter time of the first snapshot for which predicate holds, reconnecting
        (and so resyncing from a fresh snapshot) whenever the socket has dropped."""
        if self.snapshot is not None and predicate(self.snapshot):
            return self.snapshot_at
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        future = loop.create_future()
        self.watchers.append((predicate, future))
        try:
            while True:
                left = deadline - loop.time()
                if left <= 0:
                    raise TimeoutError(f"{self.username}: still waiting after {timeout} s")
                if not self.connected:
                    await self.ensure_connected(timeout=left)
                    continue
                quiet = self.snapshot_at
                done, _ = await asyncio.wait(
                    {future, self.reader},
                    timeout=min(left, self.liveness),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if future in done:
                    return future.result()
                if not done and self.snapshot_at == quiet:
                    await self._check_alive()
        finally:
            if (predicate, future) in self.watchers:
                self.watchers.remove((predicate, future))

    async def _check_alive(self) -> None:
        """A quiet socket gets a ping; no answer at all means the link is dead (the browser's
        heartbeat does the same), so drop it and let the caller reconnect."""
        try:
            await self.request("ping", timeout=self.liveness)
        except TimeoutError:
            if self.connected:
                self.stats.dead_links += 1
                self.socket.transport.abort()
                await asyncio.gather(self.reader, return_exceptions=True)
        except (ConnectionError, ConnectionClosed, Refused, OSError):
            pass

    async def heartbeat(self, every: float) -> None:
        """Pings like the browser does, so the presence sweep keeps this connection."""
        while not self.closing:
            await asyncio.sleep(every)
            if self.connected:
                with contextlib.suppress(ConnectionError, TimeoutError, ConnectionClosed, Refused):
                    await self.request("ping", timeout=every)

    async def close(self) -> None:
        self.closing = True
        if self.socket is not None:
            await self.socket.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


def all_revealed(snapshot: dict) -> bool:
    return bool(snapshot["items"]) and all(item["revealed"] for item in snapshot["items"])


def everyone_submitted(snapshot: dict) -> bool:
    return all(item["submitted"] >= item["total"] > 0 for item in snapshot["items"])


__all__ = [
    "InvalidStatus",
    "Refused",
    "RoomClient",
    "Unavailable",
    "all_revealed",
    "everyone_submitted",
]
