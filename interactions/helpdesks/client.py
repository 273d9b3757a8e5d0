"""HTTP for every helpdesk: timeouts, bounded retries, rate limits and readable errors.

A helpdesk module builds an `ApiClient` with its base URL and credentials and calls
`get_json` / `post_json`. Transport errors and 5xx answers are retried with exponential backoff;
a `429` waits as long as `Retry-After` (or Intercom's `X-RateLimit-Reset`) says, within
`MAX_WAIT_SECONDS` in all; 401, 403 and 404 become errors that say what to do. Nothing here
logs or repeats a credential: error messages name the helpdesk and the status, never a header.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from typing import Any

import httpx
from django.conf import settings

MAX_RETRIES = 3  # after the first try
MAX_WAIT_SECONDS = 60.0  # in all, across the retries of one request
BACKOFF_SECONDS = 0.5
sleep = time.sleep  # the tests replace it: no real waiting in the suite


class HelpdeskError(Exception):
    """Something the helpdesk refused or could not do; the message is shown to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class HelpdeskAuthError(HelpdeskError):
    """The token (or email and token) was refused."""


class HelpdeskPermissionError(HelpdeskError):
    """The account may not read what was asked for."""


class HelpdeskNotFound(HelpdeskError):
    """No such ticket or conversation."""


class HelpdeskUnavailable(HelpdeskError):
    """The helpdesk did not answer usefully in time: down, too slow or rate limiting."""


class HelpdeskReplyError(HelpdeskError):
    """The helpdesk answered with something that is not what its API documents."""


class ApiClient:
    def __init__(
        self,
        *,
        helpdesk: str,
        base_url: str,
        auth: httpx.Auth | None = None,
        headers: dict[str, str] | None = None,
        sleep: Callable[[float], None] | None = None,
        timeout: float | None = None,
    ):
        self.helpdesk = helpdesk
        override = getattr(settings, "CONCORD_HELPDESK_BASE_URL_OVERRIDE", "")
        self.base_url = (override or base_url).rstrip("/")
        self._sleep = sleep
        self._http = httpx.Client(
            auth=auth,
            headers={"Accept": "application/json", "User-Agent": "Concord", **(headers or {})},
            timeout=timeout or settings.CONCORD_HELPDESK_TIMEOUT,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def url(self, path_or_url: str) -> str:
        """An absolute URL for a path; a next-page URL the helpdesk gave is kept on its path
        and query but sent to our base URL (so a reply cannot send us, and our credentials,
        anywhere else)."""
        if path_or_url.startswith(("http://", "https://")):
            parsed = httpx.URL(path_or_url)
            query = f"?{parsed.query.decode()}" if parsed.query else ""
            return f"{self.base_url}{parsed.path}{query}"
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    def get_json(self, path: str, *, params: dict | None = None) -> dict[str, Any]:
        return self._json(self.request("GET", path, params=params))

    def post_json(self, path: str, *, body: dict) -> dict[str, Any]:
        return self._json(self.request("POST", path, json=body))

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        url = self.url(path)
        waited = 0.0
        for attempt in range(MAX_RETRIES + 1):
            last = attempt == MAX_RETRIES
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.TimeoutException:
                if last:
                    raise HelpdeskUnavailable(
                        f"{self.helpdesk} did not answer in time. Try again in a minute."
                    ) from None
                waited += self._backoff(attempt, waited)
                continue
            except httpx.HTTPError:
                if last:
                    raise HelpdeskUnavailable(
                        f"Could not reach {self.helpdesk}: check the connection's address, "
                        "or try again in a minute."
                    ) from None
                waited += self._backoff(attempt, waited)
                continue
            status = response.status_code
            if status == 429:
                wait = _retry_after(response)
                if last or wait is None or waited + wait > MAX_WAIT_SECONDS:
                    later = f" in about {round(wait)} seconds" if wait else " in a minute"
                    raise HelpdeskUnavailable(
                        f"{self.helpdesk} is limiting how fast Concord may ask (too many "
                        f"requests). Try again{later}."
                    )
                self.pause(wait)
                waited += wait
                continue
            if status >= 500:
                if last:
                    raise HelpdeskUnavailable(
                        f"{self.helpdesk} answered with a server error ({status}) several "
                        "times. Try again later."
                    )
                waited += self._backoff(attempt, waited)
                continue
            self._raise_for_client_error(response)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int, waited: float) -> float:
        wait = min(BACKOFF_SECONDS * 2**attempt * (1 + random.random() / 2), 8.0)
        wait = max(0.0, min(wait, MAX_WAIT_SECONDS - waited))
        self.pause(wait)
        return wait

    def pause(self, seconds: float) -> None:
        (self._sleep or sleep)(seconds)

    def _raise_for_client_error(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            if status >= 300:
                raise HelpdeskReplyError(
                    f"{self.helpdesk} answered with a redirect ({status}): check the "
                    "connection's address."
                )
            return
        if status == 401:
            raise HelpdeskAuthError(
                f"{self.helpdesk} refused the credentials (401): the token is wrong, expired "
                "or revoked. Add the connection again with a new token."
            )
        if status == 403:
            raise HelpdeskPermissionError(
                f"{self.helpdesk} says the connected account may not read this (403). Give "
                "the token's user access to it (see README, “Helpdesk connections”)."
            )
        if status == 404:
            raise HelpdeskNotFound(f"{self.helpdesk} has no such record (404).")
        detail = _error_detail(response)
        raise HelpdeskError(
            f"{self.helpdesk} refused the request ({status}){': ' + detail if detail else ''}."
        )

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise HelpdeskReplyError(
                f"{self.helpdesk} sent a reply Concord cannot read (not a JSON object). "
                "Try again; if it keeps happening, check the connection's address."
            )
        return payload


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait: Retry-After (seconds or an HTTP date), else X-RateLimit-Reset (a Unix
    time, Intercom), else None."""
    header = response.headers.get("Retry-After")
    if header:
        header = header.strip()
        if header.isdigit():
            return float(header)
        try:
            when = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())
    reset = response.headers.get("X-RateLimit-Reset")
    if reset and reset.strip().isdigit():
        return max(0.0, float(reset) - time.time())
    return None


def _error_detail(response: httpx.Response) -> str:
    """A short reason from the helpdesk's error body (Zendesk `error`/`description`, Freshdesk
    `description`/`errors`, Intercom `errors[].message`), at most 200 characters."""
    try:
        payload = response.json()
    except ValueError:
        return ""
    if not isinstance(payload, dict):
        return ""
    parts: list[str] = []
    for key in ("description", "message"):
        if isinstance(payload.get(key), str):
            parts.append(payload[key])
    error = payload.get("error")
    if isinstance(error, str):
        parts.append(error)
    elif isinstance(error, dict):
        parts.extend(str(error.get(key)) for key in ("title", "message") if error.get(key))
    errors = payload.get("errors")
    if isinstance(errors, list):
        for item in errors[:3]:
            if isinstance(item, dict):
                text = item.get("message") or item.get("code")
                field = item.get("field")
                if text:
                    parts.append(f"{field}: {text}" if field else str(text))
    return "; ".join(dict.fromkeys(parts))[:200]
