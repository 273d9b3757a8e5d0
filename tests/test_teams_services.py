import pytest

from teams import services
from teams.models import Membership, Role

from .factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_membership_add_creates_account_when_password_given():
    team = TeamFactory()

    membership = services.membership_add(
        team=team, username="newbie", role=Role.REVIEWER, password="a-long-pass-phrase-42"
    )

    assert membership.user.check_password("a-long-pass-phrase-42")
    assert membership.role == Role.REVIEWER


def test_membership_add_unknown_user_without_password_changes_nothing():
    team = TeamFactory()

    with pytest.raises(services.TeamError, match="No user is called"):
        services.membership_add(team=team, username="ghost", role=Role.REVIEWER)

    assert not Membership.objects.filter(team=team).exists()


def test_membership_add_twice_is_refused():
    membership = MembershipFactory()

    with pytest.raises(services.TeamError, match="already a member"):
        services.membership_add(
            team=membership.team, username=membership.user.username, role=Role.MANAGER
        )


def test_last_admin_cannot_be_demoted_or_removed():
    admin = MembershipFactory(role=Role.ADMIN)

    with pytest.raises(services.TeamError, match="at least one admin"):
        services.membership_set_role(team=admin.team, membership_id=admin.pk, role=Role.REVIEWER)
    with pytest.raises(services.TeamError, match="at least one admin"):
        services.membership_remove(team=admin.team, membership_id=admin.pk)

    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_set_role_of_another_teams_member_is_not_found():
    other = MembershipFactory()
    team = TeamFactory()

    with pytest.raises(Membership.DoesNotExist):
        services.membership_set_role(team=team, membership_id=other.pk, role=Role.ADMIN)


def test_team_create_makes_owner_admin():
    user = UserFactory()

    team = services.team_create(name="Support EU", owner=user)

    assert Membership.objects.get(team=team, user=user).role == Role.ADMIN
