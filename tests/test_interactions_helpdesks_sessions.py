"""Sessions straight from the helpdesk: the create form's "from helpdesk" sampler and pasted
links, and recurring templates that sample their rotation channel from a connection. The
helpdesk is a local fake of Zendesk's API (pytest-httpserver)."""

import pytest
from django.urls import reverse

from interactions.helpdesks import client as http
from interactions.models import Interaction
from sessions import services
from sessions.models import CalibrationSession, SessionTemplate

from .factories import InteractionFactory, SessionWorld
from .test_interactions_helpdesks_zendesk import connect, serve_ticket, ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fake(httpserver, settings, monkeypatch):
    settings.CONCORD_HELPDESK_BASE_URL_OVERRIDE = httpserver.url_for("").rstrip("/")
    monkeypatch.setattr(http, "sleep", lambda seconds: None)
    return httpserver


@pytest.fixture
def world():
    return SessionWorld(reviewers=2, interactions=1)


def serve_search(server, tickets):
    server.expect_request("/api/v2/search/export").respond_with_json(
        {"results": tickets, "meta": {"has_more": False}, "links": {"next": None}}
    )


def form_data(world, **extra):
    return {
        "title": "From Zendesk",
        "scorecard": world.version.scorecard.pk,
        "reviewers": [user.pk for user in world.reviewers],
        "sample_not_calibrated": "on",
        **extra,
    }


def test_create_form_samples_from_the_helpdesk(client, fake, world):
    connection = connect(fake, world.team, world.facilitator)
    serve_search(fake, [ticket(11), ticket(12), ticket(13, via={"channel": "chat"})])
    serve_ticket(fake, ticket_id=11)
    serve_ticket(fake, ticket_id=12)
    client.force_login(world.facilitator)

    response = client.post(
        reverse("sessions:create"),
        form_data(
            world,
            sample_size=2,
            sample_source="helpdesk",
            sample_connection=connection.pk,
            sample_channel="email",
            sample_days=7,
            helpdesk_hide_agent_name="on",
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    session = CalibrationSession.objects.get(title="From Zendesk")
    ids = sorted(session.items.values_list("interaction__external_id", flat=True))
    assert ids == ["zendesk:11", "zendesk:12"]
    assert all(i.hide_agent_name for i in Interaction.objects.filter(external_id__in=ids))


def test_create_form_brings_in_pasted_links(client, fake, world):
    connection = connect(fake, world.team, world.facilitator)
    serve_ticket(fake, ticket_id=12345)
    client.force_login(world.facilitator)

    response = client.post(
        reverse("sessions:create"),
        form_data(
            world,
            helpdesk_connection=connection.pk,
            helpdesk_references="https://acme.zendesk.com/agent/tickets/12345",
            helpdesk_mask="on",
        ),
    )

    assert response.status_code == 302
    item = CalibrationSession.objects.get(title="From Zendesk").items.get()
    assert item.interaction.external_id == "zendesk:12345"
    assert "[card number]" in item.interaction.messages.first().body


def test_helpdesk_error_on_create_keeps_the_form_and_imports_nothing(client, fake, world):
    connection = connect(fake, world.team, world.facilitator)
    fake.expect_request("/api/v2/tickets/9.json").respond_with_json({}, status=401)
    client.force_login(world.facilitator)

    response = client.post(
        reverse("sessions:create"),
        form_data(world, helpdesk_connection=connection.pk, helpdesk_references="9"),
    )

    assert response.status_code == 400
    assert "refused the credentials" in response.content.decode()
    assert not CalibrationSession.objects.filter(title="From Zendesk").exists()
    assert not Interaction.objects.filter(external_id__startswith="zendesk:").exists()


def test_session_that_cannot_be_created_imports_nothing(fake, world):
    connection = connect(fake, world.team, world.facilitator)
    serve_ticket(fake, ticket_id=12345)
    with pytest.raises(services.SessionError, match="reviewer"):
        services.session_create_from_sources(
            team=world.team,
            facilitator=world.facilitator,
            title="x",
            scorecard=world.version.scorecard,
            picked=[],
            sample=None,
            pasted=None,
            reviewers=[],
            criteria=None,
            options=services.SessionOptions(),
            helpdesk_fetch=services.creating.HelpdeskFetch(
                connection=connection, references="12345"
            ),
        )
    assert not Interaction.objects.filter(external_id="zendesk:12345").exists()


def test_another_teams_connection_is_refused(fake, world):
    other = SessionWorld(reviewers=1, interactions=1)
    foreign = connect(fake, other.team, other.facilitator)
    with pytest.raises(services.SessionError, match="another team"):
        services.session_create_from_sources(
            team=world.team,
            facilitator=world.facilitator,
            title="x",
            scorecard=world.version.scorecard,
            picked=[],
            sample=None,
            pasted=None,
            reviewers=world.reviewers,
            criteria=None,
            options=services.SessionOptions(),
            helpdesk_sample=services.creating.HelpdeskSample(connection=foreign, size=2),
        )


def test_sampling_from_helpdesk_without_a_connection_says_how_to_get_one(client, world):
    client.force_login(world.facilitator)
    response = client.post(
        reverse("sessions:create"), form_data(world, sample_size=2, sample_source="helpdesk")
    )
    assert response.status_code == 400
    assert "No helpdesk is connected to this team yet" in response.content.decode()
    assert not CalibrationSession.objects.filter(title="From Zendesk").exists()


def test_sampling_from_helpdesk_needs_the_connection_chosen(client, fake, world):
    connect(fake, world.team, world.facilitator)
    connect(fake, world.team, world.facilitator, name="Second desk")
    client.force_login(world.facilitator)
    response = client.post(
        reverse("sessions:create"), form_data(world, sample_size=2, sample_source="helpdesk")
    )
    assert response.status_code == 400
    assert "Choose the helpdesk to sample from." in response.content.decode()


def test_template_with_a_connection_samples_its_rotation_from_the_helpdesk(fake, world):
    connection = connect(fake, world.team, world.facilitator)
    template = services.session_template_create(
        team=world.team,
        creator=world.facilitator,
        name="Weekly Zendesk",
        scorecard=world.version.scorecard,
        reviewers=world.reviewers,
        channel_rotation=["phone", "email"],
        sample_size=1,
        helpdesk_connection=connection,
    )
    # No phone tickets this week: the rotation moves on to email.
    serve_search(fake, [ticket(21), ticket(22, via={"channel": "chat"})])
    serve_ticket(fake, ticket_id=21)

    session = services.session_create_from_template(
        template_id=template.pk, team=world.team, facilitator=world.facilitator
    )

    assert session.title.endswith("· Email")
    assert list(session.items.values_list("interaction__external_id", flat=True)) == ["zendesk:21"]
    template.refresh_from_db()
    assert template.next_rotation_index == 0  # after email comes phone again


def test_template_form_saves_the_connection(client, fake, world):
    connection = connect(fake, world.team, world.facilitator)
    client.force_login(world.facilitator)
    response = client.post(
        reverse("sessions:template_create"),
        {
            "name": "Weekly",
            "scorecard": world.version.scorecard.pk,
            "reviewers": [world.reviewers[0].pk],
            "channel_rotation": ["email"],
            "sample_size": 2,
            "helpdesk_connection": connection.pk,
        },
    )
    assert response.status_code == 302
    assert SessionTemplate.objects.get(name="Weekly").helpdesk_connection == connection


def test_template_without_a_connection_still_samples_the_library(world):
    InteractionFactory(team=world.team, channel="chat")
    template = services.session_template_create(
        team=world.team,
        creator=world.facilitator,
        name="Library",
        scorecard=world.version.scorecard,
        reviewers=world.reviewers,
        channel_rotation=["chat"],
        sample_size=1,
    )
    session = services.session_create_from_template(
        template_id=template.pk, team=world.team, facilitator=world.facilitator
    )
    assert session.items.get().interaction.channel == "chat"


def test_template_privacy_options_apply_to_what_its_rotation_imports(
    client, fake, world, monkeypatch
):
    from interactions.helpdesks import services as helpdesk_services

    saved = []
    real_save = helpdesk_services.conversations_save

    def recording_save(**kwargs):
        saved.append({k: kwargs[k] for k in ("mask", "hide_agent_name")})
        return real_save(**kwargs)

    monkeypatch.setattr(helpdesk_services, "conversations_save", recording_save)
    connection = connect(fake, world.team, world.facilitator)
    client.force_login(world.facilitator)
    client.post(
        reverse("sessions:template_create"),
        {
            "name": "Private weekly",
            "scorecard": world.version.scorecard.pk,
            "reviewers": [world.reviewers[0].pk],
            "channel_rotation": ["email"],
            "sample_size": 1,
            "helpdesk_connection": connection.pk,
            "helpdesk_mask": "on",
            "helpdesk_hide_agent_name": "on",
        },
    )
    template = SessionTemplate.objects.get(name="Private weekly")
    assert template.helpdesk_mask and template.helpdesk_hide_agent_name
    serve_search(fake, [ticket(31)])
    serve_ticket(fake, ticket_id=31)

    session = services.session_create_from_template(
        template_id=template.pk, team=world.team, facilitator=world.facilitator
    )

    assert saved == [{"mask": True, "hide_agent_name": True}]
    assert session.items.get().interaction.hide_agent_name is True


def test_template_page_offers_the_privacy_options_when_a_helpdesk_is_connected(client, fake, world):
    connect(fake, world.team, world.facilitator)
    client.force_login(world.facilitator)

    page = client.get(reverse("sessions:template_create")).content.decode()

    assert 'name="helpdesk_mask"' in page
    assert 'name="helpdesk_hide_agent_name"' in page
