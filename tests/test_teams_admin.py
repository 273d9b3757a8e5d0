"""The admin's audit trail: every change to memberships, participants and sessions made in the
admin is recorded with who, when and the old → new values, shown read-only, and never records
what the admin itself hides (a blind rating, which alias is whom)."""

import json

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry

from sessions import services
from sessions.models import Participant, ParticipantRole
from teams.audit import describe_changes
from teams.models import Membership, Role

from .factories import MembershipFactory, SessionWorld, UserFactory

pytestmark = pytest.mark.django_db

DRAFT_SECRET = "TRAIL-DRAFT-SECRET"


@pytest.fixture
def root():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, root):
    client.force_login(root)
    return client


def _entry(obj, flag):
    return LogEntry.objects.filter(object_id=str(obj.pk), action_flag=flag).latest("id")


def test_changing_a_membership_role_records_who_when_and_old_and_new(admin_client, root):
    membership = MembershipFactory(role=Role.REVIEWER)

    response = admin_client.post(
        f"/admin/teams/membership/{membership.pk}/change/",
        {"team": membership.team_id, "user": membership.user_id, "role": Role.FACILITATOR},
    )

    assert response.status_code == 302
    entry = _entry(membership, CHANGE)
    assert entry.user == root and entry.action_time is not None
    assert json.loads(entry.change_message) == [
        {"changed": {"fields": ["Role"], "values": {"Role": ["reviewer", "facilitator"]}}}
    ]
    assert describe_changes(entry) == ["Role: reviewer → facilitator"]


def test_changing_a_membership_team_records_the_team_names(admin_client):
    membership = MembershipFactory()
    other = MembershipFactory().team

    admin_client.post(
        f"/admin/teams/membership/{membership.pk}/change/",
        {"team": other.pk, "user": membership.user_id, "role": membership.role},
    )

    assert describe_changes(_entry(membership, CHANGE)) == [
        f"Team: {membership.team.name} → {other.name}"
    ]


def test_memberships_changed_inline_on_the_team_page_are_recorded(admin_client):
    membership = MembershipFactory(role=Role.REVIEWER)
    team = membership.team
    data = {
        "name": team.name,
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": membership.pk,
        "memberships-0-team": team.pk,
        "memberships-0-user": membership.user_id,
        "memberships-0-role": Role.MANAGER,
    }

    response = admin_client.post(f"/admin/teams/team/{team.pk}/change/", data)

    assert response.status_code == 302
    assert Membership.objects.get(pk=membership.pk).role == Role.MANAGER
    lines = describe_changes(_entry(team, CHANGE))
    membership.refresh_from_db()
    assert lines == [f"membership “{membership}”: Role: reviewer → manager"]


def test_adding_and_deleting_a_membership_records_the_values(admin_client):
    team = MembershipFactory().team
    user = UserFactory(username="newcomer")

    admin_client.post(
        "/admin/teams/membership/add/", {"team": team.pk, "user": user.pk, "role": Role.MANAGER}
    )
    membership = Membership.objects.get(team=team, user=user)
    admin_client.post(f"/admin/teams/membership/{membership.pk}/delete/", {"post": "yes"})

    added = describe_changes(_entry(membership, ADDITION))
    deleted = describe_changes(_entry(membership, DELETION))
    assert "Role: set to manager" in added and "User: set to newcomer" in added
    assert "role was manager" in deleted and "user was newcomer" in deleted
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_changing_a_participant_role_is_recorded_without_the_alias(admin_client):
    world = SessionWorld(anonymous=True).start()
    world.score_all(world.reviewers[0], world.items[0], (0, 1, 0), comment=DRAFT_SECRET)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    participant = world.session.participants.get(user=world.reviewers[1])

    admin_client.post(
        f"/admin/calibration_sessions/participant/{participant.pk}/change/",
        {"session": world.session.pk, "user": participant.user_id, "role": "observer"},
    )
    admin_client.post(
        f"/admin/calibration_sessions/participant/{participant.pk}/delete/", {"post": "yes"}
    )

    change = _entry(participant, CHANGE)
    deletion = _entry(participant, DELETION)
    assert describe_changes(change) == ["Role: reviewer → observer"]
    assert "alias was (hidden)" in describe_changes(deletion)
    for entry in (change, deletion):
        assert participant.alias not in entry.change_message
    assert not Participant.objects.filter(pk=participant.pk).exists()


def test_participants_changed_on_the_session_page_are_recorded(admin_client):
    world = SessionWorld()
    session = world.session
    participant = session.participants.get(user=world.reviewers[0])
    data = {
        field: getattr(session, field)
        for field in ["title", "team", "scorecard_version", "status", "source", "join_code"]
    }
    data.update(
        team=session.team_id,
        scorecard_version=session.scorecard_version_id,
        created_by=session.created_by_id,
    )
    data["criteria"] = [c.pk for c in session.criteria.all()]
    data["version"] = session.version
    for prefix, rows in [
        ("items", list(session.items.all())),
        ("participants", list(session.participants.all())),
        ("transitions", list(session.transitions.all())),
    ]:
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = str(len(rows))
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-id"] = row.pk
            data[f"{prefix}-{index}-session"] = session.pk
            if prefix == "items":
                data[f"{prefix}-{index}-interaction"] = row.interaction_id
                data[f"{prefix}-{index}-position"] = row.position
            if prefix == "participants":
                data[f"{prefix}-{index}-user"] = row.user_id
                data[f"{prefix}-{index}-role"] = (
                    ParticipantRole.OBSERVER if row.pk == participant.pk else row.role
                )

    response = admin_client.post(
        f"/admin/calibration_sessions/calibrationsession/{session.pk}/change/", data
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Participant.objects.get(pk=participant.pk).role == ParticipantRole.OBSERVER
    assert describe_changes(_entry(session, CHANGE)) == [
        f"participant “{participant}”: Role: reviewer → observer"
    ]


def test_the_trail_is_shown_read_only_in_the_admin(admin_client):
    membership = MembershipFactory(role=Role.REVIEWER)
    admin_client.post(
        f"/admin/teams/membership/{membership.pk}/change/",
        {"team": membership.team_id, "user": membership.user_id, "role": Role.ADMIN},
    )
    entry = _entry(membership, CHANGE)

    listing = admin_client.get("/admin/admin/logentry/").content.decode()
    page = admin_client.get(f"/admin/admin/logentry/{entry.pk}/change/").content.decode()
    edit = admin_client.post(f"/admin/admin/logentry/{entry.pk}/change/", {"change_message": "[]"})
    delete = admin_client.post(f"/admin/admin/logentry/{entry.pk}/delete/", {"post": "yes"})

    assert "Role: reviewer → admin" in listing and "Role: reviewer → admin" in page
    assert 'name="change_message"' not in page
    assert edit.status_code == 403 and delete.status_code == 403
    assert LogEntry.objects.get(pk=entry.pk).change_message == entry.change_message


def test_non_superusers_cannot_read_the_trail(client):
    client.force_login(UserFactory(is_staff=True))

    response = client.get("/admin/admin/logentry/")

    assert response.status_code == 403


def test_an_objects_history_page_shows_the_old_and_new_values(admin_client):
    membership = MembershipFactory(role=Role.REVIEWER)
    admin_client.post(
        f"/admin/teams/membership/{membership.pk}/change/",
        {"team": membership.team_id, "user": membership.user_id, "role": Role.MANAGER},
    )

    page = admin_client.get(f"/admin/teams/membership/{membership.pk}/history/")

    assert "Role: reviewer → manager" in page.content.decode()
