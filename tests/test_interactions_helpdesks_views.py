"""The helpdesk pages: connections (team admins), bring in by link (facilitators), the Zendesk
export on the import page, and where a secret must never appear (pages, admin, logs)."""

import json
import logging

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from interactions.helpdesks import client as http
from interactions.helpdesks import crypto
from interactions.helpdesks import services as helpdesk_services
from interactions.models import HelpdeskConnection, Interaction
from teams.models import Role

from .factories import MembershipFactory, TeamFactory, UserFactory
from .test_interactions_helpdesks_zendesk import TOKEN, comment, connect, me, serve_ticket, ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fake(httpserver, settings, monkeypatch):
    settings.CONCORD_HELPDESK_BASE_URL_OVERRIDE = httpserver.url_for("").rstrip("/")
    monkeypatch.setattr(http, "sleep", lambda seconds: None)
    return httpserver


@pytest.fixture
def people():
    team = TeamFactory()
    people = {}
    for role in (Role.ADMIN, Role.FACILITATOR, Role.REVIEWER):
        people[role] = UserFactory(username=f"{role}-person")
        MembershipFactory(team=team, user=people[role], role=role)
    people["team"] = team
    return people


def add_form(**extra):
    return {
        "kind": "zendesk",
        "zendesk-site": "acme",
        "zendesk-auth": "api_token",
        "zendesk-email": "sam@acme.example",
        "zendesk-secret": TOKEN,
        **extra,
    }


def test_admin_adds_a_connection_and_sees_who_it_connected_as(client, fake, people, caplog):
    fake.expect_request("/api/v2/users/me.json").respond_with_json(me())
    client.force_login(people[Role.ADMIN])
    caplog.set_level(logging.DEBUG)

    response = client.post(reverse("interactions:helpdesks"), add_form(), follow=True)

    page = response.content.decode()
    assert "Connected “Zendesk acme” as Sam Ortiz &lt;sam@acme.example&gt;, admin." in page
    assert TOKEN not in page
    assert TOKEN not in caplog.text
    connection = HelpdeskConnection.objects.get()
    assert connection.team == people["team"]


def test_a_refused_token_shows_the_reason_and_saves_nothing(client, fake, people):
    fake.expect_request("/api/v2/users/me.json").respond_with_json({"error": "x"}, status=401)
    client.force_login(people[Role.ADMIN])

    response = client.post(reverse("interactions:helpdesks"), add_form())

    assert response.status_code == 400
    page = response.content.decode()
    assert "Zendesk refused the credentials (401)" in page
    assert TOKEN not in page  # the password field is not filled back in
    assert not HelpdeskConnection.objects.exists()


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.REVIEWER])
def test_only_team_admins_manage_connections(client, people, role):
    client.force_login(people[role])
    assert client.get(reverse("interactions:helpdesks")).status_code == 403
    assert client.post(reverse("interactions:helpdesks"), add_form()).status_code == 403


def test_test_and_remove(client, fake, people):
    connection = connect(fake, people["team"], people[Role.ADMIN])
    client.force_login(people[Role.ADMIN])

    response = client.post(reverse("interactions:helpdesk_test", args=[connection.pk]), follow=True)
    assert "works: connected as Sam Ortiz" in response.content.decode()

    response = client.post(
        reverse("interactions:helpdesk_delete", args=[connection.pk]), follow=True
    )
    assert "Removed “Zendesk acme”" in response.content.decode()
    assert not HelpdeskConnection.objects.exists()


def test_another_teams_connection_is_not_found(client, fake, people):
    other = TeamFactory()
    foreign = connect(fake, other, people[Role.ADMIN])
    client.force_login(people[Role.ADMIN])
    for name in ("interactions:helpdesk_test", "interactions:helpdesk_delete"):
        assert client.post(reverse(name, args=[foreign.pk])).status_code == 404
    assert client.post(reverse("interactions:helpdesk_test", args=[99999])).status_code == 404
    assert HelpdeskConnection.objects.filter(pk=foreign.pk).exists()


def test_admin_site_shows_the_connection_without_its_secret(client, fake, people):
    connection = connect(fake, people["team"], people[Role.ADMIN])
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    change = reverse("admin:interactions_helpdeskconnection_change", args=[connection.pk])
    page = client.get(change).content.decode()
    assert "Sam Ortiz" in page
    assert connection.secret_encrypted not in page and TOKEN not in page
    listing = client.get(reverse("admin:interactions_helpdeskconnection_changelist"))
    assert connection.secret_encrypted not in listing.content.decode()
    assert TOKEN not in repr(connection) and TOKEN not in str(connection)


def test_facilitator_brings_in_by_link(client, fake, people):
    connection = connect(fake, people["team"], people[Role.ADMIN])
    serve_ticket(fake)
    client.force_login(people[Role.FACILITATOR])

    response = client.post(
        reverse("interactions:bring_in"),
        {
            "connection": connection.pk,
            "references": "https://acme.zendesk.com/agent/tickets/12345",
            "hide_agent_name": "on",
        },
    )

    interaction = Interaction.objects.get(external_id="zendesk:12345")
    assert response.status_code == 302 and response.url == interaction.get_absolute_url()
    assert interaction.hide_agent_name


def test_bring_in_with_a_bad_reference_changes_nothing(client, fake, people):
    connection = connect(fake, people["team"], people[Role.ADMIN])
    client.force_login(people[Role.FACILITATOR])
    response = client.post(
        reverse("interactions:bring_in"), {"connection": connection.pk, "references": "hello"}
    )
    assert response.status_code == 400
    assert "is not a Zendesk link or id" in response.content.decode()
    assert not Interaction.objects.exists()


def test_bring_in_cannot_use_another_teams_connection(client, fake, people):
    foreign = connect(fake, TeamFactory(), people[Role.ADMIN])
    connect(fake, people["team"], people[Role.ADMIN])
    client.force_login(people[Role.FACILITATOR])
    response = client.post(
        reverse("interactions:bring_in"), {"connection": foreign.pk, "references": "1"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Interaction.objects.exists()


def test_reviewers_do_not_see_a_hidden_agent_in_the_library(client, fake, people):
    connection = connect(fake, people["team"], people[Role.ADMIN])
    serve_ticket(fake)
    helpdesk_services.helpdesk_import(
        connection=connection, references="12345", hide_agent_name=True
    )
    interaction = Interaction.objects.get()
    client.force_login(people[Role.REVIEWER])
    page = client.get(interaction.get_absolute_url()).content.decode()
    assert "Sam Ortiz" not in page and "[agent]" in page
    listing = client.get(reverse("interactions:list")).content.decode()
    row = listing[listing.index("zendesk:12345") :]
    assert '<span class="muted">hidden</span>' in row[: row.index("</tr>")]
    assert "Sam Ortiz" not in row[: row.index("</tr>")]
    client.force_login(people[Role.FACILITATOR])
    assert "Sam Ortiz" in client.get(interaction.get_absolute_url()).content.decode()


def test_import_page_takes_a_zendesk_export(client, people):
    line = json.dumps({**ticket(5), "comments": [comment(1, 900, "Hi, mail me at a@b.example")]})
    client.force_login(people[Role.FACILITATOR])
    upload = SimpleUploadedFile("export.json", line.encode(), content_type="application/json")
    response = client.post(
        reverse("interactions:import"), {"file": upload, "format": "", "mask": "on"}
    )
    assert response.status_code == 302
    interaction = Interaction.objects.get(external_id="zendesk:5")
    assert interaction.messages.get().body == "Hi, mail me at [email]"


def test_the_import_command_takes_a_zendesk_export(tmp_path, people):
    from django.core.management import call_command

    path = tmp_path / "tickets.jsonl"
    path.write_text(json.dumps({**ticket(6), "comments": [comment(1, 900, "Hello")]}) + "\n")
    call_command("import_interactions", str(path), "--team", people["team"].name)
    assert Interaction.objects.filter(external_id="zendesk:6").exists()


def test_edit_form_unticks_hide_agent_name(client, people):
    from .factories import InteractionFactory

    interaction = InteractionFactory(
        team=people["team"], hide_agent_name=True, url="https://x.example/1"
    )
    client.force_login(people[Role.FACILITATOR])
    data = {
        "channel": "email",
        "external_id": interaction.external_id,
        "url": interaction.url,
        "agent_name": interaction.agent_name,
        "subject": interaction.subject,
    }
    response = client.post(reverse("interactions:edit", args=[interaction.pk]), data)
    assert response.status_code == 302
    interaction.refresh_from_db()
    assert not interaction.hide_agent_name


# --- the HTTP client and the secrets key -------------------------------------------------------


def test_timeouts_are_retried_then_reported(settings, monkeypatch):
    settings.CONCORD_HELPDESK_BASE_URL_OVERRIDE = ""
    calls = []

    def timeout(request):
        calls.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    api = http.ApiClient(helpdesk="Zendesk", base_url="https://acme.zendesk.com")
    api._http = httpx.Client(transport=httpx.MockTransport(timeout))
    with pytest.raises(http.HelpdeskUnavailable, match="did not answer in time"):
        api.get_json("/api/v2/users/me.json")
    assert len(calls) == http.MAX_RETRIES + 1


def test_next_page_links_stay_on_the_connections_host(settings):
    settings.CONCORD_HELPDESK_BASE_URL_OVERRIDE = ""
    api = http.ApiClient(helpdesk="Zendesk", base_url="https://acme.zendesk.com")
    assert api.url("https://evil.example/api/v2/x.json?page=2") == (
        "https://acme.zendesk.com/api/v2/x.json?page=2"
    )


def test_retry_after_as_an_http_date():
    when = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert http._retry_after(when) == 0.0
    assert http._retry_after(httpx.Response(429)) is None


def test_without_a_secrets_key_connections_refuse_to_save(settings, people):
    settings.CONCORD_SECRETS_KEY = ""
    with pytest.raises(helpdesk_services.HelpdeskError, match="CONCORD_SECRETS_KEY"):
        helpdesk_services.connection_create(
            team=people["team"],
            creator=None,
            kind="zendesk",
            site="acme",
            auth="oauth",
            secret=TOKEN,
        )
    assert not HelpdeskConnection.objects.exists()


def test_key_rotation_decrypts_with_the_older_key(settings):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CONCORD_SECRETS_KEY = old
    stored = crypto.encrypt_secret("s3cret")
    settings.CONCORD_SECRETS_KEY = f"{new},{old}"
    assert crypto.decrypt_secret(stored) == "s3cret"
