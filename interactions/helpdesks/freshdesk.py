"""Freshdesk: tickets with their conversations, agents looked up once each, ticket search.

Endpoints (developers.freshdesk.com, API v2): `GET /api/v2/agents/me`,
`GET /api/v2/tickets/{id}?include=requester`, `GET /api/v2/tickets/{id}/conversations`
(`per_page`, `page`, the next page in the `Link` header), `GET /api/v2/agents/{id}`,
`GET /api/v2/groups`, `GET /api/v2/search/tickets?query="…"` (30 a page, 10 pages).
Auth: the API key as the basic-auth user, `X` as the password.

No calls: the ticket API has no recordings or transcripts (they live in Freshcaller, a separate
product with its own API). A phone ticket comes in with its conversations only.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx

from ..models import Channel, MessageRole
from .base import MAX_CANDIDATES, HelpdeskClient
from .client import ApiClient, HelpdeskError, HelpdeskNotFound, HelpdeskReplyError
from .records import MAX_AGENT, MAX_SUBJECT, Conversation, Part, from_iso, html_to_text, short

PER_PAGE = 100
MAX_PAGES = 50
SEARCH_PAGES = 10  # Freshdesk serves at most ten pages of 30 search results
RESOLVED, CLOSED = 4, 5
NOTE_SOURCE = 2
# ticket.source -> Concord channel (1 email, 2 portal, 3 phone, 7 chat, 9 feedback widget,
# 10 outbound email)
CHANNELS = {1: Channel.EMAIL, 2: Channel.EMAIL, 3: Channel.PHONE, 7: Channel.CHAT}
CHANNELS |= {9: Channel.CHAT, 10: Channel.EMAIL}


def channel_of(ticket: dict) -> str:
    return str(CHANNELS.get(ticket.get("source"), Channel.OTHER))


def domain_of(site: str) -> str:
    """ "acme" -> "acme.freshdesk.com"; a full domain stays as it is."""
    site = site.strip().lower()
    return site if "." in site else f"{site}.freshdesk.com"


class FreshdeskClient(HelpdeskClient):
    label = "Freshdesk"
    prefix = "freshdesk"
    url_pattern = re.compile(r"/(?:a/|support/|helpdesk/)?tickets/(?P<id>\d+)")

    def make_api(self, *, sleep) -> ApiClient:
        return ApiClient(
            helpdesk="Freshdesk",
            base_url=f"https://{domain_of(self.connection.site)}",
            auth=httpx.BasicAuth(self.secret, "X"),
            sleep=sleep,
        )

    def example_link(self) -> str:
        return f"https://{domain_of(self.connection.site)}/a/tickets/12345"

    def whoami(self) -> tuple[str, dict]:
        agent = self.api.get_json("/api/v2/agents/me")
        contact = agent.get("contact") if isinstance(agent.get("contact"), dict) else {}
        if agent.get("id") is None:
            raise HelpdeskReplyError("Freshdesk answered /agents/me without an agent id.")
        who = f"{contact.get('name') or '?'} <{contact.get('email') or '?'}>, agent"
        return who, {"agent_id": agent.get("id")}

    def fetch(self, ticket_id: str) -> Conversation:
        ticket = self.api.get_json(f"/api/v2/tickets/{ticket_id}", params={"include": "requester"})
        if ticket.get("id") is None:
            raise HelpdeskReplyError("Freshdesk sent a ticket without an id.")
        conversations: list[dict] = []
        path: str | None = f"/api/v2/tickets/{ticket_id}/conversations"
        params: dict | None = {"per_page": PER_PAGE, "page": 1}
        for _ in range(MAX_PAGES):
            response = self.api.request("GET", path, params=params)
            batch = _list(response, "conversations")
            conversations.extend(item for item in batch if isinstance(item, dict))
            following = response.links.get("next", {}).get("url")
            if not following or not batch:
                break
            path, params = following, None
        agents = {
            agent_id: self._agent_name(agent_id) for agent_id in _agent_ids(ticket, conversations)
        }
        return ticket_conversation(
            ticket,
            conversations,
            agents,
            url=f"https://{domain_of(self.connection.site)}/a/tickets/{ticket['id']}",
        )

    def _agent_name(self, agent_id: Any) -> str:
        try:
            agent = self.api.get_json(f"/api/v2/agents/{agent_id}")
        except HelpdeskNotFound:
            return ""  # a contact replying from the agent side, or a deleted agent
        contact = agent.get("contact") if isinstance(agent.get("contact"), dict) else {}
        return str(contact.get("name") or "")

    def _group_id(self, group: str) -> str:
        if group.isdigit():
            return group
        response = self.api.request("GET", "/api/v2/groups", params={"per_page": PER_PAGE})
        groups = _list(response, "groups")
        if groups:
            for item in groups:
                if isinstance(item, dict) and str(item.get("name", "")).lower() == group.lower():
                    return str(item.get("id"))
        raise HelpdeskError(f"Freshdesk has no group called “{group}”.")

    def search(
        self, *, since: datetime, channel: str | None, group: str = "", tag: str = ""
    ) -> list[str]:
        terms = [f"(status:{RESOLVED} OR status:{CLOSED})", f"updated_at:>'{since:%Y-%m-%d}'"]
        if group:
            terms.append(f"group_id:{self._group_id(group)}")
        if tag:
            safe = tag.replace("'", "")
            terms.append(f"tag:'{safe}'")
        query = '"' + " AND ".join(terms) + '"'
        ids: list[str] = []
        for page_number in range(1, SEARCH_PAGES + 1):
            page = self.api.get_json(
                "/api/v2/search/tickets", params={"query": query, "page": page_number}
            )
            results = page.get("results")
            if not isinstance(results, list):
                raise HelpdeskReplyError("Freshdesk sent search results without “results”.")
            for ticket in results:
                if not isinstance(ticket, dict) or ticket.get("id") is None:
                    continue
                if channel and channel_of(ticket) != channel:
                    continue
                ids.append(str(ticket["id"]))
            total = page.get("total") if isinstance(page.get("total"), int) else 0
            if not results or page_number * 30 >= total or len(ids) >= MAX_CANDIDATES:
                break
        return ids[:MAX_CANDIDATES]


def _list(response, what: str) -> list:
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if not isinstance(payload, list):
        raise HelpdeskReplyError(f"Freshdesk sent a {what} page that is not a list of {what}.")
    return payload


def _agent_ids(ticket: dict, conversations: list[dict]) -> list:
    ids = [ticket.get("responder_id")]
    ids += [item.get("user_id") for item in conversations if not item.get("incoming")]
    requester = ticket.get("requester_id")
    return [i for i in dict.fromkeys(ids) if i is not None and i != requester]


def ticket_conversation(
    ticket: dict, conversations: list[dict], agents: dict[Any, str], *, url: str
) -> Conversation:
    requester = ticket.get("requester") if isinstance(ticket.get("requester"), dict) else {}
    requester_id = ticket.get("requester_id")
    customer = str(requester.get("name") or requester.get("email") or "Customer")
    description = ticket.get("description_text")
    if not isinstance(description, str):
        description = html_to_text(ticket.get("description"))
    parts = [
        Part(
            author=customer,
            role=MessageRole.CUSTOMER.value,
            sent_at=from_iso(ticket.get("created_at")),
            body=description,
            attachments=_attachments(ticket),
        )
    ]
    for item in conversations:
        user_id = item.get("user_id")
        body = item.get("body_text")
        if not isinstance(body, str):
            body = html_to_text(item.get("body"))
        if item.get("incoming") or (user_id is not None and user_id == requester_id):
            role, author = MessageRole.CUSTOMER.value, customer
            if user_id != requester_id and item.get("from_email"):
                author = str(item["from_email"])
        else:
            role = MessageRole.AGENT.value
            author = agents.get(user_id) or f"Agent {user_id}"
        parts.append(
            Part(
                author=author,
                role=role,
                sent_at=from_iso(item.get("created_at")),
                body=body,
                internal=bool(item.get("private")) or item.get("source") == NOTE_SOURCE,
                attachments=_attachments(item),
            )
        )
    agent = agents.get(ticket.get("responder_id")) or next(
        (part.author for part in parts if part.role == MessageRole.AGENT), ""
    )
    metadata = {"helpdesk": "freshdesk", "status": ticket.get("status")}
    if ticket.get("tags"):
        metadata["tags"] = [str(tag) for tag in ticket["tags"]][:20]
    if ticket.get("group_id"):
        metadata["group_id"] = ticket["group_id"]
    return Conversation(
        external_id=f"freshdesk:{ticket['id']}",
        url=url,
        channel=channel_of(ticket),
        subject=short(ticket.get("subject"), MAX_SUBJECT),
        agent_name=short(agent, MAX_AGENT),
        occurred_at=from_iso(ticket.get("created_at")),
        parts=parts,
        metadata={key: value for key, value in metadata.items() if value},
    )


def _attachments(item: dict) -> list[tuple[str, str]]:
    return [
        (str(att.get("name") or "attachment"), str(att["attachment_url"]))
        for att in item.get("attachments") or []
        if isinstance(att, dict) and isinstance(att.get("attachment_url"), str)
    ]
