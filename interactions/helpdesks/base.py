"""What every helpdesk client offers, and reading a pasted link or id."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from datetime import datetime

from .client import ApiClient, HelpdeskError
from .records import Conversation

MAX_CANDIDATES = 500  # search results read before drawing a sample


class HelpdeskClient(ABC):
    """One helpdesk, through one connection. Subclasses set `label` and `prefix` and
    implement the four calls; all raise HelpdeskError with messages fit for people."""

    label = "Helpdesk"
    prefix = "helpdesk"

    def __init__(self, *, connection, secret: str, sleep=None):
        self.connection = connection
        self.secret = secret
        self.api: ApiClient = self.make_api(sleep=sleep)

    @abstractmethod
    def make_api(self, *, sleep) -> ApiClient:
        """The HTTP client for this helpdesk: base URL, authentication, headers."""

    def close(self) -> None:
        self.api.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @abstractmethod
    def whoami(self) -> tuple[str, dict]:
        """("Sam Ortiz <sam@acme.com>, admin", account facts to keep) or HelpdeskError."""

    @abstractmethod
    def fetch(self, ticket_id: str) -> Conversation:
        """The whole thread of one ticket or conversation."""

    @abstractmethod
    def search(
        self, *, since: datetime, channel: str | None, group: str = "", tag: str = ""
    ) -> list[str]:
        """Ids of solved conversations since `since` (at most MAX_CANDIDATES)."""

    def external_id(self, ticket_id: str) -> str:
        return f"{self.prefix}:{ticket_id}"

    # --- references ---------------------------------------------------------------------

    url_pattern: re.Pattern = re.compile(r"$^")

    def parse_reference(self, text: str) -> str:
        """The ticket id in a pasted link, "#123", "123" or "zendesk:123"."""
        value = text.strip().rstrip("/").strip()
        if value.lower().startswith(f"{self.prefix}:"):
            value = value.split(":", 1)[1].strip()
        value = value.lstrip("#")
        if value.isdigit():
            return value
        match = self.url_pattern.search(value)
        if match:
            return match.group("id")
        raise HelpdeskError(
            f"“{_clip(text)}” is not a {self.label} link or id: paste a link like "
            f"{self.example_link()} or just the number."
        )

    def example_link(self) -> str:
        return "123"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "…"


def split_references(text: str) -> list[str]:
    """Links or ids separated by new lines, commas or spaces; duplicates dropped."""
    return list(dict.fromkeys(piece for piece in re.split(r"[\s,;]+", text or "") if piece))
