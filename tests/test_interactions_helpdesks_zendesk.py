"""Zendesk against a local fake of its API (pytest-httpserver), payloads shaped as documented
(developer.zendesk.com: Tickets, Ticket Comments, Users, Search export). Nothing here reaches the
internet: CONCORD_HELPDESK_BASE_URL_OVERRIDE points every request at the fake."""

import json

import pytest
from werkzeug.wrappers import Response

from interactions.helpdesks import client as http
from interactions.helpdesks import services
from interactions.helpdesks.crypto import decrypt_secret
from interactions.helpdesks.services import HelpdeskError
from interactions.importing import detect_import_format, import_interactions
from interactions.models import HelpdeskAuth, HelpdeskConnection, Interaction
from teams.models import Role

from .factories import MembershipFactory, SessionWorld, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "zd-secret-token-123"


@pytest.fixture(autouse=True)
def fake_zendesk(httpserver, settings, monkeypatch):
    settings.CONCORD_HELPDESK_BASE_URL_OVERRIDE = httpserver.url_for("").rstrip("/")
    waits = []
    monkeypatch.setattr(http, "sleep", waits.append)
    httpserver.waits = waits
    return httpserver


def me(name="Sam Ortiz", role="admin", user_id=501):
    return {
        "user": {
            "id": user_id,
            "name": name,
            "email": "sam@acme.example",
            "role": role,
            "active": True,
            "url": "https://acme.zendesk.com/api/v2/users/501.json",
        }
    }


USERS = [
    {"id": 900, "name": "Anna Berg", "email": "anna@customer.example", "role": "end-user"},
    {"id": 501, "name": "Sam Ortiz", "email": "sam@acme.example", "role": "admin"},
]


def ticket(ticket_id=12345, **extra):
    return {
        "id": ticket_id,
        "url": f"https://acme.zendesk.com/api/v2/tickets/{ticket_id}.json",
        "subject": "Charged twice",
        "raw_subject": "Charged twice",
        "description": "I was charged twice this month",
        "status": "solved",
        "requester_id": 900,
        "submitter_id": 900,
        "assignee_id": 501,
        "group_id": 77,
        "tags": ["billing", "refund"],
        "via": {"channel": "email", "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": "2026-10-02T09:14:00Z",
        "updated_at": "2026-10-02T10:00:00Z",
        **extra,
    }


def comment(comment_id, author_id, body, *, public=True, created="2026-10-02T09:14:00Z", **extra):
    return {
        "id": comment_id,
        "type": "Comment",
        "author_id": author_id,
        "body": body,
        "html_body": f"<div class='zd-comment'><p>{body}</p></div>",
        "plain_body": body,
        "public": public,
        "attachments": [],
        "audit_id": comment_id + 1000,
        "via": {"channel": "email", "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": created,
        "metadata": {},
        **extra,
    }


def serve_ticket(server, ticket_id=12345, comments=None, pages=None):
    server.expect_request(
        f"/api/v2/tickets/{ticket_id}.json", query_string={"include": "users"}
    ).respond_with_json({"ticket": ticket(ticket_id), "users": USERS})
    pages = pages or [
        comments
        or [
            comment(1, 900, "I was charged twice this month, card 4111 1111 1111 1111."),
            comment(2, 501, "Refunded the second charge. Sam", created="2026-10-02T09:20:00Z"),
        ]
    ]
    path = f"/api/v2/tickets/{ticket_id}/comments.json"
    for index, batch in enumerate(pages):
        more = index + 1 < len(pages)
        query = {"page[size]": "100", "include": "users"}
        if index:
            query = {"include": "users", "page[after]": f"c{index}", "page[size]": "100"}
        next_url = (
            server.url_for(path) + f"?include=users&page%5Bafter%5D=c{index + 1}&page%5Bsize%5D=100"
        )
        server.expect_request(path, query_string=query).respond_with_json(
            {
                "comments": batch,
                "users": USERS,
                "meta": {"has_more": more, "after_cursor": f"c{index + 1}" if more else None},
                "links": {"next": next_url if more else None, "prev": None},
            }
        )


@pytest.fixture
def admin_team():
    team = TeamFactory(name="Northwind")
    admin = UserFactory(username="boss")
    MembershipFactory(team=team, user=admin, role=Role.ADMIN)
    return team, admin


def connect(server, team, user, **overrides):
    server.expect_request("/api/v2/users/me.json").respond_with_json(me())
    values = {
        "kind": "zendesk",
        "site": "acme",
        "auth": HelpdeskAuth.API_TOKEN,
        "email": "sam@acme.example",
        "secret": TOKEN,
    }
    return services.connection_create(team=team, creator=user, **{**values, **overrides})


# --- connections -----------------------------------------------------------------------------


def test_connection_is_tested_and_its_token_stored_encrypted(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin, site="https://acme.zendesk.com/")
    assert connection.site == "acme"
    assert connection.connected_as == "Sam Ortiz <sam@acme.example>, admin"
    assert TOKEN not in connection.secret_encrypted
    assert decrypt_secret(connection.secret_encrypted) == TOKEN
    request, _ = fake_zendesk.log[-1]
    # Zendesk's API token auth: "{email}/token:{api_token}", basic.
    assert request.authorization.username == "sam@acme.example/token"
    assert request.authorization.password == TOKEN


def test_oauth_token_is_sent_as_bearer(fake_zendesk, admin_team):
    team, admin = admin_team
    connect(fake_zendesk, team, admin, auth=HelpdeskAuth.OAUTH, email="")
    request, _ = fake_zendesk.log[-1]
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_bad_token_is_a_clear_error_and_saves_nothing(fake_zendesk, admin_team):
    team, admin = admin_team
    fake_zendesk.expect_request("/api/v2/users/me.json").respond_with_json(
        {"error": "Couldn't authenticate you"}, status=401
    )
    with pytest.raises(HelpdeskError, match="refused the credentials"):
        services.connection_create(
            team=team,
            creator=admin,
            kind="zendesk",
            site="acme",
            auth="api_token",
            email="sam@acme.example",
            secret="wrong",
        )
    assert not HelpdeskConnection.objects.exists()


def test_end_user_token_is_refused_as_missing_permission(fake_zendesk, admin_team):
    team, admin = admin_team
    fake_zendesk.expect_request("/api/v2/users/me.json").respond_with_json(me(role="end-user"))
    with pytest.raises(HelpdeskError, match="not an agent"):
        services.connection_create(
            team=team,
            creator=admin,
            kind="zendesk",
            site="acme",
            auth="api_token",
            email="sam@acme.example",
            secret=TOKEN,
        )


def test_anonymous_answer_means_unknown_credentials(fake_zendesk, admin_team):
    team, admin = admin_team
    fake_zendesk.expect_request("/api/v2/users/me.json").respond_with_json(
        {"user": {"id": None, "name": "Anonymous user", "role": "end-user"}}
    )
    with pytest.raises(HelpdeskError, match="did not recognise"):
        services.connection_create(
            team=team,
            creator=admin,
            kind="zendesk",
            site="acme",
            auth="api_token",
            email="sam@acme.example",
            secret=TOKEN,
        )


@pytest.mark.parametrize(
    ("site", "email", "secret", "message"),
    [
        ("not a domain!", "sam@acme.example", TOKEN, "subdomain"),
        ("acme", "", TOKEN, "email address"),
        ("acme", "sam@acme.example", "", "Paste the Zendesk token"),
        ("acme", "sam@acme.example", "two words", "Paste the Zendesk token"),
    ],
)
def test_bad_connection_input_is_refused_before_any_request(
    fake_zendesk, admin_team, site, email, secret, message
):
    team, admin = admin_team
    with pytest.raises(HelpdeskError, match=message):
        services.connection_create(
            team=team,
            creator=admin,
            kind="zendesk",
            site=site,
            auth="api_token",
            email=email,
            secret=secret,
        )
    assert fake_zendesk.log == []


# --- fetching one thread ---------------------------------------------------------------------


def test_ticket_is_fetched_whole_across_comment_pages(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin)
    serve_ticket(
        fake_zendesk,
        pages=[
            [comment(1, 900, "Hello, I was charged twice.")],
            [
                comment(
                    2,
                    501,
                    "Checking with billing.",
                    public=False,
                    created="2026-10-02T09:16:00Z",
                    attachments=[
                        {
                            "id": 3,
                            "file_name": "invoice.pdf",
                            "content_url": "https://acme.zendesk.com/attachments/token/x/?name=invoice.pdf",
                            "content_type": "application/pdf",
                            "size": 1200,
                        }
                    ],
                ),
                comment(3, 501, "Refunded.", created="2026-10-02T09:20:00Z"),
            ],
        ],
    )
    result = services.helpdesk_import(
        connection=connection, references="https://acme.zendesk.com/agent/tickets/12345"
    )
    interaction = result.interactions[0]
    assert result.created == 1
    assert interaction.external_id == "zendesk:12345"
    assert interaction.url == "https://acme.zendesk.com/agent/tickets/12345"
    assert interaction.channel == "email"
    assert interaction.subject == "Charged twice"
    assert interaction.agent_name == "Sam Ortiz"
    assert interaction.metadata["tags"] == ["billing", "refund"]
    messages = list(interaction.messages.order_by("position"))
    assert [(m.author, m.role) for m in messages] == [
        ("Anna Berg", "customer"),
        ("Sam Ortiz", "agent"),
        ("Sam Ortiz", "agent"),
    ]
    assert messages[1].is_internal_note and not messages[2].is_internal_note
    assert messages[1].display_body.startswith("Checking with billing.")
    assert "invoice.pdf: https://acme.zendesk.com/attachments/token/x/?name=invoice.pdf" in (
        messages[1].body
    )


def test_voice_comment_gives_recording_and_transcript(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin)
    voice = comment(
        7,
        501,
        "Inbound call from +1 555 0100",
        type="VoiceComment",
        data={
            "recording_url": "https://acme.zendesk.com/v2/recordings/CA123/rec.mp3",
            "transcription_text": "Customer: my card was charged twice. Agent: refunded.",
            "call_duration": 120,
        },
    )
    fake_zendesk.expect_request(
        "/api/v2/tickets/77.json", query_string={"include": "users"}
    ).respond_with_json(
        {"ticket": ticket(77, via={"channel": "voice", "source": {}}), "users": USERS}
    )
    fake_zendesk.expect_request("/api/v2/tickets/77/comments.json").respond_with_json(
        {"comments": [voice], "users": USERS, "meta": {"has_more": False}, "links": {}}
    )
    interaction = services.helpdesk_import(connection=connection, references="77").interactions[0]
    assert interaction.channel == "phone"
    assert interaction.recording_url.endswith("rec.mp3")
    assert "charged twice" in interaction.notes
    message = interaction.messages.get()
    assert message.body == (
        "Inbound call from +1 555 0100\n\nAttachments:\n"
        "- Call recording: https://acme.zendesk.com/v2/recordings/CA123/rec.mp3"
    )
    assert interaction.metadata["calls"] == [
        {"id": "7", "seconds": 120, "recording": True, "transcript": "completed"}
    ]


def voice_ticket(server, comments):
    server.expect_request(
        "/api/v2/tickets/77.json", query_string={"include": "users"}
    ).respond_with_json(
        {"ticket": ticket(77, via={"channel": "voice", "source": {}}), "users": USERS}
    )
    server.expect_request("/api/v2/tickets/77/comments.json").respond_with_json(
        {"comments": comments, "users": USERS, "meta": {"has_more": False}, "links": {}}
    )


def voice_comment(comment_id, *, body="", created="2026-10-02T09:14:00Z", **data):
    """A Talk call as the Ticket Comments API lists it: type VoiceComment, the call in `data`."""
    return comment(
        comment_id,
        501,
        body,
        type="VoiceComment",
        public=False,
        created=created,
        data={
            "from": "+15550100",
            "to": "+15550199",
            "call_id": 880 + comment_id,
            "started_at": created,
            "answered_by_id": 501,
            "answered_by_name": "Sam Ortiz",
            "location": "Berlin, Germany",
            **data,
        },
    )


def test_each_call_keeps_its_own_recording_link_and_transcript(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin)
    voice_ticket(
        fake_zendesk,
        [
            voice_comment(
                1,
                recording_url="https://acme.zendesk.com/v2/recordings/CA1/RE1",
                call_duration=65,
                transcription_text="Hi, my card 4111 1111 1111 1111 was charged twice.",
            ),
            comment(2, 501, "Refund sent.", created="2026-10-02T09:30:00Z"),
            voice_comment(
                3,
                created="2026-10-03T08:00:00Z",
                recording_url="https://acme.zendesk.com/v2/recordings/CA3/RE3",
                call_duration=42,
                transcription_text="Calling back: it arrived, mail me at anna@customer.example",
            ),
        ],
    )
    interaction = services.helpdesk_import(
        connection=connection, references="77", mask=True
    ).interactions[0]
    messages = list(interaction.messages.order_by("position"))
    assert interaction.recording_url == "https://acme.zendesk.com/v2/recordings/CA1/RE1"
    # An empty call comment says what the call was, and links its own recording.
    assert messages[0].display_body == (
        "Call, 1 min 05 s. Recorded; transcript in the notes.\n\n"
        "Attachments:\n- Call recording: https://acme.zendesk.com/v2/recordings/CA1/RE1"
    )
    assert not messages[0].is_internal_note  # Talk files it as private; it is a call
    assert messages[2].display_body.endswith(
        "Call recording: https://acme.zendesk.com/v2/recordings/CA3/RE3"
    )
    # Transcripts are masked like any other text; the links are not.
    assert interaction.notes == (
        "Hi, my card [card number] was charged twice.\n\n"
        "Calling back: it arrived, mail me at [email]"
    )
    assert [call["id"] for call in interaction.metadata["calls"]] == ["881", "883"]
    assert "+15550100" not in str(interaction.metadata)
    again = services.helpdesk_import(connection=connection, references="77", mask=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert interaction.messages.count() == 3


def test_unknown_ticket_is_a_clear_error_and_imports_nothing(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin)
    serve_ticket(fake_zendesk, ticket_id=1)
    fake_zendesk.expect_request("/api/v2/tickets/2.json").respond_with_json(
        {"error": "RecordNotFound", "description": "Not found"}, status=404
    )
    with pytest.raises(HelpdeskError, match="has no ticket 2"):
        services.helpdesk_import(connection=connection, references="1\n#2")
    assert not Interaction.objects.exists()


def test_missing_permission_on_a_ticket_says_so(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin)
    fake_zendesk.expect_request("/api/v2/tickets/5.json").respond_with_json(
        {"error": "Forbidden", "description": "You do not have access to this page."}, status=403
    )
    with pytest.raises(HelpdeskError, match="may not read this"):
        services.helpdesk_import(connection=connection, references="5")


def test_malformed_reply_is_an_error_not_a_stack_trace(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin)
    fake_zendesk.expect_request("/api/v2/tickets/5.json").respond_with_data(
        "<html>maintenance</html>", content_type="text/html"
    )
    with pytest.raises(HelpdeskError, match="cannot read"):
        services.helpdesk_import(connection=connection, references="5")
    fake_zendesk.clear()
    fake_zendesk.expect_request("/api/v2/tickets/5.json").respond_with_json({"tickets": []})
    with pytest.raises(HelpdeskError, match="without its “ticket”"):
        services.helpdesk_import(connection=connection, references="5")


def test_rate_limit_waits_retry_after_then_succeeds(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin)
    fake_zendesk.expect_oneshot_request("/api/v2/tickets/12345.json").respond_with_response(
        Response("Too Many Requests", status=429, headers={"Retry-After": "7"})
    )
    serve_ticket(fake_zendesk)
    result = services.helpdesk_import(connection=connection, references="12345")
    assert result.created == 1
    assert fake_zendesk.waits == [7.0]


def test_rate_limit_beyond_the_bound_gives_up_with_a_message(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin)
    fake_zendesk.expect_request("/api/v2/tickets/1.json").respond_with_response(
        Response("", status=429, headers={"Retry-After": "3600"})
    )
    with pytest.raises(HelpdeskError, match="Try again in about 3600 seconds"):
        services.helpdesk_import(connection=connection, references="1")
    assert fake_zendesk.waits == []


def test_server_errors_are_retried_with_backoff(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin)
    for _ in range(2):
        fake_zendesk.expect_oneshot_request("/api/v2/tickets/12345.json").respond_with_data(
            "oops", status=503
        )
    serve_ticket(fake_zendesk)
    assert services.helpdesk_import(connection=connection, references="12345").created == 1
    assert len(fake_zendesk.waits) == 2 and fake_zendesk.waits[1] > fake_zendesk.waits[0]


def test_server_errors_that_persist_end_with_a_message(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin)
    fake_zendesk.expect_request("/api/v2/tickets/1.json").respond_with_data("down", status=500)
    with pytest.raises(HelpdeskError, match="server error"):
        services.helpdesk_import(connection=connection, references="1")
    assert len(fake_zendesk.waits) == http.MAX_RETRIES


def test_a_reference_that_is_not_a_ticket_is_refused(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin)
    with pytest.raises(HelpdeskError, match="is not a Zendesk link or id"):
        services.helpdesk_import(connection=connection, references="https://example.com/x")


# --- upsert, frozen rule, privacy --------------------------------------------------------------


def test_bringing_in_again_upserts_by_external_id(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin)
    serve_ticket(fake_zendesk)
    services.helpdesk_import(connection=connection, references="12345")
    again = services.helpdesk_import(connection=connection, references="zendesk:12345")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Interaction.objects.count() == 1


def test_calibrated_conversation_stays_as_scored(fake_zendesk):
    world = SessionWorld(interactions=1)
    admin = world.facilitator
    connection = connect(fake_zendesk, world.team, admin)
    serve_ticket(fake_zendesk)
    interaction = services.helpdesk_import(connection=connection, references="12345").interactions[
        0
    ]
    from sessions.models import SessionInteraction

    SessionInteraction.objects.create(session=world.session, interaction=interaction, position=9)
    fake_zendesk.clear()
    fake_zendesk.expect_request("/api/v2/users/me.json").respond_with_json(me())
    serve_ticket(fake_zendesk, comments=[comment(1, 900, "A rewritten first message")])
    result = services.helpdesk_import(connection=connection, references="12345")
    assert result.kept == ["zendesk:12345"]
    assert "already calibrated" in result.summary
    assert interaction.messages.count() == 2
    assert "rewritten" not in "".join(interaction.messages.values_list("body", flat=True))


def test_masking_happens_before_storing_and_is_noted(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin)
    serve_ticket(
        fake_zendesk,
        comments=[
            comment(
                1,
                900,
                "Card 4111 1111 1111 1111, mail anna@customer.example, call +44 20 7946 0958",
            )
        ],
    )
    interaction = services.helpdesk_import(
        connection=connection, references="12345", mask=True, hide_agent_name=True
    ).interactions[0]
    body = interaction.messages.get().body
    assert body == "Card [card number], mail [email], call [phone]"
    assert interaction.privacy_note == (
        "Masked on import: 1 card number, 1 email address, 1 phone number."
    )
    assert interaction.hide_agent_name


def test_hidden_agent_is_anonymous_to_reviewers(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin)
    serve_ticket(fake_zendesk)
    interaction = services.helpdesk_import(
        connection=connection, references="12345", hide_agent_name=True
    ).interactions[0]
    shown = interaction.messages_for_reviewers
    assert [m.author for m in shown] == ["Anna Berg", "Agent"]
    assert shown[1].body == "Refunded the second charge. [agent]"


# --- sampling ---------------------------------------------------------------------------------


def test_sample_draws_solved_tickets_of_one_channel_through_search_export(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin)
    path = "/api/v2/search/export"
    page_two = (
        fake_zendesk.url_for(path)
        + "?filter%5Btype%5D=ticket&page%5Bafter%5D=p2&page%5Bsize%5D=100&query=x"
    )
    fake_zendesk.expect_oneshot_request(path).respond_with_json(
        {
            "results": [ticket(1), ticket(2, via={"channel": "chat"})],
            "facets": None,
            "meta": {"has_more": True, "after_cursor": "p2", "before_cursor": None},
            "links": {"next": page_two, "prev": None},
        }
    )
    fake_zendesk.expect_oneshot_request(path).respond_with_json(
        {"results": [ticket(3)], "meta": {"has_more": False}, "links": {"next": None}}
    )
    serve_ticket(fake_zendesk, ticket_id=1)
    serve_ticket(fake_zendesk, ticket_id=3)
    picked = services.conversations_sample(
        connection=connection, size=5, channel="email", group="Tier 2", tag="refund"
    )
    assert sorted(c.external_id for c in picked) == ["zendesk:1", "zendesk:3"]
    search = next(req for req, _ in fake_zendesk.log if req.path == path)
    query = search.args["query"]
    assert "type:ticket" in query and "status>=solved" in query and "solved>=" in query
    assert 'group:"Tier 2"' in query and "tags:refund" in query
    assert search.args["filter[type]"] == "ticket"


def test_sample_with_nothing_found_says_so(fake_zendesk, admin_team):
    team, admin = admin_team
    connection = connect(fake_zendesk, team, admin)
    fake_zendesk.expect_request("/api/v2/search/export").respond_with_json(
        {"results": [], "meta": {"has_more": False}, "links": {}}
    )
    with pytest.raises(HelpdeskError, match="no solved chat conversations from the last 7 days"):
        services.conversations_sample(connection=connection, size=2, channel="chat")


# --- the JSON export file ----------------------------------------------------------------------


def export_line(ticket_id, comments, **extra):
    return json.dumps({**ticket(ticket_id), "comments": comments, **extra})


def test_zendesk_export_file_imports_through_the_pipeline(admin_team):
    team, _ = admin_team
    data = "\n".join(
        [
            export_line(
                1,
                [comment(1, 900, "Hi, anna@customer.example here"), comment(2, 501, "Done")],
                users=USERS,
            ),
            export_line(2, [comment(3, 900, "Chat hello")], via={"channel": "chat"}),
        ]
    ).encode()
    assert detect_import_format("export.json", data) == "zendesk"
    result = import_interactions(team=team, data=data, fmt="zendesk", mask=True)
    assert (result.created, result.updated) == (2, 0)
    first = Interaction.objects.get(external_id="zendesk:1")
    assert first.url == "https://acme.zendesk.com/agent/tickets/1"
    assert [m.author for m in first.messages.order_by("position")] == ["Anna Berg", "Sam Ortiz"]
    assert "[email]" in first.messages.first().body
    assert first.privacy_note.startswith("Masked on import: 1 email address")
    second = Interaction.objects.get(external_id="zendesk:2")
    assert second.channel == "chat"
    assert second.messages.get().author == "Customer 900"
    again = import_interactions(team=team, data=data, fmt="zendesk", mask=True)
    assert again.unchanged == 2


def test_bad_export_line_imports_nothing_and_names_the_line(admin_team):
    from datafiles import ImportFailed

    team, _ = admin_team
    data = "\n".join(
        [export_line(1, [comment(1, 900, "fine")]), "{not json", json.dumps({"subject": "x"})]
    ).encode()
    with pytest.raises(ImportFailed) as failure:
        import_interactions(team=team, data=data, fmt="zendesk")
    messages = [str(error) for error in failure.value.errors]
    assert messages[0].startswith("row 2: not a JSON ticket")
    assert messages[1] == "row 3, column 'id': required: the ticket number"
    assert not Interaction.objects.exists()


def test_export_file_keeps_a_calls_recording_and_transcript(admin_team):
    team, _ = admin_team
    voice = voice_comment(
        1,
        recording_url="https://acme.zendesk.com/v2/recordings/CA1/RE1",
        call_duration=30,
        transcription_text="Please call me back on +44 20 7946 0958",
    )
    data = export_line(77, [voice], via={"channel": "voice"}, users=USERS).encode()
    import_interactions(team=team, data=data, fmt="zendesk", mask=True)
    interaction = Interaction.objects.get(external_id="zendesk:77")
    assert interaction.channel == "phone"
    assert interaction.recording_url == "https://acme.zendesk.com/v2/recordings/CA1/RE1"
    assert interaction.notes == "Please call me back on [phone]"
    assert interaction.messages.get().body.endswith(
        "Call recording: https://acme.zendesk.com/v2/recordings/CA1/RE1"
    )
