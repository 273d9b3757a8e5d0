"""Settings for the load benchmark's daphne workers: the real settings, debug off.

Two differences from production, neither on the path being measured: plain HTTP with the
development static storage (no collectstatic, no TLS redirect), and a fast password hasher,
because the benchmark logs in hundreds of people and PBKDF2 costs about 0.3 s of CPU per login
(login time is reported on its own line, not in the websocket figures).
"""

import os

# Read before the real settings: debug on at import skips the secret-key and HTTPS checks.
os.environ.setdefault("DJANGO_DEBUG", "true")

from calibration.settings import *  # noqa: F403

DEBUG = False  # no query log, no debug pages: the workers run as in production
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Each run has a channel-layer prefix of its own: a shared Redis keeps no group members of an
# earlier run's sessions (whose ids a fresh database reuses), and nothing is flushed.
if CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer":  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = os.environ.get(  # noqa: F405
        "BENCH_LAYER_PREFIX", "asgi"
    )
