"""Intercom: conversations with their parts, conversation search.

Endpoints (developers.intercom.com, REST API, `Intercom-Version: 2.11`): `GET /me`,
`GET /conversations/{id}?display_as=plaintext`, `POST /conversations/search` (cursor
pagination: `pagination.starting_after`, `pages.next.starting_after`), `GET /teams`.
Auth: an access token (bearer). Data regions: api.intercom.io, api.eu.intercom.io,
api.au.intercom.io.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ..models import Channel, MessageRole
from .base import MAX_CANDIDATES, HelpdeskClient
from .client import ApiClient, HelpdeskError, HelpdeskReplyError
from .records import MAX_AGENT, MAX_SUBJECT, Conversation, Part, from_unix, html_to_text, short

API_VERSION = "2.11"
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
        return conversation_record(payload, url=url)

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
    return Conversation(
        external_id=f"intercom:{payload['id']}",
        url=url,
        channel=channel_of(payload),
        subject=short(source.get("subject") or payload.get("title"), MAX_SUBJECT),
        agent_name=short(agent, MAX_AGENT),
        occurred_at=from_unix(payload.get("created_at")),
        parts=parts,
        metadata={key: value for key, value in metadata.items() if value},
    )
