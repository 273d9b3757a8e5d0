"""Settings come from the environment; production settings pass Django's deploy checks."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x9-" + "k3Jf8sLq2Zp0Wm4Yt7Rb1Nc6Hv5Gd" * 2,
    "DJANGO_ALLOWED_HOSTS": "concord.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://concord.example.com",
}


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.pop("DATABASE_URL", None)
    environment.pop("REDIS_URL", None)
    environment.update(env, DJANGO_SETTINGS_MODULE="calibration.settings")
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=environment, capture_output=True, text=True
    )


def test_check_deploy_is_clean_with_production_variables():
    result = run_python(
        "import django, sys; from django.core.management import call_command; django.setup(); "
        "call_command('check', '--deploy', '--fail-level', 'WARNING')",
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_debug_off_without_a_secret_key_refuses_to_start():
    result = run_python(
        "import django; django.setup()", DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="x"
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_database_and_channel_layer_follow_the_environment():
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE']); "
        "print(s.CHANNEL_LAYERS['default']['BACKEND']); "
        "print(s.DATABASES['default']['CONN_MAX_AGE'])"
    )

    defaults = run_python(code).stdout.split()
    configured = run_python(
        code,
        DATABASE_URL="postgres://u@127.0.0.1:5432/concord",
        REDIS_URL="redis://127.0.0.1:6379/0",
    ).stdout.split()

    assert defaults == [
        "django.db.backends.sqlite3",
        "channels.layers.InMemoryChannelLayer",
        "0",
    ]
    assert configured == [
        "django.db.backends.postgresql",
        "channels_redis.core.RedisChannelLayer",
        "0",
    ]


POOL_CODE = (
    "import json; from django.conf import settings as s; d = s.DATABASES['default']; "
    "print(json.dumps([d.get('OPTIONS', {}).get('pool'), d['CONN_MAX_AGE'], "
    "d.get('CONN_HEALTH_CHECKS')]))"
)


def test_postgresql_gets_a_checked_connection_pool_sized_by_the_environment():
    url = "postgres://u@127.0.0.1:5432/concord"

    defaults = run_python(POOL_CODE, DATABASE_URL=url)
    configured = run_python(
        POOL_CODE,
        DATABASE_URL=url,
        CONCORD_DB_POOL_MIN_SIZE="0",
        CONCORD_DB_POOL_MAX_SIZE="25",
        CONCORD_DB_POOL_TIMEOUT="2.5",
    )

    assert json.loads(defaults.stdout) == [
        {"min_size": 2, "max_size": 10, "timeout": 10.0},
        0,
        True,
    ], defaults.stderr
    assert json.loads(configured.stdout)[0] == {"min_size": 0, "max_size": 25, "timeout": 2.5}


def test_sqlite_has_no_connection_pool():
    result = run_python(POOL_CODE)

    assert json.loads(result.stdout)[0] is None, result.stderr


def test_a_pool_minimum_above_its_maximum_refuses_to_start():
    result = run_python(
        "import django; django.setup()",
        DATABASE_URL="postgres://u@127.0.0.1:5432/concord",
        CONCORD_DB_POOL_MIN_SIZE="20",
        CONCORD_DB_POOL_MAX_SIZE="10",
    )

    assert result.returncode != 0
    assert "CONCORD_DB_POOL_MIN_SIZE must be between" in result.stderr


def test_the_redis_read_timeout_outlasts_the_layers_blocking_receive():
    """redis-py's 5 s default cut channels-redis's 5 s blocking pop: every idle websocket
    closed with 1011 (django/channels_redis#422)."""
    result = run_python(
        "import json; from django.conf import settings as s; "
        "from channels_redis.core import RedisChannelLayer as L; "
        "c = s.CHANNEL_LAYERS['default']['CONFIG']; "
        "print(json.dumps([c['hosts'], L.brpop_timeout]))",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )

    (host,), brpop_timeout = json.loads(result.stdout)
    assert host["address"] == "redis://127.0.0.1:6379/0"
    assert host["socket_timeout"] > brpop_timeout
    assert host["socket_keepalive"] is True
