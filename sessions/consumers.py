from channels.generic.websocket import AsyncJsonWebsocketConsumer


class SessionConsumer(AsyncJsonWebsocketConsumer):
    """Live calibration session; refuses every connection until the live session lands."""

    async def connect(self):
        await self.close(code=4403)
