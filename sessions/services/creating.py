"""Creating sessions: from chosen, sampled or pasted interactions, or straight from a helpdesk."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from interactions.helpdesks import services as helpdesks
from interactions.models import HelpdeskConnection, Interaction
from interactions.selectors import interactions_for_sampling
from interactions.services import InteractionError, interaction_create
from scorecards.models import Criterion, ScorecardVersion
from scorecards.selectors import current_version
from scorecards.services import scorecard_version_lock
from teams.models import Membership

from ..models import (
    CalibrationSession,
    Participant,
    ParticipantRole,
    SessionInteraction,
    SessionStatus,
    SessionTemplate,
    reviewer_alias,
)
from .common import MAX_INTERACTIONS, SessionError, record_transition


@dataclass(frozen=True)
class SessionOptions:
    anonymous: bool = False
    facilitator_scores: bool = False
    baseline_user_id: int | None = None
    timer_minutes: int | None = None
    due_at: datetime | None = None


def session_create(
    *,
    team,
    facilitator,
    title: str,
    scorecard_version: ScorecardVersion,
    interactions: list[Interaction],
    reviewers: list,
    criteria: list[Criterion] | None = None,
    options: SessionOptions | None = None,
    template: SessionTemplate | None = None,
) -> CalibrationSession:
    if scorecard_version.scorecard.team_id != team.pk:
        raise SessionError("That scorecard belongs to another team.")
    with transaction.atomic():
        # Lock the version first: a used version is frozen, so the criteria read below are
        # the ones the session keeps (an edit in between starts a new version instead).
        scorecard_version_lock(version=scorecard_version)
        return _session_create(
            team=team,
            facilitator=facilitator,
            title=title,
            scorecard_version=scorecard_version,
            interactions=interactions,
            reviewers=reviewers,
            criteria=criteria,
            options=options or SessionOptions(),
            template=template,
        )


def _session_create(
    *,
    team,
    facilitator,
    title,
    scorecard_version,
    interactions,
    reviewers,
    criteria,
    options,
    template,
) -> CalibrationSession:
    title = (title or "").strip()
    if not title:
        raise SessionError("Give the session a title.")
    if scorecard_version.scorecard.team_id != team.pk:
        raise SessionError("That scorecard belongs to another team.")
    interactions = list(dict.fromkeys(interactions))
    if not 1 <= len(interactions) <= MAX_INTERACTIONS:
        raise SessionError(f"Choose between 1 and {MAX_INTERACTIONS} interactions.")
    if any(interaction.team_id != team.pk for interaction in interactions):
        raise SessionError("Every interaction must belong to this team.")
    member_ids = set(Membership.objects.filter(team=team).values_list("user_id", flat=True))
    reviewers = [user for user in dict.fromkeys(reviewers) if user.pk != facilitator.pk]
    if any(user.pk not in member_ids for user in reviewers):
        raise SessionError("Every reviewer must be a member of this team.")
    if not reviewers and not options.facilitator_scores:
        raise SessionError("Choose at least one reviewer (or let the facilitator score).")
    available = list(scorecard_version.criteria.filter(is_active=True))
    if criteria is None:
        chosen = available
    else:
        allowed = {criterion.pk for criterion in available}
        if any(criterion.pk not in allowed for criterion in criteria):
            raise SessionError("Every criterion must be an active criterion of that scorecard.")
        chosen = list(dict.fromkeys(criteria))
    if not chosen:
        raise SessionError("The session needs at least one criterion to calibrate.")
    baseline_id = options.baseline_user_id
    scorer_ids = {user.pk for user in reviewers}
    if options.facilitator_scores:
        scorer_ids.add(facilitator.pk)
    if baseline_id is not None and baseline_id not in scorer_ids:
        raise SessionError("The baseline reviewer must be one of the people scoring.")
    if options.timer_minutes is not None and not 1 <= options.timer_minutes <= 240:
        raise SessionError("The scoring timer must be between 1 and 240 minutes.")

    with transaction.atomic():
        session = CalibrationSession.objects.create(
            team=team,
            title=title,
            scorecard_version=scorecard_version,
            anonymous=options.anonymous,
            facilitator_scores=options.facilitator_scores,
            baseline_id=baseline_id,
            timer_minutes=options.timer_minutes,
            due_at=options.due_at,
            template=template,
            created_by=facilitator,
        )
        session.criteria.set(chosen)
        SessionInteraction.objects.bulk_create(
            SessionInteraction(session=session, interaction=interaction, position=index)
            for index, interaction in enumerate(interactions)
        )
        scorers = ([facilitator] if options.facilitator_scores else []) + reviewers
        aliases = {user.pk: reviewer_alias(index) for index, user in enumerate(scorers)}
        Participant.objects.bulk_create(
            [
                Participant(
                    session=session,
                    user=facilitator,
                    role=ParticipantRole.FACILITATOR,
                    alias=aliases.get(facilitator.pk, "Facilitator"),
                )
            ]
            + [
                Participant(
                    session=session,
                    user=user,
                    role=ParticipantRole.REVIEWER,
                    alias=aliases[user.pk],
                )
                for user in reviewers
            ]
        )
        record_transition(session, "", SessionStatus.DRAFT, facilitator, "Created")
    return session


# --- templates and sampling ----------------------------------------------------------------


def interactions_sample(
    *,
    team,
    size: int,
    channel: str | None = None,
    occurred_from: date | None = None,
    occurred_to: date | None = None,
    not_calibrated: bool = True,
    seed: int | None = None,
) -> list[Interaction]:
    """A random draw of `size` interactions from the team's library (fewer if fewer match)."""
    if size < 1 or size > MAX_INTERACTIONS:
        raise SessionError(f"Pick between 1 and {MAX_INTERACTIONS} interactions.")
    pool = interactions_for_sampling(
        team=team,
        channel=channel,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        not_calibrated=not_calibrated,
    )
    ids = sorted(pool.values_list("pk", flat=True))
    if not ids:
        raise SessionError("No interactions match this filter: widen it or import more.")
    picked = random.Random(seed).sample(ids, min(size, len(ids)))
    by_id = Interaction.objects.in_bulk(picked)
    return [by_id[pk] for pk in picked]


@dataclass(frozen=True)
class SampleRequest:
    size: int
    channel: str | None = None
    occurred_from: date | None = None
    occurred_to: date | None = None
    not_calibrated: bool = True


@dataclass(frozen=True)
class PastedInteraction:
    channel: str
    url: str = ""
    subject: str = ""
    conversation_text: str = ""


@dataclass(frozen=True)
class HelpdeskSample:
    """N random solved conversations of the last `days` days, fetched and imported."""

    connection: HelpdeskConnection
    size: int
    channel: str | None = None
    days: int = 7
    group: str = ""
    tag: str = ""
    mask: bool = False
    hide_agent_name: bool = False


@dataclass(frozen=True)
class HelpdeskFetch:
    """Pasted ticket or conversation links (or ids), fetched and imported."""

    connection: HelpdeskConnection
    references: str
    mask: bool = False
    hide_agent_name: bool = False


def _fetch_from_helpdesks(team, fetch: HelpdeskFetch | None, sample: HelpdeskSample | None):
    """The network part, before any transaction: (conversations, options) per source."""
    batches = []
    for source in (fetch, sample):
        if source is None:
            continue
        if source.connection.team_id != team.pk:
            raise SessionError("That helpdesk connection belongs to another team.")
        try:
            if isinstance(source, HelpdeskFetch):
                found = helpdesks.conversations_fetch(
                    connection=source.connection, references=source.references
                )
            else:
                found = helpdesks.conversations_sample(
                    connection=source.connection,
                    size=source.size,
                    channel=source.channel,
                    days=source.days,
                    group=source.group,
                    tag=source.tag,
                )
        except helpdesks.HelpdeskError as error:
            raise SessionError(f"{source.connection.name}: {error.message}") from None
        batches.append((found, source))
    return batches


def _save_from_helpdesks(team, batches) -> list[Interaction]:
    interactions: list[Interaction] = []
    for found, source in batches:
        try:
            result = helpdesks.conversations_save(
                team=team,
                conversations=found,
                mask=source.mask,
                hide_agent_name=source.hide_agent_name,
            )
        except helpdesks.HelpdeskError as error:
            raise SessionError(f"{source.connection.name}: {error.message}") from None
        interactions += result.interactions
    return interactions


def session_create_from_sources(
    *,
    team,
    facilitator,
    title: str,
    scorecard,
    picked: list[Interaction],
    sample: SampleRequest | None,
    pasted: PastedInteraction | None,
    reviewers: list,
    criteria: list[Criterion] | None,
    options: SessionOptions,
    helpdesk_fetch: HelpdeskFetch | None = None,
    helpdesk_sample: HelpdeskSample | None = None,
) -> CalibrationSession:
    """The create page in one call: chosen + sampled + pasted interactions, and conversations
    brought in from a helpdesk (by link, or sampled), all or nothing.

    The helpdesk is asked first, outside the transaction; what it returned is imported in the
    same transaction as the session, so a session that cannot be created imports nothing.
    """
    version = current_version(scorecard=scorecard)
    if version is None:
        raise SessionError("That scorecard has no version yet: add criteria first.")
    if criteria and any(c.version_id != version.pk for c in criteria):
        raise SessionError(
            f"Tick criteria of “{scorecard.name}” only (its current version {version.number})."
        )
    batches = _fetch_from_helpdesks(team, helpdesk_fetch, helpdesk_sample)
    with transaction.atomic():
        interactions = list(picked)
        interactions += _save_from_helpdesks(team, batches)
        if sample is not None and sample.size:
            pool = interactions_sample(
                team=team,
                size=MAX_INTERACTIONS,
                channel=sample.channel,
                occurred_from=sample.occurred_from,
                occurred_to=sample.occurred_to,
                not_calibrated=sample.not_calibrated,
            )
            fresh = [i for i in pool if i not in interactions]
            interactions += fresh[: sample.size]
        if pasted is not None:
            try:
                interactions.append(
                    interaction_create(
                        team=team,
                        channel=pasted.channel,
                        url=pasted.url,
                        subject=pasted.subject,
                        conversation_text=pasted.conversation_text,
                    )
                )
            except InteractionError as error:
                raise SessionError(f"Pasted conversation: {error}") from None
        return session_create(
            team=team,
            facilitator=facilitator,
            title=title,
            scorecard_version=version,
            interactions=interactions,
            reviewers=reviewers,
            criteria=criteria or None,
            options=options,
        )
