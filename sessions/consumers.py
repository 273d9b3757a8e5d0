"""The live session over a websocket: /ws/sessions/<session id>/.

The consumer is an interface: it checks who is talking, validates the frame's shape, makes one
service call and answers with an ack or an error frame. State changes are announced by the
services after commit as {"type": "session.changed"}; each consumer then re-reads the snapshot
its own viewer may see. Values never travel on the channel layer.
"""

from __future__ import annotations

import json
import logging

from channels.db import aclose_old_connections, database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from . import selectors, services
from .models import CalibrationSession, UnsubmittedPolicy

logger = logging.getLogger(__name__)

FACILITATOR = "facilitator"


class FrameError(Exception):
    pass


def _field(payload: dict, name: str, *, required: bool = True, kinds=(int, str)):
    if name not in payload or payload[name] is None:
        if required:
            raise FrameError(f"Missing field {name!r}.")
        return None
    value = payload[name]
    if isinstance(value, bool) and bool not in kinds:
        raise FrameError(f"Field {name!r} has the wrong type.")
    if not isinstance(value, kinds):
        raise FrameError(f"Field {name!r} has the wrong type.")
    return value


def _rating(payload: dict) -> dict:
    """The fields every rating frame carries (a score, a revision, a consensus)."""
    return {
        "item_id": _field(payload, "item"),
        "criterion_id": _field(payload, "criterion"),
        "value": _field(payload, "value", required=False),
        "is_na": _field(payload, "na", required=False, kinds=(bool,)) or False,
    }


class SessionConsumer(AsyncJsonWebsocketConsumer):
    # Message type -> handler name. Role checks live in the services, which name the reason.
    HANDLERS = {
        "ping": "handle_ping",
        "sync": "handle_sync",
        "score.save": "handle_score_save",
        "submit": "handle_submit",
        "start": "handle_start",
        "reveal": "handle_reveal",
        "revision.save": "handle_revision_save",
        "consensus.save": "handle_consensus_save",
        "action.add": "handle_action_add",
        "action.remove": "handle_action_remove",
        "nudge": "handle_nudge",
        "close": "handle_close",
    }

    async def connect(self):
        self.user = self.scope.get("user")
        self.session_id = self.scope["url_route"]["kwargs"]["session_id"]
        self.group = services.group_name_for(self.session_id)
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=4401)
            return
        if not await self._is_participant():
            await self.close(code=4403)
            return
        await self.accept()
        await self.channel_layer.group_add(self.group, self.channel_name)
        await database_sync_to_async(services.connection_open)(
            session_id=self.session_id, user=self.user, channel_name=self.channel_name
        )
        await self.send_snapshot()

    async def disconnect(self, code):
        if getattr(self, "group", None) and getattr(self, "user", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            if self.user.is_authenticated:
                await database_sync_to_async(services.connection_close)(
                    session_id=self.session_id, channel_name=self.channel_name
                )

    @database_sync_to_async
    def _is_participant(self) -> bool:
        return selectors.participant_for(session_id=self.session_id, user=self.user) is not None

    # --- incoming frames ---------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        raw = text_data if text_data is not None else bytes_data
        if raw is None:
            return
        size = len(raw.encode()) if isinstance(raw, str) else len(raw)
        if size > settings.WEBSOCKET_MAX_MESSAGE_BYTES:
            await self.send_error(None, "Message too large: the limit is 64 KiB.")
            return
        if bytes_data is not None:
            await self.send_error(None, "Send JSON text frames, not binary.")
            return
        try:
            payload = json.loads(text_data)
        except json.JSONDecodeError:
            await self.send_error(None, "Malformed JSON.")
            return
        await self.receive_json(payload)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            await self.send_error(None, "Each message must be a JSON object.")
            return
        ref = content.get("ref")
        if not isinstance(ref, str | int) or isinstance(ref, bool):
            ref = None
        handler_name = self.HANDLERS.get(content.get("type"))
        if handler_name is None:
            await self.send_error(ref, f"Unknown message type {content.get('type')!r}.")
            return
        try:
            result = await getattr(self, handler_name)(content)
        except FrameError as error:
            await self.send_error(ref, str(error))
        except services.SessionError as error:
            await self.send_error(ref, str(error))
        else:
            if handler_name not in ("handle_ping", "handle_sync"):
                await self.send_json({"type": "ack", "ref": ref, **(result or {})})

    async def send_error(self, ref, message: str):
        await self.send_json({"type": "error", "ref": ref, "message": message})

    # --- handlers: validate the shape, call one service --------------------------------

    async def handle_ping(self, content):
        await database_sync_to_async(services.connection_touch)(
            channel_name=self.channel_name, session_id=self.session_id
        )
        await self.send_json({"type": "pong", "ref": content.get("ref")})

    async def handle_sync(self, content):
        await self.send_snapshot()

    async def handle_score_save(self, content):
        ts = _field(content, "ts", required=False, kinds=(int,)) or 0
        result = await database_sync_to_async(services.score_save)(
            session_id=self.session_id,
            user=self.user,
            **_rating(content),
            comment=_field(content, "comment", required=False, kinds=(str,)) or "",
            client_ts=ts,
        )
        return {
            "saved": "score",
            "item": result.score.item_id,
            "criterion": result.score.criterion_id,
            "applied": result.applied,
        }

    async def handle_submit(self, content):
        submission = await database_sync_to_async(services.submission_create)(
            session_id=self.session_id, user=self.user, item_id=_field(content, "item")
        )
        return {"saved": "submission", "item": submission.item_id}

    async def handle_start(self, content):
        await database_sync_to_async(services.session_start)(
            session_id=self.session_id, actor=self.user
        )
        return {"saved": "start"}

    async def handle_reveal(self, content):
        policy = _field(content, "policy", required=False, kinds=(str,)) or (
            UnsubmittedPolicy.EXCLUDE
        )
        await database_sync_to_async(services.session_reveal)(
            session_id=self.session_id,
            actor=self.user,
            item_id=_field(content, "item", required=False),
            unsubmitted_policy=policy,
        )
        return {"saved": "reveal"}

    async def handle_revision_save(self, content):
        revision = await database_sync_to_async(services.revision_create)(
            session_id=self.session_id,
            user=self.user,
            **_rating(content),
            comment=_field(content, "comment", required=False, kinds=(str,)) or "",
        )
        return {"saved": "revision", "id": revision.pk}

    async def handle_consensus_save(self, content):
        await database_sync_to_async(services.consensus_save)(
            session_id=self.session_id,
            actor=self.user,
            **_rating(content),
            note=_field(content, "note", required=False, kinds=(str,)) or "",
        )
        return {"saved": "consensus"}

    async def handle_action_add(self, content):
        action = await database_sync_to_async(services.action_item_add)(
            session_id=self.session_id,
            actor=self.user,
            text=_field(content, "text", kinds=(str,)),
            owner_id=_field(content, "owner", required=False),
        )
        return {"saved": "action", "id": action.pk}

    async def handle_action_remove(self, content):
        await database_sync_to_async(services.action_item_remove)(
            session_id=self.session_id, actor=self.user, action_id=_field(content, "id")
        )
        return {"saved": "action.remove"}

    async def handle_nudge(self, content):
        await database_sync_to_async(services.participant_nudge)(
            session_id=self.session_id,
            actor=self.user,
            participant_id=_field(content, "participant"),
        )
        return {"saved": "nudge"}

    async def handle_close(self, content):
        await database_sync_to_async(services.session_close)(
            session_id=self.session_id, actor=self.user
        )
        return {"saved": "close"}

    # --- events from the channel layer -------------------------------------------------

    async def session_changed(self, event):
        await self.send_snapshot()

    async def session_nudge(self, event):
        if event.get("user_id") == self.user.pk:
            await self.send_json(
                {"type": "nudge", "message": "The facilitator is waiting for your scores."}
            )

    async def send_snapshot(self):
        # Woken by the layer long after connect: drop connections the database has closed.
        await aclose_old_connections()
        snapshot = await database_sync_to_async(self._build_snapshot)()
        if snapshot is None:
            await self.close(code=4404)
            return
        await self.send_json(snapshot)

    def _build_snapshot(self):
        session = CalibrationSession.objects.filter(pk=self.session_id).first()
        if session is None:
            return None
        return selectors.session_snapshot(session=session, user=self.user)
