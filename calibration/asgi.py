"""ASGI entry point: HTTP goes to Django, websockets to the live-session consumers."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calibration.settings")

# Build Django's app first: it sets up the app registry the routing imports need.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddleware, get_user  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware, SessionMiddleware  # noqa: E402

from sessions.hub import db  # noqa: E402
from sessions.routing import websocket_urlpatterns  # noqa: E402


class PooledAuthMiddleware(AuthMiddleware):
    """Channels' AuthMiddleware, reading the session and user on the live thread pool: on
    asgiref's one thread-sensitive thread, a room of people connecting at once queued behind
    each other (and behind every HTTP request) for two queries each."""

    async def resolve_scope(self, scope):
        scope["user"]._wrapped = await db(get_user.func)(scope)


def auth_stack(inner):
    """Channels' AuthMiddlewareStack with the pooled AuthMiddleware."""
    return CookieMiddleware(SessionMiddleware(PooledAuthMiddleware(inner)))


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(auth_stack(URLRouter(websocket_urlpatterns))),
    }
)
