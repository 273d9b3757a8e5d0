"""Log-in rate limits, per account and per address, shared by every worker.

Failures are counted in the `login_attempts` cache: Redis when REDIS_URL is set (the
deployment with several daphne workers), this process's memory otherwise (a single process).
Each counter has a fixed window that opens at its first failure; the window's end is stored
beside the count and read with this module's clock, so expiry never depends on the cache's
own timer (and tests move the clock by hand). Increments are atomic (`incr`), so parallel
guesses cannot slip past the limit. A refused attempt is not counted: nobody can keep an
account locked beyond one window by hammering it.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import caches

CACHE_ALIAS = "login_attempts"
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW_SECONDS = 15 * 60


def clock() -> float:
    return time.time()


@dataclass(frozen=True)
class Lockout:
    scope: str  # "account" or "address"
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
        whose = "for this account" if self.scope == "account" else "from your address"
        return f"Too many failed log-ins {whose}. Try again in {wait}."


def _key(scope: str, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"login:{scope}:{digest}"


def _account(username: str) -> str:
    return (username or "").strip().casefold()


def _keys(username: str, address: str) -> list[tuple[str, str, int]]:
    return [
        ("account", _key("account", _account(username)), ACCOUNT_LIMIT),
        ("address", _key("address", address or "unknown"), ADDRESS_LIMIT),
    ]


def _window_end(cache, key: str, now: float) -> float | None:
    """The end of the key's open window, or None (and the stale counter dropped)."""
    end = cache.get(f"{key}:until")
    if end is None:
        return None
    if now >= end:
        cache.delete_many([f"{key}:until", f"{key}:count"])
        return None
    return end


def check(*, username: str, address: str) -> Lockout | None:
    """The lockout that refuses this attempt now, if any."""
    cache, now = caches[CACHE_ALIAS], clock()
    for scope, key, limit in _keys(username, address):
        end = _window_end(cache, key, now)
        if end is not None and (cache.get(f"{key}:count") or 0) >= limit:
            return Lockout(scope=scope, retry_after=math.ceil(end - now))
    return None


def record_failure(*, username: str, address: str) -> None:
    cache, now = caches[CACHE_ALIAS], clock()
    for _scope, key, _limit in _keys(username, address):
        if _window_end(cache, key, now) is None:
            # First failure of a window; if another worker opened it a moment ago, add() keeps
            # theirs. The cache timeout only tidies up: the stored end is what counts.
            cache.add(f"{key}:until", now + WINDOW_SECONDS, WINDOW_SECONDS + 60)
            cache.add(f"{key}:count", 0, WINDOW_SECONDS + 60)
        try:
            cache.incr(f"{key}:count")
        except ValueError:  # expired between add() and incr()
            cache.set(f"{key}:count", 1, WINDOW_SECONDS + 60)


def reset_account(*, username: str) -> None:
    key = _key("account", _account(username))
    caches[CACHE_ALIAS].delete_many([f"{key}:until", f"{key}:count"])
