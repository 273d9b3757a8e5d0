"""Reading helpdesk connections: a team's, and one of them (another team's id is not found)."""

from __future__ import annotations

from django.db.models import QuerySet

from teams.models import Team

from ..models import HelpdeskConnection


def connections_for_team(*, team: Team) -> QuerySet[HelpdeskConnection]:
    return HelpdeskConnection.objects.filter(team=team).order_by("name", "id")


def connection_get(*, team: Team, pk: int) -> HelpdeskConnection:
    """Raises HelpdeskConnection.DoesNotExist for an unknown or another team's id."""
    return connections_for_team(team=team).get(pk=pk)
