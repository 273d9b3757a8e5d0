"""What the live consumers of one session share inside one daphne worker.

A change reaches every consumer of the session as a "look again" event. Without this, each of
them would read the session row, who is online and the shared state again: twenty viewers,
twenty times the same queries. The hub makes each read once per worker and event:

- `view(version)`: the session row, its shared state (`selectors.snapshot.shared_state`) and who
  is online, read once for all consumers waiting for that version (single flight);
- `online(event_id)`: who is online, read once per presence announcement;
- `figures(view)`: the agreement figures of a version computed once, after the version itself
  went out, then sent to the consumers still showing it;
- `sweep_due()`: the heartbeat's sweep of dead connections, once per session and interval.

The hub holds only what every viewer may see (revealed data, presence); each consumer derives
its own viewer's frame from it through the one visibility function and viewer policy.
Database calls run on a small thread pool (`db`), each on a pooled connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.conf import settings

from .models import CONNECTION_EXPIRY, CalibrationSession
from .selectors import snapshot as snapshots

logger = logging.getLogger(__name__)


# Consumer database calls used to run one after another on asgiref's one thread-sensitive
# thread. They are independent (each opens, uses and closes its own pooled connection inside
# one call), so a few threads run them side by side; never more than the pool holds.
def _new_db_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=max(1, min(8, getattr(settings, "DB_POOL_MAX_SIZE", 4))),
        thread_name_prefix="live-db",
    )


DB_THREADS = _new_db_threads()


def _db_threads_after_fork() -> None:
    # A forked child inherits the executor but none of its threads: an executor that had idle
    # threads believes it still has them and never starts one, so every call would wait
    # forever (a live server forked from a process that had used the pool never answered).
    global DB_THREADS
    DB_THREADS = _new_db_threads()


os.register_at_fork(after_in_child=_db_threads_after_fork)
SWEEP_EVERY = CONNECTION_EXPIRY.total_seconds() / 3


# SQLite has one writer and no row locks: two transactions that read, then write, fail with
# "database is locked" instead of waiting. There the calls stay on the one thread.
SERIAL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


def db(func):
    """`database_sync_to_async` on the live thread pool (connections closed after each call)."""
    if SERIAL:
        return database_sync_to_async(func)
    return database_sync_to_async(func, thread_sensitive=False, executor=DB_THREADS)


@dataclass(frozen=True)
class View:
    """One version of a session as every viewer in this worker shares it."""

    session: CalibrationSession
    shared: snapshots.SharedState
    online: frozenset[int]

    @property
    def version(self) -> int:
        return self.shared.version


def _read_view(
    session_id: int, previous: View | None = None, reasons: dict | None = None
) -> View | None:
    session = CalibrationSession.objects.filter(pk=session_id).first()
    if session is None:
        return None
    reasons = reasons or {}
    if (
        previous is not None
        and previous.version < session.version
        and all(
            reasons.get(version) == "submitted"
            for version in range(previous.version + 1, session.version + 1)
        )
    ):
        # Only submissions since the view we have (the events said so): progress only.
        shared = snapshots.shared_state_after_submissions(session, previous.shared)
    else:
        # Without the figures: they follow (Hub.figures), so a reveal is not held up by them.
        shared = snapshots.shared_state(session, figures=False)
    return View(session, shared, frozenset(snapshots.online_participants(session)))


class Hub:
    clock = staticmethod(time.monotonic)

    def __init__(self, session_id: int):
        self.session_id = session_id
        self.consumers: set = set()
        self.version = 0  # the newest version this worker has heard of
        self.latest: View | None = None
        self.reasons: dict[int, str] = {}
        self._building: asyncio.Future | None = None
        self._online: tuple[float, frozenset[int]] = (-1.0, frozenset())
        self._online_reads: dict[str, asyncio.Future] = {}
        self._online_now: asyncio.Future | None = None  # the read in flight
        self._online_next: asyncio.Future | None = None  # the read that starts after it
        self._figures: dict[int, asyncio.Future] = {}
        self._swept_at = float("-inf")

    # --- versions --------------------------------------------------------------------

    def heard(self, version: int | None, reason: str | None = None) -> None:
        if version is None:
            return
        if version > self.version:
            self.version = version
        if reason is not None:
            # What made each version, so a version made by submissions alone is built from
            # the one before it (sessions.selectors.snapshot.shared_state_after_submissions).
            self.reasons[version] = reason
            while len(self.reasons) > 256:
                self.reasons.pop(next(iter(self.reasons)))

    async def view(self, version: int = 0) -> View | None:
        """A view of at least `version` (the one an event announced), read once for every
        consumer waiting; None if the session is gone."""
        for _ in range(3):
            latest = self.latest
            if latest is not None and latest.version >= version:
                return latest
            if self._building is None:
                self._building = asyncio.ensure_future(self._build())
            view = await asyncio.shield(self._building)
            if view is None:
                return None
            if view.version >= version:
                return view
            # That read had started before the change committed: once more.
        return self.latest

    async def _build(self) -> View | None:
        started = self.clock()
        try:
            view = await db(_read_view)(self.session_id, self.latest, dict(self.reasons))
        finally:
            self._building = None
        if view is not None:
            self.heard(view.version)
            if self.latest is None or view.version >= self.latest.version:
                self.latest = view
            self._take_online(started, view.online)
        return view

    # --- presence ----------------------------------------------------------------------

    def online_now(self, view: View) -> frozenset[int]:
        """Who is online: the newest read, whether by a view or by a presence announcement."""
        return self._online[1] if self._online[0] >= 0 else view.online

    def _take_online(self, started: float, online: frozenset[int]) -> None:
        if started >= self._online[0]:
            self._online = (started, online)

    async def online(self, event_id: str | None) -> frozenset[int]:
        """Who is online after the announcement `event_id`, read once for all consumers.

        A burst of announcements (a room of twenty connecting) costs one read in flight and
        one more after it for all that arrived meanwhile, not one per announcement."""
        read = self._online_reads.get(event_id) if event_id else None
        if read is None:
            if self._online_next is None:
                self._online_next = asyncio.ensure_future(self._read_online_after(self._online_now))
            read = self._online_next
            if event_id:
                self._online_reads[event_id] = read
                while len(self._online_reads) > 32:
                    self._online_reads.pop(next(iter(self._online_reads)))
        return await asyncio.shield(read)

    async def _read_online_after(self, running: asyncio.Future | None) -> frozenset[int]:
        if running is not None:
            # Started before these announcements: its answer may predate them.
            await asyncio.gather(running, return_exceptions=True)
        self._online_now, self._online_next = self._online_next, None
        try:
            return await self._read_online()
        finally:
            if self._online_now is asyncio.current_task():
                self._online_now = None

    async def _read_online(self) -> frozenset[int]:
        started = self.clock()
        online = frozenset(await db(snapshots.online_participants)(self.session_id))
        self._take_online(started, online)
        return self._online[1]

    def presence_text(self, online: frozenset[int]) -> str:
        return json.dumps(snapshots.presence_frame(set(online)))

    # --- agreement figures -------------------------------------------------------------

    def figures(self, view: View) -> None:
        """Computes the figures of `view` once (in the background) and sends them to every
        consumer still showing that version."""
        if view.shared.agreement is not None or view.version in self._figures:
            return
        task = asyncio.ensure_future(db(snapshots.shared_figures)(view.shared, view.session))
        self._figures[view.version] = task
        while len(self._figures) > 8:
            self._figures.pop(next(iter(self._figures)))
        task.add_done_callback(lambda done: self._figures_done(done, view))

    def _figures_done(self, task: asyncio.Future, view: View) -> None:
        if task.cancelled():
            return
        if task.exception() is not None:
            # The version's next frame (or the client's next sync) computes them again.
            logger.warning("Session %s: figures failed: %r", self.session_id, task.exception())
            self._figures.pop(view.version, None)
            return
        text = json.dumps(snapshots.figures_frame(view.shared))
        for consumer in list(self.consumers):
            consumer.figures_ready(view.version, text)

    # --- heartbeat sweep ---------------------------------------------------------------

    def sweep_due(self) -> bool:
        now = self.clock()
        if now - self._swept_at < SWEEP_EVERY:
            return False
        self._swept_at = now
        return True


_hubs: dict[int, Hub] = {}


def hub_for(session_id: int, consumer) -> Hub:
    hub = _hubs.get(session_id)
    if hub is None:
        hub = _hubs[session_id] = Hub(session_id)
    hub.consumers.add(consumer)
    return hub


def hub_leave(hub: Hub, consumer) -> None:
    hub.consumers.discard(consumer)
    if not hub.consumers and _hubs.get(hub.session_id) is hub:
        del _hubs[hub.session_id]
