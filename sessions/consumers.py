"""The live session over a websocket: /ws/sessions/<session id>/.

The consumer is an interface: it checks who is talking, validates the frame against the message
table (`sessions.protocol` does the checking), makes one service call and answers with an ack or
an error frame. State changes are announced by the services after commit as
{"type": "session.changed"}; each consumer then re-reads the snapshot its own viewer may see.
Values never travel on the channel layer.

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

import logging
import time

from channels.db import aclose_old_connections, database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db import Error as DatabaseError
from django.db import InterfaceError, OperationalError

from . import protocol, selectors, services
from .models import CalibrationSession, UnsubmittedPolicy
from .protocol import FLAG, ID, RATING, TEXT, TIMESTAMP, FrameError, Message, optional, required

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
        "action.add": Message("handle_action_add", {"text": required(TEXT), "owner": optional(ID)}),
        "action.remove": Message("handle_action_remove", {"id": required(ID)}),
        "nudge": Message("handle_nudge", {"participant": required(ID)}),
        "close": Message("handle_close", {"confirm_undecided": optional(FLAG)}),
    }

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
            await self.channel_layer.group_add(self.group, self.channel_name)
            self.joined = True
            await database_sync_to_async(services.connection_open)(
                session_id=self.session_id, user=self.user, channel_name=self.channel_name
            )
            self.registered = True
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
        await self.send_json(snapshot)

    async def refuse(self, code: int):
        await self.leave()
        await self.close(code=code)

    async def disconnect(self, code):
        await self.leave()

    async def leave(self):
        """Best effort: during an outage presence heals by the heartbeat's expiry instead."""
        try:
            if self.joined:
                self.joined = False
                await self.channel_layer.group_discard(self.group, self.channel_name)
            if self.registered:
                self.registered = False
                await database_sync_to_async(services.connection_close)(
                    session_id=self.session_id, channel_name=self.channel_name
                )
        except TRANSIENT_ERRORS as error:
            logger.warning("Session %s websocket: cleanup failed: %r", self._id(), error)
        except Exception:
            logger.exception("Session %s websocket: cleanup failed", self._id())

    @database_sync_to_async
    def _is_participant(self) -> bool:
        return selectors.participant_for(session_id=self.session_id, user=self.user) is not None

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
        await database_sync_to_async(services.connection_touch)(
            channel_name=self.channel_name, session_id=self.session_id
        )
        await self.send_json({"type": "pong", "ref": ref})

    async def handle_sync(self, values, ref):
        await self.send_snapshot(ref=ref)

    async def handle_score_save(self, values, ref):
        result = await database_sync_to_async(services.score_save)(
            session_id=self.session_id,
            user=self.user,
            item_id=values["item"],
            criterion_id=values["criterion"],
            value=values["value"],
            is_na=bool(values["na"]),
            comment=values["comment"] or "",
            client_ts=values["ts"] or 0,
        )
        return {
            "saved": "score",
            "item": result.score.item_id,
            "criterion": result.score.criterion_id,
            "applied": result.applied,
        }

    async def handle_submit(self, values, ref):
        submission = await database_sync_to_async(services.submission_create)(
            session_id=self.session_id, user=self.user, item_id=values["item"]
        )
        return {"saved": "submission", "item": submission.item_id}

    async def handle_start(self, values, ref):
        await database_sync_to_async(services.session_start)(
            session_id=self.session_id, actor=self.user
        )
        return {"saved": "start"}

    async def handle_reveal(self, values, ref):
        await database_sync_to_async(services.session_reveal)(
            session_id=self.session_id,
            actor=self.user,
            item_id=values["item"],
            unsubmitted_policy=values["policy"] or UnsubmittedPolicy.EXCLUDE,
        )
        return {"saved": "reveal"}

    async def handle_revision_save(self, values, ref):
        revision = await database_sync_to_async(services.revision_create)(
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
        await database_sync_to_async(services.consensus_save)(
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
        recorded = await database_sync_to_async(services.consensus_accept_unanimous)(
            session_id=self.session_id,
            actor=self.user,
            item_id=values["item"],
            criterion_id=values["criterion"],
        )
        return {"saved": "consensus", "recorded": recorded}

    async def handle_action_add(self, values, ref):
        action = await database_sync_to_async(services.action_item_add)(
            session_id=self.session_id,
            actor=self.user,
            text=values["text"],
            owner_id=values["owner"],
        )
        return {"saved": "action", "id": action.pk}

    async def handle_action_remove(self, values, ref):
        await database_sync_to_async(services.action_item_remove)(
            session_id=self.session_id, actor=self.user, action_id=values["id"]
        )
        return {"saved": "action.remove"}

    async def handle_nudge(self, values, ref):
        await database_sync_to_async(services.participant_nudge)(
            session_id=self.session_id,
            actor=self.user,
            participant_id=values["participant"],
        )
        return {"saved": "nudge"}

    async def handle_close(self, values, ref):
        # Without the person's confirmation, closing refuses while criteria are undecided.
        await database_sync_to_async(services.session_close)(
            session_id=self.session_id,
            actor=self.user,
            confirm_undecided=bool(values.get("confirm_undecided")),
        )
        return {"saved": "close"}

    # --- events from the channel layer -------------------------------------------------

    async def session_changed(self, event):
        if not self.closing:
            await self.send_snapshot()

    async def session_nudge(self, event):
        if not self.closing and event.get("user_id") == self.user.pk:
            await self.send_json(
                {"type": "nudge", "message": "The facilitator is waiting for your scores."}
            )

    async def send_snapshot(self, ref=None):
        snapshot = await self._snapshot()
        if snapshot is None:
            await self.close(code=4404)
            return
        # The answer to a sync carries its ref, like every other answer.
        await self.send_json(snapshot if ref is None else {**snapshot, "ref": ref})

    async def _snapshot(self):
        # Woken by the layer long after connect: drop connections the database has closed.
        await aclose_old_connections()
        return await database_sync_to_async(self._build_snapshot)()

    def _build_snapshot(self):
        session = CalibrationSession.objects.filter(pk=self.session_id).first()
        if session is None:
            return None
        return selectors.session_snapshot(session=session, user=self.user)
