"""What a helpdesk client hands back: one conversation in Concord's terms, ready to store.

Each helpdesk module maps its payloads onto `Conversation` (and `Part`); `message_rows` turns
the parts into the message dicts `interactions.services` takes. Internal notes keep a first
line "[Internal note]" (see `Message.is_internal_note`), lines of a call transcript a first line
"[Call transcript]" (`Message.is_call_transcript`); attachments, call recordings among them,
become links at the end of their message.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..models import CALL_TRANSCRIPT_MARK, INTERNAL_NOTE_MARK, Interaction, Message, MessageRole

MAX_AUTHOR = Message._meta.get_field("author").max_length
MAX_AGENT = Interaction._meta.get_field("agent_name").max_length
MAX_SUBJECT = Interaction._meta.get_field("subject").max_length


@dataclass
class Part:
    """One message of the thread: a public reply, an internal note, a call, a line said on a
    call."""

    author: str
    role: str  # a MessageRole value
    sent_at: datetime | None
    body: str
    internal: bool = False
    call_transcript: bool = False
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (name, url)


@dataclass
class Conversation:
    external_id: str  # "zendesk:12345"
    url: str  # the link back, for people
    channel: str  # a Channel value
    subject: str
    agent_name: str
    occurred_at: datetime | None
    parts: list[Part]
    notes: str = ""  # call transcripts
    recording_url: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


def message_rows(conversation: Conversation) -> list[dict[str, Any]]:
    """The parts as `interactions.services` message dicts; parts with no text and no
    attachment (an empty system event) are left out."""
    rows = []
    for part in conversation.parts:
        body = clean_text(part.body)
        if part.attachments:
            links = "\n".join(f"- {name}: {url}" for name, url in part.attachments)
            body = f"{body}\n\nAttachments:\n{links}" if body else f"Attachments:\n{links}"
        if not body.strip():
            continue
        if part.internal:
            body = f"{INTERNAL_NOTE_MARK}\n{body}"
        elif part.call_transcript:
            body = f"{CALL_TRANSCRIPT_MARK}\n{body}"
        author = " ".join((part.author or "").split())[:MAX_AUTHOR] or _role_label(part.role)
        rows.append({"author": author, "role": part.role, "sent_at": part.sent_at, "body": body})
    return rows


def call_summary(
    *,
    direction: Any = None,
    seconds: Any = None,
    outcome: Any = None,
    recorded: bool = False,
    transcript: str = "",
) -> str:
    """ "Inbound call, 4 min 05 s (completed). Recorded; transcript below." `transcript` says
    where the transcript is ("transcript below"), empty when there is none."""
    kind = str(direction or "").strip().lower()
    text = f"{kind.capitalize()} call" if kind in ("inbound", "outbound") else "Call"
    if isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds >= 0:
        minutes, rest = divmod(int(seconds), 60)
        text += f", {minutes} min {rest:02d} s" if minutes else f", {rest} s"
    if outcome:
        text += f" ({' '.join(str(outcome).replace('_', ' ').split())})"
    return f"{text}. {'Recorded' if recorded else 'No recording'}; {transcript or 'no transcript'}."


def _role_label(role: str) -> str:
    return MessageRole(role).label if role in MessageRole.values else "Unknown"


_BLOCK_END = re.compile(r"(?i)</(p|div|li|h[1-6]|tr|blockquote)>|<br\s*/?>")
_TAG = re.compile(r"<[^>]+>")


def html_to_text(value: str | None) -> str:
    """Readable text from a helpdesk's HTML body: line breaks kept, tags dropped."""
    text = _BLOCK_END.sub("\n", value or "")
    text = re.sub(r"(?i)<li[^>]*>", "- ", text)
    text = html.unescape(_TAG.sub("", text))
    return clean_text(text)


def clean_text(value: str | None) -> str:
    lines = str(value or "").replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    kept = [line.rstrip() for line in lines.split("\n")]
    text = "\n".join(kept).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text)


def short(value: Any, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def from_iso(value: Any) -> datetime | None:
    """'2026-10-02T09:14:00Z' -> aware datetime; anything unreadable -> None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def from_unix(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value, tz=UTC)
