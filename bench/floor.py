"""The floor of this stack: a bare Channels consumer, no database, no authentication.

Clients join /floor/<group>/. One of them sends {"type": "prime", "payload": {...}} once (the
document to broadcast, e.g. a revealed snapshot as the room sends it), then
{"type": "blast", "seq": n}: the payload goes through the channel layer to every member of
the group, each of which sends it as JSON, exactly as a consumer with nothing to compute would.
bench/load.py runs it with the same daphne, settings and channel layer as the app:

    DJANGO_SETTINGS_MODULE=bench.settings daphne -p 8100 bench.floor:application
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

PAYLOADS: dict[str, dict] = {}  # group -> the primed document (this process)


class FloorConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.group = f"floor-{self.scope['url_route']['kwargs']['group']}"
        await self.accept()
        await self.channel_layer.group_add(self.group, self.channel_name)

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "prime":
            PAYLOADS[self.group] = content["payload"]
            await self.send_json({"type": "primed"})
        elif content.get("type") == "blast":
            payload = {**PAYLOADS[self.group], "seq": content["seq"]}
            await self.channel_layer.group_send(
                self.group, {"type": "floor.payload", "payload": payload}
            )

    async def floor_payload(self, event):
        await self.send_json(event["payload"])


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("floor/<str:group>/", FloorConsumer.as_asgi())])}
)
