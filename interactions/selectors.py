"""Reading interactions: the library list, one interaction, and the pool sessions sample from."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, F, Prefetch, Q, QuerySet

from teams.models import Team

from .models import Interaction, Message

# Undated interactions last, whatever the database's default place for NULL.
NEWEST_FIRST = (F("occurred_at").desc(nulls_last=True), "-id")


def interaction_list(
    *,
    team: Team,
    search: str = "",
    channel: str | None = None,
    agent: str | None = None,
    occurred_from: date | datetime | None = None,
    occurred_to: date | datetime | None = None,
) -> QuerySet[Interaction]:
    """The team's interactions, newest first, each with `message_count`.

    `search` matches the subject, external id, agent, notes or any message's text.
    """
    interactions = _filtered(
        Interaction.objects.filter(team=team),
        channel=channel,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
    )
    if agent:
        interactions = interactions.filter(agent_name=agent)
    search = (search or "").strip()
    if search:
        # A subquery rather than a join, so an interaction matching in many messages is
        # listed once and the message count stays right.
        in_messages = Message.objects.filter(body__icontains=search).values("interaction_id")
        interactions = interactions.filter(
            Q(subject__icontains=search)
            | Q(external_id__icontains=search)
            # A hidden agent name must not be found by searching for it either.
            | Q(agent_name__icontains=search, hide_agent_name=False)
            | Q(notes__icontains=search)
            | Q(pk__in=in_messages)
        )
    return interactions.annotate(message_count=Count("messages")).order_by(*NEWEST_FIRST)


def interaction_agents(*, team: Team) -> list[str]:
    """The distinct agent names of the team's interactions, sorted (for the agent filter);
    names hidden from reviewers are left out."""
    names = (
        Interaction.objects.filter(team=team, hide_agent_name=False)
        .exclude(agent_name="")
        .values_list("agent_name", flat=True)
        .distinct()
        .order_by("agent_name")
    )
    return list(names)


def interaction_get(*, team: Team, pk: int) -> Interaction:
    """One interaction of the team with its messages in order; raises Interaction.DoesNotExist."""
    return (
        Interaction.objects.filter(team=team)
        .prefetch_related(Prefetch("messages", queryset=Message.objects.order_by("position")))
        .get(pk=pk)
    )


def interactions_for_sampling(
    *,
    team: Team,
    channel: str | None = None,
    occurred_from: date | datetime | None = None,
    occurred_to: date | datetime | None = None,
    not_calibrated: bool = False,
) -> QuerySet[Interaction]:
    """The interactions a session may draw from. Dates are inclusive days, datetimes exact.

    `not_calibrated` leaves out interactions already used in any calibration session.
    """
    interactions = _filtered(
        Interaction.objects.filter(team=team),
        channel=channel,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
    )
    if not_calibrated:
        interactions = interactions.filter(session_items__isnull=True)
    return interactions.order_by(*NEWEST_FIRST)


def _filtered(
    interactions: QuerySet[Interaction],
    *,
    channel: str | None,
    occurred_from: date | datetime | None,
    occurred_to: date | datetime | None,
) -> QuerySet[Interaction]:
    if channel:
        interactions = interactions.filter(channel=channel)
    if isinstance(occurred_from, datetime):
        interactions = interactions.filter(occurred_at__gte=occurred_from)
    elif occurred_from is not None:
        interactions = interactions.filter(occurred_at__date__gte=occurred_from)
    if isinstance(occurred_to, datetime):
        interactions = interactions.filter(occurred_at__lte=occurred_to)
    elif occurred_to is not None:
        interactions = interactions.filter(occurred_at__date__lte=occurred_to)
    return interactions
