"""Concord settings, read from the environment (see README for every variable)."""

import base64
import hashlib
import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    # Development only: a fixed key so sessions survive restarts of `make run`.
    SECRET_KEY = "dev-insecure-concord-key-change-me-in-production-0123456789abcdef"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",  # first, so runserver speaks ASGI
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "teams",
    "scorecards",
    "interactions",
    "sessions.apps.CalibrationSessionsConfig",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "calibration.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "teams.middleware.CurrentTeamMiddleware",
    "calibration.middleware.NotFoundPageMiddleware",
]

ROOT_URLCONF = "calibration.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "teams.context_processors.current_team",
            ],
        },
    },
]

WSGI_APPLICATION = "calibration.wsgi.application"
ASGI_APPLICATION = "calibration.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Under ASGI every request runs in a thread of its own: persistent connections leak.
        # Zero is also what Django's connection pool requires.
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] in {
    "django.db.backends.postgresql",
    "django.contrib.gis.db.backends.postgis",
}:
    # Django's psycopg 3 pool, one per daphne worker: a request borrows a connection and gives
    # it back at its end, so no request pays for a new PostgreSQL connection and a worker never
    # holds more than max_size. Workers × max_size must stay below PostgreSQL's
    # max_connections. A request that finds every connection busy waits up to `timeout`
    # seconds, then fails. The health check hands out only connections that answer, so a
    # PostgreSQL restart costs no request an error.
    DB_POOL_MIN_SIZE = int(os.environ.get("CONCORD_DB_POOL_MIN_SIZE", 2))
    DB_POOL_MAX_SIZE = int(os.environ.get("CONCORD_DB_POOL_MAX_SIZE", 10))
    DB_POOL_TIMEOUT = float(os.environ.get("CONCORD_DB_POOL_TIMEOUT", 10))
    if not 0 <= DB_POOL_MIN_SIZE <= DB_POOL_MAX_SIZE or DB_POOL_MAX_SIZE < 1:
        raise ImproperlyConfigured(
            "CONCORD_DB_POOL_MIN_SIZE must be between 0 and CONCORD_DB_POOL_MAX_SIZE (1 or more)."
        )
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": DB_POOL_MIN_SIZE,
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": DB_POOL_TIMEOUT,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for the writer instead of failing at once when daphne threads write together.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Transactions take the write lock when they begin: a deferred one that reads, then writes
    # while a daphne thread writes, gets "database is locked" at once instead of waiting.
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # A file, not memory, so the live daphne server of the browser tests sees the test data;
    # one per test run, so two runs on one machine don't share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"concord-test-{os.getpid()}.sqlite3")
    }

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # Every idle consumer waits in a blocking Redis pop of up to 5 s
                        # (RedisChannelLayer.brpop_timeout). redis-py 8 cuts any read after
                        # socket_timeout, 5 s by default, which closed every idle websocket
                        # with 1011 (django/channels_redis#422): the read timeout must outlast
                        # the pop, with room for a busy Redis.
                        "socket_timeout": 15,
                        "socket_connect_timeout": 5,
                        # Dead peers and idle connections dropped by a firewall are noticed:
                        # TCP keepalive, and a PING before reusing a connection idle for 30 s.
                        "socket_keepalive": True,
                        "health_check_interval": 30,
                        # Per worker and event loop. redis-py's default of 100 ran out when 1,000
                        # people connected across two workers (each connect is a group_add and
                        # a presence group_send): every later call failed with
                        # MaxConnectionsError. Redis itself allows 10,000 clients.
                        "max_connections": int(
                            os.environ.get("CONCORD_REDIS_MAX_CONNECTIONS", 1000)
                        ),
                    }
                ],
                # Per consumer: the messages waiting for it. Only small "look again" events
                # travel; a reconnect storm of a 20-person session queues about 40 per
                # consumer, so 200 never drops one a live consumer would still read.
                "capacity": 200,
                # A message no consumer took within a minute is dropped: by then the client
                # has reconnected and resynced from a full snapshot.
                "expiry": 60,
                # Group membership outlives the longest websocket (a tab open all day).
                "group_expiry": 86400,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Failed log-ins are counted here (calibration.ratelimit): in Redis when REDIS_URL is set, so
# every daphne worker sees the same counts; in this process's memory otherwise.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "login_attempts": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "concord",
            "OPTIONS": {"socket_timeout": 5, "socket_connect_timeout": 5},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "login"}
    ),
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "calibration.storage.StaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploads: imports read the file in memory; refuse anything larger with a clear message.
IMPORT_MAX_BYTES = int(os.environ.get("CONCORD_IMPORT_MAX_BYTES", 5 * 1024 * 1024))
IMPORT_MAX_ROWS = int(os.environ.get("CONCORD_IMPORT_MAX_ROWS", 50_000))
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024

# Helpdesk connections (interactions/helpdesks/): their secrets are stored encrypted with
# Fernet. CONCORD_SECRETS_KEY is one key or several, comma-separated (the first encrypts, all
# decrypt: add the new key in front to rotate). While debug is on, a key derived from
# SECRET_KEY is the default; with debug off there is none, and connections refuse to save.
CONCORD_SECRETS_KEY = os.environ.get("CONCORD_SECRETS_KEY", "") or (
    base64.urlsafe_b64encode(
        hashlib.sha256(f"concord-helpdesk-secrets:{SECRET_KEY}".encode()).digest()
    ).decode()
    if DEBUG
    else ""
)
# Tests only: send every helpdesk request to this base URL (a local fake) instead of the
# helpdesk's own host.
CONCORD_HELPDESK_BASE_URL_OVERRIDE = os.environ.get("CONCORD_HELPDESK_BASE_URL_OVERRIDE", "")
CONCORD_HELPDESK_TIMEOUT = float(os.environ.get("CONCORD_HELPDESK_TIMEOUT", 20))

# Websocket frames are capped by the consumer (64 KiB).
WEBSOCKET_MAX_MESSAGE_BYTES = 64 * 1024

# Load balancers and monitors ask the workers directly over plain HTTP (calibration/health.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# Development and tests serve static files straight from static/ (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
