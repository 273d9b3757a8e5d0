"""The interactions admin is audited, and its trail never keeps a helpdesk token."""

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry

from interactions.models import HelpdeskConnection
from teams.audit import describe_changes

from .factories import InteractionFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "enc-TOKEN-CIPHERTEXT-1234"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_deleting_a_helpdesk_connection_is_recorded_without_its_token(admin_client):
    connection = HelpdeskConnection.objects.create(
        team=TeamFactory(),
        kind="zendesk",
        name="Acme Zendesk",
        site="acme",
        auth="api_token",
        email="qa@acme.example",
        secret_encrypted=TOKEN,
    )

    admin_client.post(
        f"/admin/interactions/helpdeskconnection/{connection.pk}/delete/", {"post": "yes"}
    )

    entry = LogEntry.objects.get(object_id=str(connection.pk), action_flag=DELETION)
    assert not HelpdeskConnection.objects.filter(pk=connection.pk).exists()
    assert TOKEN not in entry.change_message
    assert "name was Acme Zendesk" in describe_changes(entry)


def test_changing_an_interaction_records_old_and_new_values(admin_client):
    interaction = InteractionFactory(subject="Refund")
    data = {
        field: getattr(interaction, field)
        for field in ["external_id", "channel", "agent_name", "url", "recording_url"]
        if hasattr(interaction, field)
    }
    data.update(team=interaction.team_id, subject="Refund, charged twice")
    data.update({"messages-TOTAL_FORMS": "0", "messages-INITIAL_FORMS": "0"})
    data["metadata"] = "{}"

    response = admin_client.post(f"/admin/interactions/interaction/{interaction.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = LogEntry.objects.get(object_id=str(interaction.pk), action_flag=CHANGE)
    assert "Subject: Refund → Refund, charged twice" in describe_changes(entry)
