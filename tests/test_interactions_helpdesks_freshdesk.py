"""Freshdesk against a local fake of its API v2 (pytest-httpserver), payloads shaped as
documented (developers.freshdesk.com: Tickets, Conversations, Agents, Search)."""

import pytest
from werkzeug.wrappers import Response

from interactions.helpdesks import client as http
from interactions.helpdesks import services
from interactions.helpdesks.services import HelpdeskError
from interactions.models import HelpdeskAuth, Interaction

from .factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

KEY = "fd-api-key-abc"


@pytest.fixture(autouse=True)
def fake(httpserver, settings, monkeypatch):
    settings.CONCORD_HELPDESK_BASE_URL_OVERRIDE = httpserver.url_for("").rstrip("/")
    waits = []
    monkeypatch.setattr(http, "sleep", waits.append)
    httpserver.waits = waits
    return httpserver


@pytest.fixture
def connection(fake):
    team = TeamFactory()
    user = UserFactory()
    MembershipFactory(team=team, user=user, role="admin")
    fake.expect_request("/api/v2/agents/me").respond_with_json(agent(7, "Priya Shah"))
    return services.connection_create(
        team=team,
        creator=user,
        kind="freshdesk",
        site="acme",
        auth=HelpdeskAuth.API_KEY,
        secret=KEY,
    )


def agent(agent_id, name):
    return {
        "id": agent_id,
        "available": True,
        "occasional": False,
        "ticket_scope": 1,
        "contact": {"name": name, "email": f"{name.split()[0].lower()}@acme.example"},
        "type": "support_agent",
    }


def ticket(ticket_id=20, **extra):
    return {
        "id": ticket_id,
        "subject": "Parcel never arrived",
        "description": "<div>Where is my parcel? Call me on 020 7946 0958</div>",
        "description_text": "Where is my parcel? Call me on 020 7946 0958",
        "requester_id": 3001,
        "responder_id": 7,
        "group_id": 55,
        "source": 1,
        "status": 4,
        "priority": 1,
        "tags": ["shipping"],
        "attachments": [],
        "created_at": "2026-10-03T08:00:00Z",
        "updated_at": "2026-10-03T09:00:00Z",
        "requester": {"id": 3001, "name": "Olu Ade", "email": "olu@customer.example"},
        **extra,
    }


def conversation(conversation_id, body, *, incoming, private=False, user_id=7, source=0):
    return {
        "id": conversation_id,
        "body": f"<div>{body}</div>",
        "body_text": body,
        "incoming": incoming,
        "private": private,
        "user_id": user_id,
        "support_email": "support@acme.example",
        "source": source,
        "ticket_id": 20,
        "to_emails": [],
        "from_email": None,
        "attachments": [],
        "created_at": "2026-10-03T08:30:00Z",
        "updated_at": "2026-10-03T08:30:00Z",
    }


def test_api_key_is_basic_auth_user_with_x(fake, connection):
    request, _ = fake.log[-1]
    assert (request.authorization.username, request.authorization.password) == (KEY, "X")
    assert connection.site == "acme.freshdesk.com"
    assert connection.connected_as == "Priya Shah <priya@acme.example>, agent"


def test_ticket_with_paged_conversations_and_private_notes(fake, connection):
    fake.expect_request(
        "/api/v2/tickets/20", query_string={"include": "requester"}
    ).respond_with_json(ticket())
    path = "/api/v2/tickets/20/conversations"
    next_link = f'<{fake.url_for(path)}?per_page=100&page=2>; rel="next"'
    fake.expect_request(path, query_string={"per_page": "100", "page": "1"}).respond_with_json(
        [conversation(1, "Looking into it", incoming=False, private=True, source=2)],
        headers={"Link": next_link},
    )
    page_two = [
        conversation(2, "Any news?", incoming=True, user_id=3001),
        {
            **conversation(3, "Found it: tracking attached", incoming=False),
            "attachments": [
                {
                    "id": 9,
                    "name": "tracking.png",
                    "content_type": "image/png",
                    "size": 10,
                    "attachment_url": "https://s3.amazonaws.com/fd/tracking.png",
                }
            ],
        },
    ]
    fake.expect_request(path, query_string={"per_page": "100", "page": "2"}).respond_with_json(
        page_two
    )
    fake.expect_request("/api/v2/agents/7").respond_with_json(agent(7, "Priya Shah"))

    result = services.helpdesk_import(
        connection=connection, references="https://acme.freshdesk.com/a/tickets/20", mask=True
    )

    interaction = result.interactions[0]
    assert interaction.external_id == "freshdesk:20"
    assert interaction.url == "https://acme.freshdesk.com/a/tickets/20"
    assert interaction.agent_name == "Priya Shah"
    messages = list(interaction.messages.order_by("position"))
    assert [(m.author, m.role, m.is_internal_note) for m in messages] == [
        ("Olu Ade", "customer", False),
        ("Priya Shah", "agent", True),
        ("Olu Ade", "customer", False),
        ("Priya Shah", "agent", False),
    ]
    assert messages[0].body == "Where is my parcel? Call me on [phone]"
    assert "tracking.png: https://s3.amazonaws.com/fd/tracking.png" in messages[3].body


def test_unknown_ticket_says_so(fake, connection):
    fake.expect_request("/api/v2/tickets/404").respond_with_json(
        {"code": "access_denied", "message": "not found"}, status=404
    )
    with pytest.raises(HelpdeskError, match="Freshdesk has no ticket 404"):
        services.helpdesk_import(connection=connection, references="404")


def test_bad_key_on_test_is_a_clear_error(fake, connection):
    fake.clear()
    fake.expect_request("/api/v2/agents/me").respond_with_json(
        {
            "code": "invalid_credentials",
            "message": "You have to be logged in to perform this action.",
        },
        status=401,
    )
    checked = connection.last_checked_at
    with pytest.raises(HelpdeskError, match="refused the credentials"):
        services.connection_test(connection=connection)
    connection.refresh_from_db()
    assert connection.last_checked_at == checked


def test_search_pages_and_filters_by_channel_and_group(fake, connection):
    fake.expect_request("/api/v2/groups").respond_with_json(
        [{"id": 55, "name": "Tier 2"}, {"id": 56, "name": "Billing"}]
    )
    results = [ticket(i) for i in range(1, 31)]
    results[0]["source"] = 7  # a chat
    fake.expect_oneshot_request("/api/v2/search/tickets").respond_with_json(
        {"results": results, "total": 31}
    )
    fake.expect_oneshot_request("/api/v2/search/tickets").respond_with_json(
        {"results": [ticket(31)], "total": 31}
    )
    client = services.helpdesk_client(connection=connection)
    from django.utils import timezone

    ids = client.search(since=timezone.now(), channel="email", group="tier 2", tag="shipping")
    assert ids == [str(i) for i in range(2, 32)]
    searches = [req for req, _ in fake.log if req.path == "/api/v2/search/tickets"]
    query = searches[0].args["query"]
    assert query.startswith('"(status:4 OR status:5) AND updated_at:>')
    assert "group_id:55" in query and "tag:'shipping'" in query
    assert [req.args["page"] for req in searches] == ["1", "2"]


def test_rate_limited_conversations_page_is_retried(fake, connection):
    fake.expect_request("/api/v2/tickets/20").respond_with_json(ticket())
    fake.expect_oneshot_request("/api/v2/tickets/20/conversations").respond_with_response(
        Response("", status=429, headers={"Retry-After": "2"})
    )
    fake.expect_request("/api/v2/tickets/20/conversations").respond_with_json([])
    fake.expect_request("/api/v2/agents/7").respond_with_json(agent(7, "Priya Shah"))
    result = services.helpdesk_import(connection=connection, references="20")
    assert fake.waits == [2.0]
    assert Interaction.objects.get().messages.count() == 1 == len(result.interactions)


def test_conversations_reply_that_is_not_a_list_imports_nothing(fake, connection):
    fake.expect_request("/api/v2/tickets/20").respond_with_json(ticket())
    fake.expect_request("/api/v2/tickets/20/conversations").respond_with_json({"oops": 1})
    with pytest.raises(HelpdeskError, match="not a list"):
        services.helpdesk_import(connection=connection, references="20")
    assert not Interaction.objects.exists()
