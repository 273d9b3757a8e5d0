"""GET /healthz: a database round trip and a channel-layer round trip, no login needed."""

import asyncio

import pytest
from django.db import OperationalError

from calibration import health

pytestmark = pytest.mark.django_db

OK = {"database": "ok", "channel_layer": "ok"}


class BrokenConnection:
    def cursor(self):
        raise OperationalError("connection to server at 127.0.0.1 failed")


class HangingLayer:
    async def send(self, channel, message):
        pass

    async def receive(self, channel):
        await asyncio.sleep(3600)


def test_healthz_answers_ok_without_login_and_is_never_cached(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == OK
    assert "no-store" in response["Cache-Control"]


def test_healthz_is_503_naming_the_database_when_it_fails(client, monkeypatch, caplog):
    monkeypatch.setattr(health, "connection", BrokenConnection())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "error", "channel_layer": "ok"}
    assert "127.0.0.1" not in response.content.decode()
    assert "Health check failed: database" in caplog.text


def test_healthz_is_503_naming_the_channel_layer_when_redis_is_unreachable(client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": "redis://127.0.0.1:1/0", "socket_timeout": 1}]},
        }
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "channel_layer": "error"}


def test_a_channel_layer_that_does_not_answer_in_time_counts_as_failed(client, monkeypatch):
    monkeypatch.setattr(health, "CHANNEL_LAYER_TIMEOUT", 0.2)
    monkeypatch.setattr(health, "get_channel_layer", HangingLayer)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "channel_layer": "error"}


def test_healthz_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_healthz_only_answers_reads(client):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200
