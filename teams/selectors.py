from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from .models import Membership, Team

User = get_user_model()


def teams_for_user(*, user) -> QuerySet[Team]:
    if not user.is_authenticated:
        return Team.objects.none()
    return Team.objects.filter(memberships__user=user).order_by("name")


def membership_for(*, user, team_id: int | None) -> Membership | None:
    """The user's membership in the given team, or when none is chosen (the choice lives in
    the session, so it lasts until they log out) the team they joined first."""
    if not user.is_authenticated:
        return None
    memberships = Membership.objects.select_related("team").filter(user=user)
    if team_id is not None:
        chosen = memberships.filter(team_id=team_id).first()
        if chosen is not None:
            return chosen
    return memberships.order_by("joined_at", "pk").first()


def team_members(*, team: Team) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )
