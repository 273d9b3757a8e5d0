"""The live session over a websocket: /ws/sessions/<session id>/.

The consumer is an interface: it checks who is talking, validates the frame against the message
table (`sessions.protocol` does the checking), makes one service call and answers with an ack or
an error frame. State changes are announced by the services after commit as
{"type": "session.changed"}; each consumer then sends its viewer the frame they may see. Values
never travel on the channel layer.

Frames to the client (besides acks and errors):
- "snapshot": everything the viewer may see, with the session's `version`; on connect, on sync,
  and after every change (derived from the worker's shared view of that version, sessions.hub;
  a consumer that falls behind skips to the newest version);
- "presence": {"online": [participant ids]} when someone comes or goes (nothing else changed);
- "figures": {"version", "agreement"} the agreement figures of a version whose snapshot said
  `figures_pending` (they take a bootstrap, so a reveal goes out first);
- "pong": the heartbeat's answer, with the newest `version` the server knows: a client showing
  an older one missed an event and syncs.

Every error frame is {"type": "error", "code", "ref", "message"}; the codes:
- "bad_frame": the frame is unreadable or its fields are wrong; nothing changed.
- "refused": the session refused the action (the message says why); nothing changed.
- "rate_limited": too many messages; nothing changed; "retry_after" says when to try again.
- "unavailable": the database or the channel layer failed; the socket closes with 4013 (try
  again later) and the client reconnects, resending what was not acknowledged.
- "server_error": a bug; logged, nothing of it in the frame; the connection stays open.
Nothing received ends the connection except an outage.
"""

from __future__ import annotations

import asyncio
import logging
import time

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db import Error as DatabaseError
from django.db import InterfaceError, OperationalError

from . import protocol, selectors, services
from .hub import Hub, View, db, hub_for, hub_leave
from .models import CalibrationSession, SessionKind, UnsubmittedPolicy
from .protocol import FLAG, ID, RATING, TEXT, TIMESTAMP, FrameError, Message, optional, required
from .selectors import snapshot as snapshots

try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError:  # the in-memory layer needs no Redis client
    RedisConnectionError = RedisTimeoutError = OSError

logger = logging.getLogger(__name__)

# Failures of the database or the channel layer that pass: the client should come back later.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    OSError,  # includes ConnectionError and TimeoutError (asyncio's too)
)
# RFC 6455 reserves 1013 "Try Again Later" for servers, but daphne (autobahn) may only send
# 1000 or 3000-4999: the application code 4013 carries the same meaning.
TRY_AGAIN_LATER = 4013

RATING_FIELDS = {
    "item": required(ID),
    "criterion": required(ID),
    "value": optional(RATING),
    "na": optional(FLAG),
}


async def shielded(operation):
    """A channel-layer call that a cancelled consumer (daphne cancels one that outlives its
    close timeout, as an overloaded handshake does) lets finish. In the 50-session benchmark
    both workers' Redis pools sat at their cap of 100 connections, all idle in Redis with
    EXPIRE or ZREM (group_add, group_discard) as their last command: a command cancelled in
    flight kept its connection, and every later call failed with MaxConnectionsError."""
    return await asyncio.shield(asyncio.ensure_future(operation))


class SessionConsumer(AsyncJsonWebsocketConsumer):
    # Message type -> its handler and the only fields it may carry besides "type" and "ref".
    # Role and state checks live in the services, which name the reason.
    HANDLERS = {
        "ping": Message("handle_ping"),
        "sync": Message("handle_sync"),
        "score.save": Message(
            "handle_score_save",
            {**RATING_FIELDS, "comment": optional(TEXT), "ts": optional(TIMESTAMP)},
        ),
        "submit": Message("handle_submit", {"item": required(ID)}),
        "start": Message("handle_start"),
        "reveal": Message(
            "handle_reveal",
            {"item": optional(ID), "policy": optional(protocol.choice(*UnsubmittedPolicy.values))},
        ),
        "revision.save": Message(
            "handle_revision_save", {**RATING_FIELDS, "comment": optional(TEXT)}
        ),
        "consensus.save": Message(
            "handle_consensus_save", {**RATING_FIELDS, "note": optional(TEXT)}
        ),
        "consensus.accept_unanimous": Message(
            "handle_consensus_accept_unanimous", {"item": required(ID), "criterion": optional(ID)}
        ),
        # A wish to discuss one criterion of one interaction, before or after the reveal.
        "flag.set": Message(
            "handle_flag_set",
            {"item": required(ID), "criterion": required(ID), "flagged": required(FLAG)},
        ),
        # The discussion's time box; "minutes" is a whole number (the service says 1 to 60).
        "timebox.start": Message(
            "handle_timebox_start",
            {"item": required(ID), "criterion": required(ID), "minutes": required(ID)},
        ),
        "timebox.stop": Message("handle_timebox_stop"),
        "action.add": Message("handle_action_add", {"text": required(TEXT), "owner": optional(ID)}),
        "action.remove": Message("handle_action_remove", {"id": required(ID)}),
        "nudge": Message("handle_nudge", {"participant": required(ID)}),
        "close": Message("handle_close", {"confirm_undecided": optional(FLAG)}),
    }

    # Frames derived from the worker's shared view of each version (sessions.hub). A subclass
    # that builds a frame of its own (_build_snapshot) gets a fresh one per change instead.
    SHARED_FRAMES = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_build_snapshot" in cls.__dict__ and "SHARED_FRAMES" not in cls.__dict__:
            cls.SHARED_FRAMES = False

    # Per connection: 20 messages a second, in bursts of BURST plus one per item × criterion,
    # because after a reconnect the browser re-sends its whole outbox at once (one score.save
    # per unacknowledged rating) besides its heartbeat and a sync.
    RATE_PER_SECOND = 20
    BURST = 40
    clock = staticmethod(time.monotonic)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.accepted = False
        self.closing = False
        self.joined = False
        self.registered = False
        self.hub: Hub | None = None
        self.mine: dict = {}  # the viewer's own ratings, as own_scores gives them
        self.sent_version = -1  # the version of the last snapshot sent
        self.wanted_version: int | None = None  # a newer version announced, not yet sent
        self.wanted_presence: str | None = None  # a presence announcement not yet answered
        self.pusher: asyncio.Task | None = None
        self.figures_task: asyncio.Future | None = None
        self._fresh: tuple[View, dict] | None = None
        self.bucket = protocol.TokenBucket(
            rate=self.RATE_PER_SECOND, burst=self.BURST, clock=self.clock
        )

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        except TRANSIENT_ERRORS as error:
            # The channel layer's own receive failed (Redis went away): it runs outside every
            # handler, so this is the one place to turn it into a "come back later".
            # Tell the client first: with Redis down, leaving can wait for a connect timeout.
            await self.unavailable(None, error)
            await self.leave()

    async def dispatch(self, message):
        """Last resort for everything not already answered (connect, layer events)."""
        try:
            await super().dispatch(message)
        except StopConsumer:
            raise
        except Exception as error:
            if message.get("type") == "websocket.disconnect":
                # The client is gone: log it and still end the consumer.
                logger.warning("Session %s websocket: leaving failed: %r", self._id(), error)
                raise StopConsumer() from error
            if isinstance(error, TRANSIENT_ERRORS):
                await self.unavailable(None, error)
                return
            logger.exception("Session %s websocket: %s failed", self._id(), message.get("type"))
            if not self.accepted:
                # A handshake left pending would hang the browser: turn it away instead.
                await self.leave()
                await self.close(code=1011)
                return
            await self.send_error(None, "server_error", "The server could not handle this.")

    # --- opening and closing -----------------------------------------------------------

    async def connect(self):
        self.user = self.scope.get("user")
        self.session_id = self.scope["url_route"]["kwargs"]["session_id"]
        self.group = services.group_name_for(self.session_id)
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=4401)
            return
        # An id past the database's range is nobody's session: the same answer as a stranger's.
        if not 1 <= self.session_id <= protocol.MAX_ID or not await self._is_participant():
            await self.close(code=4403)
            return
        # Everything that can fail runs before the handshake is accepted, so an outage gives
        # "try again later" (4013), never an open socket that dies at once.
        try:
            await shielded(self.channel_layer.group_add(self.group, self.channel_name))
            self.joined = True
            await db(services.connection_open)(
                session_id=self.session_id, user=self.user, channel_name=self.channel_name
            )
            self.registered = True
            self.hub = hub_for(self.session_id, self)
            snapshot = await self._snapshot()
        except TRANSIENT_ERRORS as error:
            # Tell the client first: with Redis down, leaving can wait for a connect timeout.
            await self.unavailable(None, error)
            await self.leave()
            return
        except services.SessionPermissionError:
            await self.refuse(4403)
            return
        except services.SessionError:
            await self.refuse(4404)
            return
        if snapshot is None:
            await self.refuse(4404)
            return
        outbox = len(snapshot.get("items", ())) * len(snapshot.get("criteria", ()))
        self.bucket = protocol.TokenBucket(
            rate=self.RATE_PER_SECOND, burst=self.BURST + outbox, clock=self.clock
        )
        await self.accept()
        self.accepted = True
        self._showing(snapshot)
        await self.send_json(snapshot)

    async def refuse(self, code: int):
        await self.leave()
        await self.close(code=code)

    async def disconnect(self, code):
        await self.leave()

    async def leave(self):
        """Best effort: during an outage presence heals by the heartbeat's expiry instead."""
        if self.pusher is not None and not self.pusher.done():
            self.pusher.cancel()
        if self.hub is not None:
            hub_leave(self.hub, self)
        try:
            if self.joined:
                self.joined = False
                await shielded(self.channel_layer.group_discard(self.group, self.channel_name))
            if self.registered:
                self.registered = False
                await db(services.connection_close)(
                    session_id=self.session_id, channel_name=self.channel_name
                )
        except TRANSIENT_ERRORS as error:
            logger.warning("Session %s websocket: cleanup failed: %r", self._id(), error)
        except Exception:
            logger.exception("Session %s websocket: cleanup failed", self._id())

    async def _is_participant(self) -> bool:
        return await db(self._scoring_participant)()

    def _scoring_participant(self) -> bool:
        participant = selectors.participant_for(session_id=self.session_id, user=self.user)
        # A criterion review has a consumer of its own (consumers_review), not this one.
        return participant is not None and participant.session.kind == SessionKind.SCORING

    # --- incoming frames ---------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.closing:
            return
        try:
            content = protocol.decode(
                text_data, bytes_data, max_bytes=settings.WEBSOCKET_MAX_MESSAGE_BYTES
            )
        except FrameError as error:
            content, problem = None, error
        else:
            problem = None
        ref = protocol.message_ref(content)
        wait = self.bucket.take()
        if wait:
            await self.send_json(
                {
                    "type": "error",
                    "code": "rate_limited",
                    "ref": ref,
                    "message": "Too many messages at once: slow down and try again.",
                    "retry_after": round(wait, 3),
                }
            )
        elif problem is not None:
            await self.send_error(ref, "bad_frame", str(problem))
        else:
            await self.receive_json(content, ref=ref)

    async def receive_json(self, content, ref=None, **kwargs):
        kind = None
        try:
            kind, message = protocol.message_type(content, self.HANDLERS)
            values = protocol.validate(kind, message, content)
            result = await getattr(self, message.handler)(values, ref)
        except FrameError as error:
            await self.send_error(ref, "bad_frame", str(error))
        except services.SessionError as error:
            await self.send_error(ref, "refused", str(error))
        except TRANSIENT_ERRORS as error:
            await self.unavailable(ref, error)
        except Exception:
            # A bug: the log gets the traceback, the frame only that it failed.
            logger.exception(
                "Session %s websocket: %s from user %s failed", self._id(), kind, self.user.pk
            )
            await self.send_error(
                ref, "server_error", "The server could not handle this message. Try again."
            )
        else:
            if result is not None:
                await self.send_json({"type": "ack", "ref": ref, **result})

    async def send_error(self, ref, code: str, message: str):
        if self.accepted and not self.closing:
            await self.send_json({"type": "error", "code": code, "ref": ref, "message": message})

    async def unavailable(self, ref, error: BaseException):
        """The database or the channel layer failed: say so, then close as "try again later"."""
        if self.closing:
            return
        self.closing = True
        what = "database" if isinstance(error, DatabaseError) else "live-update service"
        logger.warning("Session %s websocket: %s unavailable: %r", self._id(), what, error)
        try:
            if not self.accepted:
                await self.accept()
                self.accepted = True
            await self.send_json(
                {
                    "type": "error",
                    "code": "unavailable",
                    "ref": ref,
                    "message": f"The server is reconnecting to its {what}…",
                }
            )
            await self.close(code=TRY_AGAIN_LATER)
        except Exception as send_error:  # the socket itself is gone: nothing left to tell
            logger.warning("Session %s websocket: could not close: %r", self._id(), send_error)

    def _id(self):
        return getattr(self, "session_id", "?")

    # --- handlers: one service call each, with the fields the table checked -------------

    async def handle_ping(self, values, ref):
        # The sweep of dead connections (and a read of the version) once per session and
        # interval in this worker, not on every ping of every viewer.
        version = await db(services.connection_touch)(
            channel_name=self.channel_name,
            session_id=self.session_id,
            sweep=self.hub.sweep_due(),
        )
        self.hub.heard(version)
        if self.hub.version > max(self.sent_version, self.wanted_version or -1):
            self.want_version(self.hub.version)  # an event this consumer never got
        await self.send_json({"type": "pong", "ref": ref, "version": self.hub.version})

    async def handle_sync(self, values, ref):
        await self.send_snapshot(ref=ref)

    async def handle_score_save(self, values, ref):
        result = await db(services.score_save)(
            session_id=self.session_id,
            user=self.user,
            item_id=values["item"],
            criterion_id=values["criterion"],
            value=values["value"],
            is_na=bool(values["na"]),
            comment=values["comment"] or "",
            client_ts=values["ts"] or 0,
        )
        # The viewer's own ratings change only by their own saves: kept here, not read again.
        score = result.score
        self.mine.setdefault(str(score.item_id), {})[str(score.criterion_id)] = (
            snapshots.own_rating(score.value, score.is_na, score.comment, score.client_ts)
        )
        return {
            "saved": "score",
            "item": result.score.item_id,
            "criterion": result.score.criterion_id,
            "applied": result.applied,
        }

    async def handle_submit(self, values, ref):
        submission = await db(services.submission_create)(
            session_id=self.session_id, user=self.user, item_id=values["item"]
        )
        return {"saved": "submission", "item": submission.item_id}

    async def handle_start(self, values, ref):
        await db(services.session_start)(session_id=self.session_id, actor=self.user)
        return {"saved": "start"}

    async def handle_reveal(self, values, ref):
        await db(services.session_reveal)(
            session_id=self.session_id,
            actor=self.user,
            item_id=values["item"],
            unsubmitted_policy=values["policy"] or UnsubmittedPolicy.EXCLUDE,
        )
        return {"saved": "reveal"}

    async def handle_revision_save(self, values, ref):
        revision = await db(services.revision_create)(
            session_id=self.session_id,
            user=self.user,
            item_id=values["item"],
            criterion_id=values["criterion"],
            value=values["value"],
            is_na=bool(values["na"]),
            comment=values["comment"] or "",
        )
        return {"saved": "revision", "id": revision.pk}

    async def handle_consensus_save(self, values, ref):
        await db(services.consensus_save)(
            session_id=self.session_id,
            actor=self.user,
            item_id=values["item"],
            criterion_id=values["criterion"],
            value=values["value"],
            is_na=bool(values["na"]),
            note=values["note"] or "",
        )
        return {"saved": "consensus"}

    async def handle_consensus_accept_unanimous(self, values, ref):
        recorded = await db(services.consensus_accept_unanimous)(
            session_id=self.session_id,
            actor=self.user,
            item_id=values["item"],
            criterion_id=values["criterion"],
        )
        return {"saved": "consensus", "recorded": recorded}

    async def handle_flag_set(self, values, ref):
        flagged = await db(services.discussion_flag_set)(
            session_id=self.session_id,
            user=self.user,
            item_id=values["item"],
            criterion_id=values["criterion"],
            flagged=values["flagged"],
        )
        return {"saved": "flag", "flagged": flagged}

    async def handle_timebox_start(self, values, ref):
        await db(services.discussion_timebox_start)(
            session_id=self.session_id,
            actor=self.user,
            item_id=values["item"],
            criterion_id=values["criterion"],
            minutes=values["minutes"],
        )
        return {"saved": "timebox"}

    async def handle_timebox_stop(self, values, ref):
        await db(services.discussion_timebox_stop)(session_id=self.session_id, actor=self.user)
        return {"saved": "timebox"}

    async def handle_action_add(self, values, ref):
        action = await db(services.action_item_add)(
            session_id=self.session_id,
            actor=self.user,
            text=values["text"],
            owner_id=values["owner"],
        )
        return {"saved": "action", "id": action.pk}

    async def handle_action_remove(self, values, ref):
        await db(services.action_item_remove)(
            session_id=self.session_id, actor=self.user, action_id=values["id"]
        )
        return {"saved": "action.remove"}

    async def handle_nudge(self, values, ref):
        await db(services.participant_nudge)(
            session_id=self.session_id,
            actor=self.user,
            participant_id=values["participant"],
        )
        return {"saved": "nudge"}

    async def handle_close(self, values, ref):
        # Without the person's confirmation, closing refuses while criteria are undecided.
        await db(services.session_close)(
            session_id=self.session_id,
            actor=self.user,
            confirm_undecided=bool(values.get("confirm_undecided")),
        )
        return {"saved": "close"}

    # --- events from the channel layer -------------------------------------------------
    # An event only marks what to send; one task per consumer sends it (sessions.hub reads
    # once per worker), so a burst of events costs one frame, and the client's own messages
    # are never queued behind a frame being built.

    async def session_changed(self, event):
        if self.closing:
            return
        if event.get("reason") == "presence":
            self.wanted_presence = event.get("id") or ""
        else:
            version = event.get("version") or 0
            self.hub.heard(version, event.get("reason"))
            self.want_version(version)
        self._kick()

    async def session_nudge(self, event):
        if not self.closing and event.get("user_id") == self.user.pk:
            await self.send_json(
                {"type": "nudge", "message": "The facilitator is waiting for your scores."}
            )

    def want_version(self, version: int) -> None:
        self.wanted_version = max(version, self.wanted_version or 0)
        self._kick()

    def _kick(self) -> None:
        if self.pusher is None or self.pusher.done():
            self.pusher = asyncio.ensure_future(self._push())

    async def _push(self):
        try:
            while not self.closing:
                if not self.SHARED_FRAMES:
                    # A frame of its own (a subclass): one fresh snapshot for all that is due.
                    if self.wanted_version is None and self.wanted_presence is None:
                        return
                    self.wanted_version = self.wanted_presence = None
                    await self.send_snapshot()
                elif self.wanted_version is not None:
                    wanted = self.wanted_version
                    if wanted <= self.sent_version:
                        self.wanted_version = None
                        continue
                    view = await self.hub.view(wanted)
                    if view is None:
                        await self.close(code=4404)
                        return
                    if view.version > self.sent_version:
                        await self.send_view(view)
                    if self.wanted_version is not None and self.wanted_version <= max(
                        self.sent_version, view.version
                    ):
                        self.wanted_version = None  # sent, or nothing newer can be read
                elif self.wanted_presence is not None:
                    event_id, self.wanted_presence = self.wanted_presence, None
                    online = await self.hub.online(event_id)
                    if not self.closing:
                        await self.send(text_data=self.hub.presence_text(online))
                else:
                    return
        except asyncio.CancelledError:
            raise
        except TRANSIENT_ERRORS as error:
            await self.unavailable(None, error)
        except Exception:
            logger.exception("Session %s websocket: sending an update failed", self._id())
            await self.send_error(None, "server_error", "The server could not send an update.")

    async def send_view(self, view: View, ref=None):
        """This viewer's frame of a shared view: no database access."""
        frame = snapshots.viewer_frame(
            session=view.session,
            shared=view.shared,
            user=self.user,
            online=set(self.hub.online_now(view)),
            mine=self.mine,
        )
        self.sent_version = max(self.sent_version, view.version)
        # The answer to a sync carries its ref, like every other answer.
        await self.send_json(frame if ref is None else {**frame, "ref": ref})
        if view.shared.agreement is None:
            self.hub.figures(view)

    def figures_ready(self, version: int, text: str) -> None:
        """The hub computed the figures of `version`: send them if that is what we show."""
        if version == self.sent_version and not self.closing:
            self.figures_task = asyncio.ensure_future(self._send_text(text))

    async def _send_text(self, text: str):
        try:
            await self.send(text_data=text)
        except Exception as error:  # the socket is gone: the next connect resyncs
            logger.info("Session %s websocket: figures not sent: %r", self._id(), error)

    async def send_snapshot(self, ref=None):
        snapshot = await self._snapshot()
        if snapshot is None:
            await self.close(code=4404)
            return
        self._showing(snapshot)
        await self.send_json(snapshot if ref is None else {**snapshot, "ref": ref})

    def _showing(self, frame: dict) -> None:
        """The client shows `frame` from now on. A newer version pushed while it was being
        read would be overtaken by it, so that one goes out again."""
        version = frame.get("version") or 0
        newer, self.sent_version = self.sent_version, version
        if newer > version:
            self.want_version(newer)

    async def _snapshot(self):
        """A fresh frame (connect, sync): the session row, who is online and the viewer's own
        ratings read now; the shared state of the version built once per worker."""
        self._fresh = None
        frame = await db(self._build_snapshot)()
        if self._fresh is not None:
            view, self.mine = self._fresh
            self._fresh = None
            self.hub.heard(view.version)
            if self.hub.latest is None or view.version >= self.hub.latest.version:
                self.hub.latest = view
        return frame

    def _build_snapshot(self) -> dict | None:
        """This viewer's whole frame, read now (runs in a database thread). A subclass may
        build a frame of its own here; it then gets a fresh one on every change."""
        session = CalibrationSession.objects.filter(pk=self.session_id).first()
        if session is None:
            return None
        # A first frame waits for the figures (computed once per revealed state).
        shared = snapshots.shared_state(session)
        participant = next((p for p in shared.participants if p.user_id == self.user.pk), None)
        online = frozenset(snapshots.online_participants(session))
        mine = snapshots.own_scores(session, participant, self.user)
        # Handed to _snapshot (which awaits this call) for the frames derived after it.
        self._fresh = (View(session, shared, online), mine)
        return snapshots.viewer_frame(
            session=session, shared=shared, user=self.user, online=set(online), mine=mine
        )
