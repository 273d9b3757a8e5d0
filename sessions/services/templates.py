"""Recurring sessions: a template rotates through channels and samples the next session."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from interactions.helpdesks import services as helpdesks
from interactions.models import Channel
from scorecards.selectors import current_version

from ..models import SessionTemplate
from .common import MAX_INTERACTIONS, SessionError, SessionNotFound
from .creating import SessionOptions, interactions_sample, session_create

HELPDESK_DAYS = 7  # a template with a connection samples the last week's solved conversations


def session_template_create(
    *,
    team,
    creator,
    name: str,
    scorecard,
    reviewers: list,
    channel_rotation: list[str],
    sample_size: int,
    anonymous: bool = False,
    facilitator_scores: bool = False,
    baseline=None,
    timer_minutes: int | None = None,
    helpdesk_connection=None,
    helpdesk_mask: bool = False,
    helpdesk_hide_agent_name: bool = False,
) -> SessionTemplate:
    name = (name or "").strip()
    if not name:
        raise SessionError("Give the template a name.")
    if scorecard.team_id != team.pk:
        raise SessionError("That scorecard belongs to another team.")
    if not 1 <= sample_size <= MAX_INTERACTIONS:
        raise SessionError(f"Sample between 1 and {MAX_INTERACTIONS} interactions.")
    if helpdesk_connection is not None and helpdesk_connection.team_id != team.pk:
        raise SessionError("That helpdesk connection belongs to another team.")
    if baseline is not None and baseline not in reviewers and not facilitator_scores:
        # Checked here, not only when a session is made: else every session of it would fail.
        raise SessionError("The baseline reviewer must be one of the people scoring.")
    with transaction.atomic():
        if SessionTemplate.objects.filter(team=team, name__iexact=name).exists():
            raise SessionError(f"A template called {name!r} already exists.")
        template = SessionTemplate.objects.create(
            team=team,
            name=name,
            scorecard=scorecard,
            channel_rotation=list(channel_rotation),
            sample_size=sample_size,
            anonymous=anonymous,
            facilitator_scores=facilitator_scores,
            baseline=baseline,
            timer_minutes=timer_minutes,
            helpdesk_connection=helpdesk_connection,
            helpdesk_mask=helpdesk_mask,
            helpdesk_hide_agent_name=helpdesk_hide_agent_name,
            created_by=creator,
        )
        template.reviewers.set(reviewers)
    return template


def _sample_for_rotation(template: SessionTemplate, *, team, seed):
    """The next channel in the rotation that still has uncalibrated interactions, and a sample.

    A channel with nothing left is skipped rather than blocking the series on it forever. A
    template with a helpdesk connection samples from the helpdesk instead of the library.
    """
    rotation = template.channel_rotation
    draw = _helpdesk_draw if template.helpdesk_connection_id else _library_draw
    if not rotation:
        return None, draw(template, team=team, channel=None, seed=seed)
    start = template.next_rotation_index % len(rotation)
    order = rotation[start:] + rotation[:start]
    reasons = []
    for channel in order:
        try:
            return channel, draw(template, team=team, channel=channel, seed=seed)
        except _NothingToDraw as nothing:
            reasons.append(nothing.reason)
            continue
    labels = ", ".join(Channel(channel).label for channel in order)
    if template.helpdesk_connection_id:
        raise SessionError(
            f"{template.helpdesk_connection.name} has no solved, uncalibrated conversations "
            f"from the last {HELPDESK_DAYS} days in any channel of the rotation ({labels})."
        )
    raise SessionError(
        f"No uncalibrated interactions left in any channel of the rotation ({labels})."
    )


class _NothingToDraw(Exception):
    def __init__(self, reason: str):
        self.reason = reason


def _library_draw(template, *, team, channel, seed):
    try:
        return interactions_sample(team=team, size=template.sample_size, channel=channel, seed=seed)
    except SessionError as error:
        if channel is None:
            raise
        raise _NothingToDraw(str(error)) from None


def _helpdesk_draw(template, *, team, channel, seed):
    """Fetch from the helpdesk, import, then use those (the whole draw, for this channel)."""
    connection = template.helpdesk_connection
    try:
        found = helpdesks.conversations_sample(
            connection=connection,
            size=template.sample_size,
            channel=channel,
            days=HELPDESK_DAYS,
            seed=seed,
        )
    except helpdesks.HelpdeskNothingFound as error:
        if channel is None:
            raise SessionError(f"{connection.name}: {error.message}") from None
        raise _NothingToDraw(error.message) from None
    except helpdesks.HelpdeskError as error:
        raise SessionError(f"{connection.name}: {error.message}") from None
    try:
        return helpdesks.conversations_save(
            team=team,
            conversations=found,
            mask=template.helpdesk_mask,
            hide_agent_name=template.helpdesk_hide_agent_name,
        ).interactions
    except helpdesks.HelpdeskError as error:
        raise SessionError(f"{connection.name}: {error.message}") from None


def session_create_from_template(*, template_id: int, team, facilitator, seed=None):
    """Creates the next session of a recurring series: next channel, fresh sample."""
    with transaction.atomic():
        template = (
            SessionTemplate.objects.select_for_update().filter(pk=template_id, team=team).first()
        )
        if template is None:
            raise SessionNotFound("This template does not exist.")
        version = current_version(scorecard=template.scorecard)
        if version is None:
            raise SessionError("The template's scorecard has no criteria yet.")
        channel, sample = _sample_for_rotation(template, team=team, seed=seed)
        baseline_id = template.baseline_id
        reviewers = list(template.reviewers.all())
        session = session_create(
            team=team,
            facilitator=facilitator,
            title=f"{template.name} · {timezone.localdate():%d %b %Y}"
            + (f" · {Channel(channel).label}" if channel else ""),
            scorecard_version=version,
            interactions=sample,
            reviewers=reviewers,
            options=SessionOptions(
                anonymous=template.anonymous,
                facilitator_scores=template.facilitator_scores,
                baseline_user_id=baseline_id,
                timer_minutes=template.timer_minutes,
            ),
            template=template,
        )
        if template.channel_rotation:
            used = template.channel_rotation.index(channel)
            template.next_rotation_index = (used + 1) % len(template.channel_rotation)
            template.save(update_fields=["next_rotation_index"])
    return session
