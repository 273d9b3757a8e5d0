"""Intercom against a local fake of its REST API (pytest-httpserver), payloads shaped as
documented (developers.intercom.com, version 2.11: Admins /me, Conversations, Search)."""

import json
import time

import pytest
from werkzeug.wrappers import Response

from interactions.helpdesks import client as http
from interactions.helpdesks import services
from interactions.helpdesks.services import HelpdeskError
from interactions.models import HelpdeskAuth

from .factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "dG9rOmludGVyY29t"


@pytest.fixture(autouse=True)
def fake(httpserver, settings, monkeypatch):
    settings.CONCORD_HELPDESK_BASE_URL_OVERRIDE = httpserver.url_for("").rstrip("/")
    waits = []
    monkeypatch.setattr(http, "sleep", waits.append)
    httpserver.waits = waits
    return httpserver


ME = {
    "type": "admin",
    "id": "991",
    "email": "lee@acme.example",
    "name": "Lee Park",
    "email_verified": True,
    "app": {"type": "app", "id_code": "abc123", "name": "Acme", "region": "US"},
}


@pytest.fixture
def connection(fake):
    team = TeamFactory()
    user = UserFactory()
    MembershipFactory(team=team, user=user, role="admin")
    fake.expect_request("/me").respond_with_json(ME)
    return services.connection_create(
        team=team,
        creator=user,
        kind="intercom",
        site="eu",
        auth=HelpdeskAuth.ACCESS_TOKEN,
        secret=TOKEN,
    )


def author(kind, author_id, name):
    return {"type": kind, "id": author_id, "name": name, "email": f"{author_id}@x.example"}


def part(part_id, part_type, body, who, created):
    return {
        "type": "conversation_part",
        "id": part_id,
        "part_type": part_type,
        "body": body,
        "created_at": created,
        "updated_at": created,
        "notified_at": created,
        "assigned_to": None,
        "author": who,
        "attachments": [],
        "external_id": None,
        "redacted": False,
    }


def conversation(conversation_id="215", **extra):
    return {
        "type": "conversation",
        "id": conversation_id,
        "title": None,
        "created_at": 1791000000,
        "updated_at": 1791003600,
        "state": "closed",
        "open": False,
        "admin_assignee_id": 991,
        "team_assignee_id": "5",
        "tags": {"type": "tag.list", "tags": [{"type": "tag", "id": "1", "name": "Refund"}]},
        "source": {
            "type": "conversation",
            "id": "403",
            "delivered_as": "customer_initiated",
            "subject": "",
            "body": "<p>Hi, my refund has not arrived</p>",
            "author": author("user", "u1", "Mia Chen"),
            "attachments": [],
            "url": None,
            "redacted": False,
        },
        "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": "u1"}]},
        "conversation_parts": {
            "type": "conversation_part.list",
            "conversation_parts": [
                part("1", "assignment", None, author("bot", "b1", "Fin"), 1791000010),
                part(
                    "2", "comment", "I can help with that.", author("bot", "b1", "Fin"), 1791000020
                ),
                part(
                    "3",
                    "note",
                    "Escalating to billing",
                    author("admin", "991", "Lee Park"),
                    1791000100,
                ),
                {
                    **part(
                        "4",
                        "comment",
                        "Refund sent today.",
                        author("admin", "991", "Lee Park"),
                        1791000200,
                    ),
                    "attachments": [
                        {
                            "type": "upload",
                            "name": "receipt.pdf",
                            "url": "https://downloads.intercomcdn.com/r.pdf",
                            "content_type": "application/pdf",
                            "filesize": 100,
                        }
                    ],
                },
                part("5", "close", None, author("admin", "991", "Lee Park"), 1791000300),
            ],
            "total_count": 5,
        },
        **extra,
    }


def test_connection_sends_bearer_and_version_and_keeps_the_app(fake, connection):
    request, _ = fake.log[-1]
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Intercom-Version"] == "2.11"
    assert connection.connected_as == "Lee Park <lee@acme.example>, workspace Acme"
    assert connection.account == {"app_id": "abc123"}


def test_conversation_parts_become_messages(fake, connection):
    fake.expect_request(
        "/conversations/215", query_string={"display_as": "plaintext"}
    ).respond_with_json(conversation())
    result = services.helpdesk_import(
        connection=connection,
        references="https://app.intercom.com/a/inbox/abc123/inbox/conversation/215",
    )
    interaction = result.interactions[0]
    assert interaction.external_id == "intercom:215"
    assert interaction.url == "https://app.intercom.com/a/inbox/abc123/inbox/conversation/215"
    assert interaction.channel == "chat"
    assert interaction.agent_name == "Lee Park"
    assert interaction.metadata["tags"] == ["refund"]
    rows = [
        (m.author, m.role, m.is_internal_note, m.display_body.split("\n")[0])
        for m in interaction.messages.order_by("position")
    ]
    assert rows == [
        ("Mia Chen", "customer", False, "Hi, my refund has not arrived"),
        ("Fin", "bot", False, "I can help with that."),
        ("Lee Park", "agent", True, "Escalating to billing"),
        ("Lee Park", "agent", False, "Refund sent today."),
    ]


def test_search_follows_the_cursor_and_filters_channel_and_tag(fake, connection):
    email = conversation("2", source={**conversation()["source"], "type": "email"})
    untagged = conversation("3", tags={"type": "tag.list", "tags": []})
    fake.expect_oneshot_request("/conversations/search", method="POST").respond_with_json(
        {
            "type": "conversation.list",
            "conversations": [conversation("1"), email],
            "total_count": 3,
            "pages": {
                "type": "pages",
                "page": 1,
                "per_page": 150,
                "total_pages": 2,
                "next": {"page": 2, "starting_after": "WzE3OTEw"},
            },
        }
    )
    fake.expect_oneshot_request("/conversations/search", method="POST").respond_with_json(
        {"type": "conversation.list", "conversations": [untagged], "pages": {"next": None}}
    )
    client = services.helpdesk_client(connection=connection)
    from django.utils import timezone

    assert client.search(since=timezone.now(), channel="chat", tag="refund") == ["1"]
    bodies = [json.loads(req.data) for req, _ in fake.log if req.path == "/conversations/search"]
    assert bodies[0]["query"]["value"][0] == {"field": "state", "operator": "=", "value": "closed"}
    assert bodies[1]["pagination"]["starting_after"] == "WzE3OTEw"


def test_rate_limit_reset_header_is_honoured(fake, connection):
    reset = str(int(time.time()) + 5)
    fake.expect_oneshot_request("/conversations/215").respond_with_response(
        Response(
            json.dumps({"type": "error.list", "errors": [{"code": "rate_limit_exceeded"}]}),
            status=429,
            headers={"X-RateLimit-Reset": reset},
        )
    )
    fake.expect_request("/conversations/215").respond_with_json(conversation())
    services.helpdesk_import(connection=connection, references="215")
    assert len(fake.waits) == 1 and 3 <= fake.waits[0] <= 6


def test_revoked_token_is_a_clear_error(fake, connection):
    fake.expect_request("/conversations/215").respond_with_json(
        {
            "type": "error.list",
            "errors": [{"code": "unauthorized", "message": "Access Token Invalid"}],
        },
        status=401,
    )
    with pytest.raises(HelpdeskError, match="Intercom refused the credentials"):
        services.helpdesk_import(connection=connection, references="215")


def test_reply_that_is_not_a_conversation_is_refused(fake, connection):
    fake.expect_request("/conversations/215").respond_with_json({"type": "admin", "id": "1"})
    with pytest.raises(HelpdeskError, match="not a conversation"):
        services.helpdesk_import(connection=connection, references="215")


def test_region_must_be_known(connection):
    with pytest.raises(HelpdeskError, match="data region"):
        services.connection_create(
            team=connection.team,
            creator=None,
            kind="intercom",
            site="mars",
            auth=HelpdeskAuth.ACCESS_TOKEN,
            secret=TOKEN,
        )
