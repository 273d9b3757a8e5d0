"""Intercom: conversations with their parts and calls, conversation search.

Endpoints (developers.intercom.com, REST API, `Intercom-Version: 2.14`, the first with the Calls
API): `GET /me`, `GET /conversations/{id}?display_as=plaintext`, `POST /conversations/search`
(cursor pagination: `pagination.starting_after`, `pages.next.starting_after`), `GET /teams`,
`POST /calls/search` (the calls of up to 20 conversations) and `GET /calls/{id}/transcript`
(plain text, one `[hh:mm:ss] Speaker: "words"` line per turn). Auth: an access token (bearer).
Data regions: api.intercom.io, api.eu.intercom.io, api.au.intercom.io.

A call's `recording_url` is an API address that needs the token (it redirects to a short-lived
signed file), so it cannot be a link for reviewers: the recording is linked through the
conversation in the Intercom inbox, where teammates play it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..models import Channel, MessageRole
from .base import MAX_CANDIDATES, HelpdeskClient
from .client import (
    ApiClient,
    HelpdeskError,
    HelpdeskNotFound,
    HelpdeskPermissionError,
    HelpdeskReplyError,
)
from .records import (
    MAX_AGENT,
    MAX_SUBJECT,
    Conversation,
    Part,
    call_summary,
    from_unix,
    html_to_text,
    short,
)

API_VERSION = "2.14"
REGIONS = {
    "us": "https://api.intercom.io",
    "eu": "https://api.eu.intercom.io",
    "au": "https://api.au.intercom.io",
}
PER_PAGE = 150
MAX_PAGES = 20
# Parts that carry what someone wrote; assignments and state changes only when they have text.
WRITTEN_PARTS = {"comment", "note", "open", "close", "assignment", "away_mode_assignment"}
CUSTOMER_TYPES = {"user", "lead", "contact"}
CALL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
CHANNELS = {"email": Channel.EMAIL, "phone_call": Channel.PHONE, "call": Channel.PHONE}


def channel_of(conversation: dict) -> str:
    source = conversation.get("source") if isinstance(conversation.get("source"), dict) else {}
    kind = str(source.get("type") or "").lower()
    return str(CHANNELS.get(kind, Channel.CHAT))


class IntercomClient(HelpdeskClient):
    label = "Intercom"
    prefix = "intercom"
    url_pattern = re.compile(r"intercom\.com/.*?conversations?/(?P<id>\d+)")

    def make_api(self, *, sleep) -> ApiClient:
        return ApiClient(
            helpdesk="Intercom",
            base_url=REGIONS.get(self.connection.site, REGIONS["us"]),
            headers={"Authorization": f"Bearer {self.secret}", "Intercom-Version": API_VERSION},
            sleep=sleep,
        )

    def example_link(self) -> str:
        return "https://app.intercom.com/a/inbox/abc123/inbox/conversation/123456789"

    def whoami(self) -> tuple[str, dict]:
        me = self.api.get_json("/me")
        if me.get("type") != "admin" or me.get("id") is None:
            raise HelpdeskReplyError("Intercom answered /me without an admin.")
        app = me.get("app") if isinstance(me.get("app"), dict) else {}
        who = f"{me.get('name') or '?'} <{me.get('email') or '?'}>"
        if app.get("name"):
            who += f", workspace {app['name']}"
        return who, {"app_id": app.get("id_code") or ""}

    def fetch(self, ticket_id: str) -> Conversation:
        payload = self.api.get_json(
            f"/conversations/{ticket_id}", params={"display_as": "plaintext"}
        )
        if payload.get("type") != "conversation" or payload.get("id") is None:
            raise HelpdeskReplyError("Intercom sent something that is not a conversation.")
        app_id = (self.connection.account or {}).get("app_id") or ""
        url = (
            f"https://app.intercom.com/a/inbox/{app_id}/inbox/conversation/{payload['id']}"
            if app_id
            else ""
        )
        record = conversation_record(payload, url=url)
        add_calls(record, *self._calls(str(payload["id"])))
        return record

    def _calls(self, conversation_id: str) -> tuple[list[dict], CallsProblem | None]:
        """The conversation's calls, each with its transcript text ("" when it has none),
        and what kept Concord from reading them. A token that may not read calls (403), or a
        workspace without the Calls API (404), leaves the calls out instead of failing the
        import; anything else (a bad token, Intercom down) fails it, so a conversation is
        never stored without calls it has."""
        try:
            page = self.api.post_json("/calls/search", body={"conversation_ids": [conversation_id]})
        except HelpdeskPermissionError:
            return [], CallsProblem(
                "Intercom did not let this token read calls (403), so any call recording or "
                "transcript of this conversation is missing.",
                tell_reviewers=True,
            )
        except HelpdeskNotFound:
            # Nothing to fix and likely no calls at all: kept out of the reviewers' notes.
            return [], CallsProblem("Intercom has no Calls API for this workspace (404).")
        data = page.get("data")
        if not isinstance(data, list):
            raise HelpdeskReplyError("Intercom sent a calls list without its “data”.")
        calls: list[dict] = []
        problem = None
        for call in data:
            # The id goes into a path: only the plain ids Intercom documents ("123").
            if not isinstance(call, dict) or not CALL_ID.fullmatch(str(call.get("id") or "")):
                continue
            if str(call.get("conversation_id") or conversation_id) != conversation_id:
                continue
            text = ""
            if call.get("transcription_url"):
                try:
                    text = self._transcript(str(call["id"]))
                except HelpdeskNotFound:
                    text = ""  # transcript listed but gone: the call stays, without it
                except HelpdeskPermissionError:
                    problem = CallsProblem(
                        "Intercom did not let this token read call transcripts (403), so "
                        "they are missing.",
                        tell_reviewers=True,
                    )
            calls.append({**call, "transcript_text": text})
        calls.sort(key=lambda call: (call.get("initiated_at") or 0, str(call.get("id"))))
        return calls, problem

    def _transcript(self, call_id: str) -> str:
        response = self.api.request(
            "GET", f"/calls/{call_id}/transcript", headers={"Accept": "text/plain"}
        )
        return response.text

    def _team_id(self, group: str) -> str:
        if group.isdigit():
            return group
        teams = self.api.get_json("/teams").get("teams")
        for team in teams if isinstance(teams, list) else []:
            if isinstance(team, dict) and str(team.get("name", "")).lower() == group.lower():
                return str(team.get("id"))
        raise HelpdeskError(f"Intercom has no team called “{group}”.")

    def search(
        self, *, since: datetime, channel: str | None, group: str = "", tag: str = ""
    ) -> list[str]:
        filters: list[dict] = [
            {"field": "state", "operator": "=", "value": "closed"},
            {"field": "updated_at", "operator": ">", "value": int(since.timestamp())},
        ]
        if group:
            filters.append(
                {"field": "team_assignee_id", "operator": "=", "value": self._team_id(group)}
            )
        body: dict[str, Any] = {
            "query": {"operator": "AND", "value": filters},
            "pagination": {"per_page": PER_PAGE},
        }
        ids: list[str] = []
        for _ in range(MAX_PAGES):
            page = self.api.post_json("/conversations/search", body=body)
            results = page.get("conversations")
            if not isinstance(results, list):
                raise HelpdeskReplyError("Intercom sent search results without “conversations”.")
            for item in results:
                if not isinstance(item, dict) or item.get("id") is None:
                    continue
                if channel and channel_of(item) != channel:
                    continue
                if tag and tag.lower() not in _tag_names(item):
                    continue
                ids.append(str(item["id"]))
            pages = page.get("pages") if isinstance(page.get("pages"), dict) else {}
            following = pages.get("next") if isinstance(pages.get("next"), dict) else {}
            cursor = following.get("starting_after")
            if not cursor or len(ids) >= MAX_CANDIDATES:
                break
            body["pagination"] = {"per_page": PER_PAGE, "starting_after": cursor}
        return ids[:MAX_CANDIDATES]


def _tag_names(item: dict) -> set[str]:
    tags = item.get("tags") if isinstance(item.get("tags"), dict) else {}
    return {
        str(tag.get("name", "")).lower() for tag in tags.get("tags") or [] if isinstance(tag, dict)
    }


def _author(author: Any) -> tuple[str, str, Any]:
    """(name, role, admin id or None) of an Intercom author object."""
    author = author if isinstance(author, dict) else {}
    kind = str(author.get("type") or "")
    name = str(author.get("name") or author.get("email") or "")
    if kind in CUSTOMER_TYPES:
        return name or "Customer", MessageRole.CUSTOMER.value, None
    if kind == "admin":
        return name or "Agent", MessageRole.AGENT.value, author.get("id")
    if kind == "bot":
        return name or "Bot", MessageRole.BOT.value, None
    return name or "Intercom", MessageRole.SYSTEM.value, None


def _attachments(item: dict) -> list[tuple[str, str]]:
    return [
        (str(att.get("name") or "attachment"), str(att["url"]))
        for att in item.get("attachments") or []
        if isinstance(att, dict) and isinstance(att.get("url"), str)
    ]


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else ""
    return html_to_text(text) if "<" in text else text


def conversation_record(payload: dict, *, url: str) -> Conversation:
    source = payload.get("source") if isinstance(payload.get("source"), dict) else {}
    name, role, admin_id = _author(source.get("author"))
    parts = [
        Part(
            author=name,
            role=role,
            sent_at=from_unix(payload.get("created_at")),
            body=_text(source.get("body")),
            attachments=_attachments(source),
        )
    ]
    admins: dict[Any, str] = {admin_id: name} if admin_id is not None else {}
    container = payload.get("conversation_parts")
    items = container.get("conversation_parts") if isinstance(container, dict) else []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or item.get("part_type") not in WRITTEN_PARTS:
            continue
        name, role, admin_id = _author(item.get("author"))
        if admin_id is not None:
            admins[admin_id] = name
        parts.append(
            Part(
                author=name,
                role=role,
                sent_at=from_unix(item.get("created_at")),
                body=_text(item.get("body")),
                internal=item.get("part_type") == "note",
                attachments=_attachments(item),
            )
        )
    assignee = payload.get("admin_assignee_id")
    agent = (
        admins.get(assignee)
        or admins.get(str(assignee))
        or next((part.author for part in parts if part.role == MessageRole.AGENT), "")
    )
    metadata: dict[str, Any] = {"helpdesk": "intercom", "state": payload.get("state")}
    tags = sorted(_tag_names(payload))
    if tags:
        metadata["tags"] = tags[:20]
    if source.get("type"):
        metadata["source"] = str(source["type"])
    notes = ""
    total = container.get("total_count") if isinstance(container, dict) else None
    listed = len(items) if isinstance(items, list) else 0
    if isinstance(total, int) and total > listed:
        # The API returns the 500 most recent parts and has no way to page back further, so
        # reviewers are told that replies after the first message are missing.
        notes = (
            f"Intercom's API gives only the {listed} most recent of this conversation's {total} "
            f"parts: {total - listed} earlier ones are missing (read them in Intercom)."
        )
        metadata["parts_missing"] = total - listed
    return Conversation(
        external_id=f"intercom:{payload['id']}",
        url=url,
        channel=channel_of(payload),
        subject=short(source.get("subject") or payload.get("title"), MAX_SUBJECT),
        agent_name=short(agent, MAX_AGENT),
        occurred_at=from_unix(payload.get("created_at")),
        parts=parts,
        notes=notes,
        metadata={key: value for key, value in metadata.items() if value},
    )


# --- calls -----------------------------------------------------------------------------------

# "[00:00:03] Teammate 1: "Hello, thanks for calling."" (hours may have more digits)
TRANSCRIPT_LINE = re.compile(
    r"^\[(?P<h>\d{1,3}):(?P<m>\d{2}):(?P<s>\d{2})\]\s*(?P<speaker>[^:\n]{1,80}?):\s?(?P<text>.*)$"
)
CUSTOMER_SPEAKERS = {"user", "customer", "contact", "lead", "caller"}
BOT_SPEAKERS = {"fin", "fin ai agent", "ai agent", "bot"}


def transcript_parts(
    text: str, *, started: datetime | None, agents: set[str], customers: set[str]
) -> list[Part]:
    """The lines of a plain-text call transcript as parts, each at the call's start plus its
    offset. Speakers: "User" (or the contact's name) is the customer, "Teammate N" (or an
    admin's name) an agent, Fin a bot; anyone else "other". A line that does not start with
    a time continues the one before."""
    parts: list[Part] = []
    for raw in (text or "").replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        match = TRANSCRIPT_LINE.match(line)
        if not match:
            if line and parts:
                parts[-1].body += f"\n{line}"
            continue
        speaker = " ".join(match["speaker"].split())
        offset = timedelta(hours=int(match["h"]), minutes=int(match["m"]), seconds=int(match["s"]))
        parts.append(
            Part(
                author=speaker,
                role=_speaker_role(speaker, agents=agents, customers=customers),
                sent_at=started + offset if started else None,
                body=match["text"].strip(),
                call_transcript=True,
            )
        )
    for part in parts:  # a quoted turn may run over several lines
        part.body = _unquote(part.body)
    return parts


def _speaker_role(speaker: str, *, agents: set[str], customers: set[str]) -> str:
    name = speaker.lower()
    if name in CUSTOMER_SPEAKERS or name in customers:
        return MessageRole.CUSTOMER.value
    if name in BOT_SPEAKERS:
        return MessageRole.BOT.value
    if re.fullmatch(r"teammate(?: \d+)?", name) or name in agents:
        return MessageRole.AGENT.value
    return MessageRole.OTHER.value


def _unquote(text: str) -> str:
    for left, right in (('"', '"'), ("“", "”")):
        if len(text) >= 2 and text.startswith(left) and text.endswith(right):
            return text[1:-1]
    return text


@dataclass(frozen=True)
class CallsProblem:
    message: str
    tell_reviewers: bool = False  # noted where reviewers read the notes, not only in metadata


def add_calls(record: Conversation, calls: list[dict], problem: CallsProblem | None) -> None:
    """Puts each call into the conversation where it happened: a "Phone call" part (direction,
    duration, the recording as a link) followed by its transcript lines. A conversation with
    a call is a phone call; what kept calls out is kept in the metadata and, when reviewers
    should know, in the notes."""
    if problem:
        record.metadata["calls_unavailable"] = problem.message
        if problem.tell_reviewers:
            record.notes = "\n\n".join(filter(None, [record.notes, problem.message]))
    if not calls:
        return
    agents = {part.author.lower() for part in record.parts if part.role == MessageRole.AGENT}
    customers = {part.author.lower() for part in record.parts if part.role == MessageRole.CUSTOMER}
    summaries = []
    for call in calls:
        started = from_unix(call.get("answered_at")) or from_unix(call.get("initiated_at"))
        ended = from_unix(call.get("ended_at"))
        seconds = int((ended - started).total_seconds()) if started and ended else None
        has_recording = bool(call.get("recording_url"))
        attachments = []
        if has_recording and record.url:
            attachments = [("Call recording (plays in the Intercom conversation)", record.url)]
            record.recording_url = record.recording_url or record.url
        header = Part(
            author="Phone call",
            role=MessageRole.SYSTEM.value,
            sent_at=from_unix(call.get("initiated_at")) or started,
            body=call_summary(
                direction=call.get("direction"),
                seconds=seconds,
                outcome=call.get("ended_reason") or call.get("state"),
                recorded=has_recording,
                transcript="transcript below" if call.get("transcript_text") else "",
            ),
            attachments=attachments,
        )
        lines = transcript_parts(
            call.get("transcript_text") or "", started=started, agents=agents, customers=customers
        )
        _insert_in_time(record.parts, [header, *lines])
        summaries.append(
            {
                "id": str(call["id"]),
                "direction": str(call.get("direction") or ""),
                "seconds": seconds,
                "recording": has_recording,
                "transcript": str(call.get("transcript_status") or ("completed" if lines else "")),
            }
        )
    record.channel = str(Channel.PHONE)
    record.metadata["calls"] = summaries


def _insert_in_time(parts: list[Part], block: list[Part]) -> None:
    """Inserts a call's parts after the last part that was written before the call began."""
    start = block[0].sent_at
    index = len(parts)
    if start is not None:
        index = next(
            (
                i
                for i, part in enumerate(parts)
                if part.sent_at is not None and part.sent_at > start
            ),
            len(parts),
        )
    parts[index:index] = block
