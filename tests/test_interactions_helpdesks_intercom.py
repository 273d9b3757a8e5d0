"""Intercom against a local fake of its REST API (pytest-httpserver), payloads shaped as
documented (developers.intercom.com, version 2.14: Admins /me, Conversations, Search, Calls)."""

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


@pytest.fixture(autouse=True)
def no_calls(fake):
    """Conversations have no calls unless a test serves some with a oneshot handler (oneshot
    handlers answer before permanent ones)."""
    fake.expect_request("/calls/search", method="POST").respond_with_json(
        {"type": "list", "data": []}
    )


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
    assert request.headers["Intercom-Version"] == "2.14"
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


# --- calls (Calls API, 2.14: POST /calls/search, GET /calls/{id}/transcript) ------------------

TRANSCRIPT = """[00:00:03] Teammate 1: "Hello, thanks for calling. How can I help today?"
[00:00:09] User: "My refund has not arrived, card 4111 1111 1111 1111."
[00:00:15] Lee Park: "I can see it. It was sent today,
and should arrive tomorrow."
[00:01:02] User: "Great, thanks. Mail me at mia@customer.example."
"""


def call(call_id="123", conversation_id="215", **extra):
    """A call object as GET /calls/{id} and POST /calls/search document it."""
    return {
        "type": "call",
        "id": call_id,
        "conversation_id": conversation_id,
        "admin_id": "991",
        "contact_id": "6762f0dd1bb69f9f2193bb83",
        "state": "completed",
        "initiated_at": 1791000150,
        "answered_at": 1791000152,
        "ended_at": 1791000245,
        "created_at": 1791000150,
        "updated_at": 1791000250,
        "recording_url": f"https://api.intercom.io/calls/{call_id}/recording",
        "transcription_url": f"https://api.intercom.io/calls/{call_id}/transcript",
        "call_type": "phone",
        "direction": "inbound",
        "ended_reason": "completed",
        "phone": "+15551234567",
        "fin_recording_url": None,
        "fin_transcription_url": None,
        "transcript": [],
        "transcript_status": "completed",
        **extra,
    }


def serve_call(fake, calls=None, transcript=TRANSCRIPT):
    fake.expect_oneshot_request(
        "/conversations/215", query_string={"display_as": "plaintext"}
    ).respond_with_json(conversation())
    fake.expect_oneshot_request(
        "/calls/search", method="POST", json={"conversation_ids": ["215"]}
    ).respond_with_json({"type": "list", "data": calls if calls is not None else [call()]})
    if transcript is not None:
        fake.expect_oneshot_request("/calls/123/transcript").respond_with_data(
            transcript,
            content_type="text/plain",
            headers={"Content-Disposition": "attachment; filename=transcription_data.txt"},
        )


def test_call_transcript_lines_become_messages_in_the_thread(fake, connection):
    serve_call(fake)
    interaction = services.helpdesk_import(connection=connection, references="215").interactions[0]
    assert interaction.channel == "phone"
    # The recording plays in the Intercom conversation: the API's recording_url needs the token.
    assert interaction.recording_url == interaction.url
    assert "api.intercom.io" not in interaction.recording_url
    messages = list(interaction.messages.order_by("position"))
    rows = [(m.author, m.role, m.is_call_transcript, m.display_body) for m in messages]
    # The call began (1791000150) after the note (…100) and before the reply (…200).
    assert [r[0] for r in rows] == [
        "Mia Chen",
        "Fin",
        "Lee Park",
        "Phone call",
        "Teammate 1",
        "User",
        "Lee Park",
        "User",
        "Lee Park",
    ]
    header = rows[3]
    assert header[1] == "system" and not header[2]
    assert header[3].startswith("Inbound call, 1 min 33 s (completed). Recorded; transcript below.")
    assert f"Call recording (plays in the Intercom conversation): {interaction.url}" in header[3]
    assert rows[4] == (
        "Teammate 1",
        "agent",
        True,
        "Hello, thanks for calling. How can I help today?",
    )
    assert rows[5][1:3] == ("customer", True)
    assert rows[6] == (
        "Lee Park",
        "agent",
        True,
        "I can see it. It was sent today,\nand should arrive tomorrow.",
    )
    # Offsets count from the moment the call was answered.
    answered = messages[4].sent_at.timestamp() - 3
    assert answered == 1791000152
    assert messages[7].sent_at.timestamp() == 1791000152 + 62
    assert interaction.metadata["calls"] == [
        {
            "id": "123",
            "direction": "inbound",
            "seconds": 93,
            "recording": True,
            "transcript": "completed",
        }
    ]
    # The caller's number is not kept anywhere.
    assert "+15551234567" not in json.dumps(interaction.metadata)
    transcript_request = next(r for r, _ in fake.log if r.path == "/calls/123/transcript")
    assert transcript_request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert transcript_request.headers["Intercom-Version"] == "2.14"


def test_transcript_text_is_masked_like_any_other_text(fake, connection):
    serve_call(fake)
    interaction = services.helpdesk_import(
        connection=connection, references="215", mask=True
    ).interactions[0]
    said = [m.display_body for m in interaction.messages.all() if m.is_call_transcript]
    assert said[1] == "My refund has not arrived, card [card number]."
    assert said[3] == "Great, thanks. Mail me at [email]."
    assert "4111" not in json.dumps([m.body for m in interaction.messages.all()])
    assert interaction.privacy_note == "Masked on import: 1 card number, 1 email address."
    header = interaction.messages.get(author="Phone call")
    assert interaction.url in header.body  # the link survives masking


def test_bringing_a_call_in_again_changes_nothing(fake, connection):
    serve_call(fake)
    first = services.helpdesk_import(connection=connection, references="215")
    count = first.interactions[0].messages.count()
    serve_call(fake)
    again = services.helpdesk_import(connection=connection, references="215")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert again.interactions[0].messages.count() == count == 9


def test_a_longer_transcript_on_reimport_updates_without_duplicates(fake, connection):
    serve_call(fake, transcript=TRANSCRIPT.split("[00:01:02]")[0])
    services.helpdesk_import(connection=connection, references="215")
    serve_call(fake)
    again = services.helpdesk_import(connection=connection, references="215")
    assert again.updated == 1
    interaction = again.interactions[0]
    said = [m.display_body for m in interaction.messages.all() if m.is_call_transcript]
    assert len(said) == 4 and len(set(said)) == 4
    assert interaction.messages.filter(author="Phone call").count() == 1


def test_calls_forbidden_still_imports_the_conversation_and_says_so(fake, connection):
    fake.expect_request(
        "/conversations/215", query_string={"display_as": "plaintext"}
    ).respond_with_json(conversation())
    fake.expect_oneshot_request("/calls/search", method="POST").respond_with_json(
        {"type": "error.list", "errors": [{"code": "forbidden", "message": "Forbidden"}]},
        status=403,
    )
    result = services.helpdesk_import(connection=connection, references="215")
    interaction = result.interactions[0]
    assert result.created == 1
    assert interaction.channel == "chat"
    assert interaction.messages.count() == 4
    assert "did not let this token read calls (403)" in interaction.notes
    assert "did not let this token read calls" in interaction.metadata["calls_unavailable"]


def test_workspace_without_the_calls_api_imports_quietly(fake, connection):
    fake.expect_request("/conversations/215").respond_with_json(conversation())
    fake.expect_oneshot_request("/calls/search", method="POST").respond_with_json(
        {"type": "error.list", "errors": [{"code": "not_found", "message": "Not Found"}]},
        status=404,
    )
    interaction = services.helpdesk_import(connection=connection, references="215").interactions[0]
    assert interaction.notes == ""
    assert "no Calls API" in interaction.metadata["calls_unavailable"]


def test_a_call_without_transcript_or_recording_is_still_shown(fake, connection):
    serve_call(
        fake,
        calls=[call(recording_url=None, transcription_url=None, transcript_status=None)],
        transcript=None,
    )
    interaction = services.helpdesk_import(connection=connection, references="215").interactions[0]
    assert interaction.channel == "phone"
    assert interaction.recording_url == ""
    header = interaction.messages.get(author="Phone call")
    assert header.body == "Inbound call, 1 min 33 s (completed). No recording; no transcript."
    assert not any(m.is_call_transcript for m in interaction.messages.all())
    assert not [r for r, _ in fake.log if r.path.endswith("/transcript")]


def test_transcript_gone_keeps_the_call(fake, connection):
    serve_call(fake, transcript=None)
    fake.expect_oneshot_request("/calls/123/transcript").respond_with_json(
        {"type": "error.list", "errors": [{"code": "not_found", "message": "Not Found"}]},
        status=404,
    )
    interaction = services.helpdesk_import(connection=connection, references="215").interactions[0]
    header = interaction.messages.get(author="Phone call")
    assert "Recorded; no transcript." in header.body


def test_calls_rate_limited_then_served(fake, connection):
    fake.expect_request("/conversations/215").respond_with_json(conversation())
    fake.expect_oneshot_request("/calls/search", method="POST").respond_with_response(
        Response("", status=429, headers={"Retry-After": "2"})
    )
    fake.expect_oneshot_request("/calls/search", method="POST").respond_with_json(
        {"type": "list", "data": [call()]}
    )
    fake.expect_oneshot_request("/calls/123/transcript").respond_with_data(
        TRANSCRIPT, content_type="text/plain"
    )
    interaction = services.helpdesk_import(connection=connection, references="215").interactions[0]
    assert fake.waits == [2.0]
    assert interaction.messages.filter(author="Teammate 1").exists()


def test_calls_down_fails_the_import_rather_than_storing_half(fake, connection):
    fake.expect_request("/conversations/215").respond_with_json(conversation())
    for _ in range(http.MAX_RETRIES + 1):
        fake.expect_oneshot_request("/calls/search", method="POST").respond_with_data(
            "down", status=503
        )
    with pytest.raises(HelpdeskError, match="server error"):
        services.helpdesk_import(connection=connection, references="215")
    from interactions.models import Interaction

    assert not Interaction.objects.exists()


def test_calls_of_another_conversation_are_ignored(fake, connection):
    serve_call(fake, calls=[call(conversation_id="999")], transcript=None)
    interaction = services.helpdesk_import(connection=connection, references="215").interactions[0]
    assert interaction.channel == "chat"
    assert not interaction.messages.filter(author="Phone call").exists()


def test_transcript_forbidden_keeps_the_call_and_says_so(fake, connection):
    serve_call(fake, transcript=None)
    fake.expect_oneshot_request("/calls/123/transcript").respond_with_json(
        {"type": "error.list", "errors": [{"code": "forbidden", "message": "Forbidden"}]},
        status=403,
    )
    interaction = services.helpdesk_import(connection=connection, references="215").interactions[0]
    assert interaction.channel == "phone"
    assert "Recorded; no transcript." in interaction.messages.get(author="Phone call").body
    assert "read call transcripts (403)" in interaction.notes


def test_a_call_id_that_is_not_a_plain_id_is_not_put_in_a_path(fake, connection):
    serve_call(fake, calls=[call(call_id="../../me"), call()])
    interaction = services.helpdesk_import(connection=connection, references="215").interactions[0]
    assert interaction.messages.filter(author="Phone call").count() == 1
    assert [r.path for r, _ in fake.log if "transcript" in r.path] == ["/calls/123/transcript"]


def test_hidden_agent_is_hidden_in_the_transcript_too(fake, connection):
    serve_call(fake)
    interaction = services.helpdesk_import(
        connection=connection, references="215", hide_agent_name=True
    ).interactions[0]
    said = [m for m in interaction.messages_for_reviewers if m.is_call_transcript]
    assert [m.author for m in said] == ["Agent", "User", "Agent", "User"]
    assert all("Lee" not in m.body for m in said)


def test_a_conversation_past_the_500_part_limit_says_what_is_missing(fake, connection):
    # "The maximum number of conversation parts that can be returned via the API is 500. If
    # you have more than that we will return the 500 most recent conversation parts."
    long = conversation()
    long["conversation_parts"]["total_count"] = 620
    fake.expect_request("/conversations/215").respond_with_json(long)
    interaction = services.helpdesk_import(connection=connection, references="215").interactions[0]
    assert interaction.notes == (
        "Intercom's API gives only the 5 most recent of this conversation's 620 parts: 615 "
        "earlier ones are missing (read them in Intercom)."
    )
    assert interaction.metadata["parts_missing"] == 615
