"""Zendesk Support: tickets with their comments, users sideloaded, search export, the JSON
ticket export file.

Endpoints (developer.zendesk.com, Ticketing API): `GET /api/v2/users/me.json`,
`GET /api/v2/tickets/{id}.json?include=users`, `GET /api/v2/tickets/{id}/comments.json`
(cursor pagination: `page[size]`, `meta.has_more`, `links.next`; `include=users`),
`GET /api/v2/search/export?filter[type]=ticket` (cursor pagination). Auth: the agent's email
with `/token` and the API token (basic auth), or an OAuth access token (bearer).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx

from ..models import Channel, HelpdeskAuth, MessageRole
from .base import MAX_CANDIDATES, HelpdeskClient
from .client import ApiClient, HelpdeskAuthError, HelpdeskPermissionError, HelpdeskReplyError
from .records import (
    MAX_AGENT,
    MAX_SUBJECT,
    Conversation,
    Part,
    call_summary,
    from_iso,
    html_to_text,
    short,
)

PAGE_SIZE = 100
MAX_PAGES = 50  # 5,000 comments: far past any real ticket; stops a looping cursor

# ticket.via.channel -> Concord channel
CHANNELS = {
    "email": Channel.EMAIL,
    "mail": Channel.EMAIL,
    "web": Channel.EMAIL,
    "web_form": Channel.EMAIL,
    "chat": Channel.CHAT,
    "chat_transcript": Channel.CHAT,
    "native_messaging": Channel.CHAT,
    "messaging": Channel.CHAT,
    "mobile_sdk": Channel.CHAT,
    "sdk": Channel.CHAT,
    "whatsapp": Channel.CHAT,
    "facebook": Channel.CHAT,
    "twitter": Channel.CHAT,
    "instagram_dm": Channel.CHAT,
    "line": Channel.CHAT,
    "wechat": Channel.CHAT,
    "sms": Channel.CHAT,
    "voice": Channel.PHONE,
    "phone": Channel.PHONE,
    "phone_call_inbound": Channel.PHONE,
    "phone_call_outbound": Channel.PHONE,
    "voicemail": Channel.PHONE,
}
ROLES = {"end-user": MessageRole.CUSTOMER, "agent": MessageRole.AGENT, "admin": MessageRole.AGENT}


def channel_of(ticket: dict) -> str:
    via = ticket.get("via") if isinstance(ticket.get("via"), dict) else {}
    return str(CHANNELS.get(str(via.get("channel") or "").lower(), Channel.OTHER))


def base_url(subdomain: str) -> str:
    return f"https://{subdomain}.zendesk.com"


def ticket_link(subdomain: str, ticket_id: Any) -> str:
    return f"{base_url(subdomain)}/agent/tickets/{ticket_id}"


class ZendeskClient(HelpdeskClient):
    label = "Zendesk"
    prefix = "zendesk"
    url_pattern = re.compile(
        r"zendesk\.com/(?:agent/tickets|hc/[\w-]+/requests|hc/requests|tickets)/(?P<id>\d+)"
    )

    def make_api(self, *, sleep) -> ApiClient:
        connection = self.connection
        if connection.auth == HelpdeskAuth.OAUTH:
            auth, headers = None, {"Authorization": f"Bearer {self.secret}"}
        else:
            auth, headers = httpx.BasicAuth(f"{connection.email}/token", self.secret), {}
        return ApiClient(
            helpdesk="Zendesk",
            base_url=base_url(connection.site),
            auth=auth,
            headers=headers,
            sleep=sleep,
        )

    def example_link(self) -> str:
        return ticket_link(self.connection.site, 12345)

    def whoami(self) -> tuple[str, dict]:
        user = _object(self.api.get_json("/api/v2/users/me.json"), "user")
        if user.get("id") is None:  # Zendesk answers an anonymous user for unknown credentials
            raise HelpdeskAuthError(
                "Zendesk did not recognise these credentials (it answered as an anonymous "
                "user): check the agent email and the API token."
            )
        role = str(user.get("role") or "")
        if role not in ("agent", "admin"):
            raise HelpdeskPermissionError(
                f"The Zendesk user {user.get('name') or user.get('email')} is not an agent "
                "(role “end-user”), so it cannot read tickets. Use an agent's or admin's token."
            )
        who = f"{user.get('name') or '?'} <{user.get('email') or '?'}>, {role}"
        return who, {"user_id": user.get("id")}

    def fetch(self, ticket_id: str) -> Conversation:
        payload = self.api.get_json(
            f"/api/v2/tickets/{ticket_id}.json", params={"include": "users"}
        )
        ticket = _object(payload, "ticket")
        users = _users(payload)
        comments: list[dict] = []
        path: str | None = f"/api/v2/tickets/{ticket_id}/comments.json"
        params: dict | None = {"page[size]": PAGE_SIZE, "include": "users"}
        for _ in range(MAX_PAGES):
            page = self.api.get_json(path, params=params)
            batch = page.get("comments")
            if not isinstance(batch, list):
                raise HelpdeskReplyError(
                    "Zendesk sent a comments page without its “comments” list."
                )
            comments.extend(item for item in batch if isinstance(item, dict))
            users.update(_users(page))
            path, params = _next_page(page), None
            if path is None:
                break
        return ticket_conversation(
            ticket, comments, users, url=ticket_link(self.connection.site, ticket.get("id"))
        )

    def search(
        self, *, since: datetime, channel: str | None, group: str = "", tag: str = ""
    ) -> list[str]:
        terms = ["type:ticket", "status>=solved", f"solved>={since:%Y-%m-%d}"]
        if group:
            terms.append(f'group:"{group}"' if " " in group else f"group:{group}")
        if tag:
            terms.append(f"tags:{tag}")
        ids: list[str] = []
        path: str | None = "/api/v2/search/export"
        params: dict | None = {
            "query": " ".join(terms),
            "filter[type]": "ticket",
            "page[size]": PAGE_SIZE,
        }
        for _ in range(MAX_PAGES):
            page = self.api.get_json(path, params=params)
            results = page.get("results")
            if not isinstance(results, list):
                raise HelpdeskReplyError("Zendesk sent search results without a “results” list.")
            for ticket in results:
                if not isinstance(ticket, dict) or ticket.get("id") is None:
                    continue
                if channel and channel_of(ticket) != channel:
                    continue
                ids.append(str(ticket["id"]))
            path, params = _next_page(page), None
            if path is None or len(ids) >= MAX_CANDIDATES:
                break
        return ids[:MAX_CANDIDATES]


def _object(payload: dict, key: str) -> dict:
    value = payload.get(key)
    if not isinstance(value, dict):
        raise HelpdeskReplyError(f"Zendesk sent a reply without its “{key}”.")
    return value


def _users(payload: dict) -> dict[Any, dict]:
    users = payload.get("users")
    if not isinstance(users, list):
        return {}
    return {user.get("id"): user for user in users if isinstance(user, dict)}


def _next_page(page: dict) -> str | None:
    meta = page.get("meta") if isinstance(page.get("meta"), dict) else {}
    links = page.get("links") if isinstance(page.get("links"), dict) else {}
    if meta.get("has_more") and isinstance(links.get("next"), str) and links["next"]:
        return links["next"]
    return None


def ticket_conversation(
    ticket: dict, comments: list[dict], users: dict[Any, dict], *, url: str
) -> Conversation:
    """One Zendesk ticket (API object or a line of the JSON export) as a Conversation."""
    if ticket.get("id") is None:
        raise HelpdeskReplyError("Zendesk sent a ticket without an id.")
    requester_id = ticket.get("requester_id")
    assignee_id = ticket.get("assignee_id")
    parts: list[Part] = []
    notes: list[str] = []
    recording = ""
    calls: list[dict] = []
    for comment in comments:
        author_id = comment.get("author_id")
        user = users.get(author_id) or (
            comment.get("author") if isinstance(comment.get("author"), dict) else {}
        )
        role = _role(comment, user, author_id, requester_id, assignee_id)
        name = user.get("name") or _fallback_name(comment, role, author_id)
        body = comment.get("plain_body")
        if not isinstance(body, str) or not body.strip():
            body = comment.get("body") if isinstance(comment.get("body"), str) else ""
            if not body and isinstance(comment.get("html_body"), str):
                body = html_to_text(comment["html_body"])
        data = comment.get("data") if isinstance(comment.get("data"), dict) else {}
        attachments = [
            (str(item.get("file_name") or "attachment"), str(item["content_url"]))
            for item in comment.get("attachments") or []
            if isinstance(item, dict) and isinstance(item.get("content_url"), str)
        ]
        is_call = comment.get("type") == "VoiceComment" or bool(data.get("recording_url"))
        if is_call:
            # Zendesk Talk: the call's recording and transcription ride on the comment.
            link = str(data.get("recording_url") or "")
            link = link if link.startswith(("http://", "https://")) else ""
            recording = recording or link
            transcript = data.get("transcription_text")
            transcript = transcript.strip() if isinstance(transcript, str) else ""
            if transcript:
                notes.append(transcript)
            if link:
                attachments.insert(0, ("Call recording", link))
            if not body or not body.strip():
                body = call_summary(
                    seconds=data.get("call_duration"),
                    recorded=bool(link),
                    transcript="transcript in the notes" if transcript else "",
                )
            calls.append(
                {
                    "id": str(data.get("call_id") or comment.get("id") or ""),
                    "seconds": data.get("call_duration")
                    if isinstance(data.get("call_duration"), int)
                    else None,
                    "recording": bool(link),
                    "transcript": "completed" if transcript else "",
                }
            )
        parts.append(
            Part(
                author=str(name),
                role=role,
                sent_at=from_iso(comment.get("created_at")),
                body=body or "",
                # Talk files calls as private comments; a call is not a written note.
                internal=comment.get("public") is False and not is_call,
                attachments=attachments,
            )
        )
    agent = users.get(assignee_id, {}).get("name") if assignee_id is not None else None
    if not agent:
        agent = next((part.author for part in parts if part.role == MessageRole.AGENT), "")
    via = ticket.get("via") if isinstance(ticket.get("via"), dict) else {}
    metadata = {"helpdesk": "zendesk", "status": ticket.get("status")}
    if ticket.get("tags"):
        metadata["tags"] = [str(tag) for tag in ticket["tags"]][:20]
    if via.get("channel"):
        metadata["via"] = str(via["channel"])
    if calls:
        metadata["calls"] = calls
    return Conversation(
        external_id=f"zendesk:{ticket['id']}",
        url=url,
        channel=channel_of(ticket),
        subject=short(ticket.get("subject") or ticket.get("raw_subject"), MAX_SUBJECT),
        agent_name=short(agent, MAX_AGENT),
        occurred_at=from_iso(ticket.get("created_at")),
        parts=parts,
        notes="\n\n".join(notes),
        recording_url=recording,
        metadata={key: value for key, value in metadata.items() if value},
    )


def _role(comment, user, author_id, requester_id, assignee_id) -> str:
    via = comment.get("via") if isinstance(comment.get("via"), dict) else {}
    source = via.get("source") if isinstance(via.get("source"), dict) else {}
    rel = str(source.get("rel") or "")
    if author_id == -1:
        return MessageRole.SYSTEM.value  # Zendesk itself (triggers, automations)
    if "bot" in str(via.get("channel") or "") or "bot" in rel:
        return MessageRole.BOT.value
    if user.get("role") in ROLES:
        return ROLES[user["role"]].value
    if author_id is not None and author_id == requester_id:
        return MessageRole.CUSTOMER.value
    if author_id is not None and author_id == assignee_id:
        return MessageRole.AGENT.value
    if comment.get("public") is False:
        return MessageRole.AGENT.value  # only agents write internal notes
    return MessageRole.OTHER.value


def _fallback_name(comment, role, author_id) -> str:
    via = comment.get("via") if isinstance(comment.get("via"), dict) else {}
    source = via.get("source") if isinstance(via.get("source"), dict) else {}
    sender = source.get("from") if isinstance(source.get("from"), dict) else {}
    if sender.get("name"):
        return str(sender["name"])
    if author_id == -1:
        return "Zendesk"
    labels = {MessageRole.CUSTOMER: "Customer", MessageRole.AGENT: "Agent"}
    label = labels.get(role, "Bot" if role == MessageRole.BOT else "Someone")
    return f"{label} {author_id}" if author_id not in (None, -1) else label
