"""GET /healthz: can this worker reach its database and its channel layer?

For load balancers, systemd watchdogs and people: no login, no session, nothing cached.
200 with {"database": "ok", "channel_layer": "ok"}, or 503 with "error" for what failed (the
reason goes to the log, not to an anonymous caller).
"""

import asyncio
import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# A check that takes longer than this counts as failed (a load balancer waits a few seconds).
CHANNEL_LAYER_TIMEOUT = 3


def check_database() -> None:
    """One round trip to the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _channel_layer_round_trip() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("No channel layer is configured.")
    # A plain (not process-local) name: its receive waits on nothing the consumers hold.
    channel = f"healthz.{uuid.uuid4().hex}"
    token = uuid.uuid4().hex
    async with asyncio.timeout(CHANNEL_LAYER_TIMEOUT):
        await layer.send(channel, {"type": "health.check", "token": token})
        message = await layer.receive(channel)
    if message.get("token") != token:
        raise RuntimeError("The channel layer returned another message.")


def check_channel_layer() -> None:
    """A message sent to a throwaway channel and received back."""
    async_to_sync(_channel_layer_round_trip)()


def _run(name: str, check) -> str:
    try:
        check()
    except Exception:
        logger.exception("Health check failed: %s", name)
        return "error"
    return "ok"


@never_cache
@require_safe
def healthz(request):
    results = {
        "database": _run("database", check_database),
        "channel_layer": _run("channel_layer", check_channel_layer),
    }
    healthy = all(result == "ok" for result in results.values())
    return JsonResponse(results, status=200 if healthy else 503)
