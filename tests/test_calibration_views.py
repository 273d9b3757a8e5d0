"""Log-in rate limits: per account and per address, shared by every worker through the
login-attempts cache (Redis when REDIS_URL is set), lifted when the window passes."""

import os
import uuid

import pytest
from django.conf import settings

from calibration import ratelimit

from .factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """A frozen clock the test moves by hand, and counters of this test's own (keys under a
    fresh prefix: a shared Redis is never flushed)."""
    namespace = uuid.uuid4().hex
    key = ratelimit._key
    monkeypatch.setattr(ratelimit, "_key", lambda scope, value: f"{namespace}:{key(scope, value)}")
    now = {"t": 1_800_000_000.0}
    monkeypatch.setattr(ratelimit, "clock", lambda: now["t"])
    return now


def attempt(client, username, password, address="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_the_sixth_attempt_is_refused_even_with_the_right_password(client):
    UserFactory(username="alice")
    for _ in range(ratelimit.ACCOUNT_LIMIT):
        assert attempt(client, "alice", "wrong").status_code == 200

    response = attempt(client, "alice", "pw")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "Too many failed log-ins for this account" in page
    assert "Try again in 15 minutes" in page
    assert response["Retry-After"] == str(ratelimit.WINDOW_SECONDS)


def test_another_account_from_another_address_is_unaffected(client):
    UserFactory(username="alice")
    UserFactory(username="bob")
    for _ in range(ratelimit.ACCOUNT_LIMIT):
        attempt(client, "alice", "wrong")

    response = attempt(client, "bob", "pw", address="198.51.100.9")

    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_the_account_limit_holds_from_any_address_and_any_case(client):
    UserFactory(username="alice")
    for index in range(ratelimit.ACCOUNT_LIMIT):
        attempt(client, "alice" if index % 2 else "ALICE ", "wrong", address=f"192.0.2.{index}")

    response = attempt(client, "alice", "pw", address="198.51.100.9")

    assert response.status_code == 429


def test_time_passing_lifts_the_limit(client, clock):
    UserFactory(username="alice")
    for _ in range(ratelimit.ACCOUNT_LIMIT):
        attempt(client, "alice", "wrong")
    clock["t"] += ratelimit.WINDOW_SECONDS - 60

    almost = attempt(client, "alice", "pw")
    clock["t"] += 61
    later = attempt(client, "alice", "pw")

    assert almost.status_code == 429 and "Try again in 1 minute" in almost.content.decode()
    assert later.status_code == 302


def test_a_successful_login_resets_the_account_counter(client):
    UserFactory(username="alice")
    for _ in range(ratelimit.ACCOUNT_LIMIT - 1):
        attempt(client, "alice", "wrong")
    assert attempt(client, "alice", "pw").status_code == 302
    client.logout()

    for _ in range(ratelimit.ACCOUNT_LIMIT - 1):
        attempt(client, "alice", "wrong")
    response = attempt(client, "alice", "pw")

    assert response.status_code == 302


def test_an_address_trying_many_accounts_is_refused(client):
    UserFactory(username="victim")
    for index in range(ratelimit.ADDRESS_LIMIT):
        attempt(client, f"guess{index}", "wrong")

    refused = attempt(client, "victim", "pw")
    elsewhere = attempt(client, "victim", "pw", address="198.51.100.9")

    assert refused.status_code == 429
    assert "Too many failed log-ins from your address" in refused.content.decode()
    assert elsewhere.status_code == 302


def test_a_refused_attempt_does_not_extend_the_lockout(client, clock):
    UserFactory(username="alice")
    for _ in range(ratelimit.ACCOUNT_LIMIT):
        attempt(client, "alice", "wrong")
    for _ in range(10):
        clock["t"] += 60
        attempt(client, "alice", "wrong")
    clock["t"] += ratelimit.WINDOW_SECONDS - 600

    assert attempt(client, "alice", "pw").status_code == 302


def test_the_admin_login_is_limited_too(client):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(ratelimit.ACCOUNT_LIMIT):
        client.post(
            "/admin/login/", {"username": "root", "password": "wrong"}, REMOTE_ADDR="192.0.2.1"
        )

    response = client.post(
        "/admin/login/", {"username": "root", "password": "pw"}, REMOTE_ADDR="192.0.2.1"
    )

    assert "_auth_user_id" not in client.session
    assert "Too many failed log-ins for this account" in response.content.decode()


def test_attempts_are_counted_in_redis_when_redis_url_is_set():
    backend = settings.CACHES[ratelimit.CACHE_ALIAS]["BACKEND"]
    if os.environ.get("REDIS_URL"):
        assert backend == "django.core.cache.backends.redis.RedisCache"
    else:
        assert backend == "django.core.cache.backends.locmem.LocMemCache"


def test_logout_clears_the_browsers_stored_drafts(client):
    client.force_login(UserFactory())

    response = client.post("/accounts/logout/")

    assert response["Clear-Site-Data"] == '"storage"'


def test_log_in_still_works_when_the_counters_store_is_down(client, settings, caplog):
    settings.CACHES = {
        **settings.CACHES,
        ratelimit.CACHE_ALIAS: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1},
        },
    }
    UserFactory(username="alice")

    wrong = attempt(client, "alice", "wrong")
    right = attempt(client, "alice", "pw")

    assert wrong.status_code == 200 and right.status_code == 302
    assert "Log-in rate limit unavailable" in caplog.text
