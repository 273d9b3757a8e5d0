from datetime import timedelta

import pytest

from teams.models import Membership
from teams.selectors import membership_for

from .factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_without_a_chosen_team_the_team_joined_first_is_current():
    user = UserFactory()
    original = MembershipFactory(user=user, team=TeamFactory(name="Zulu support"))
    later = MembershipFactory(user=user, team=TeamFactory(name="Alpha support"))
    Membership.objects.filter(pk=later.pk).update(joined_at=original.joined_at + timedelta(days=3))

    assert membership_for(user=user, team_id=None) == original
    assert membership_for(user=user, team_id=later.team_id) == later


def test_a_chosen_team_the_user_left_falls_back_to_the_first_joined():
    user = UserFactory()
    original = MembershipFactory(user=user)

    assert membership_for(user=user, team_id=TeamFactory().pk) == original
