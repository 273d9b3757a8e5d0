"""Recording past sessions: each session of a checked history file becomes a closed session.

`session_import_closed` writes a plan in which everything is already decided (`sessions.history`
reads, checks and plans the file): the reviewers, interactions, scorecards and criteria that are
new, and for each session its interactions, reviewers, criteria and ratings as scale codes. It
creates what is missing through the owning apps' services, locks each scorecard version it uses
as a live session does, and records each session the way a live one is recorded: created →
scoring → revealed → closed. Rows are bulk-inserted, so the number of queries grows with the
new scorecards, criteria and versions used, not with the sessions or ratings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from agreement.display import format_count
from interactions.models import Interaction
from interactions.services import interactions_create_references
from scorecards.models import Criterion, ScorecardVersion
from scorecards.scales import Scale
from scorecards.selectors import scorecard_list
from scorecards.services import criterion_add, scorecard_create, scorecard_version_lock
from scorecards.specs import CriterionData
from teams.models import Team
from teams.services import users_create_inactive

from ..models import (
    CalibrationSession,
    Participant,
    ParticipantRole,
    Score,
    SessionInteraction,
    SessionSource,
    SessionStatus,
    Submission,
    Transition,
    UnsubmittedPolicy,
    reviewer_alias,
)
from .summaries import session_summaries_write

IMPORTED_SUBJECT = "Imported from history"
TRANSITION_DETAIL = "Imported from spreadsheet"
# The steps a live session records from creation to closing (session_create, session_start,
# session_reveal of every interaction, session_close), the last marked as an import.
CLOSED_STEPS = (
    ("", SessionStatus.DRAFT, "Created"),
    (SessionStatus.DRAFT, SessionStatus.SCORING, ""),
    (SessionStatus.SCORING, SessionStatus.REVEALED, "All interactions"),
    (SessionStatus.REVEALED, SessionStatus.CLOSED, TRANSITION_DETAIL),
)
_BATCH = 1000

CriterionKey = tuple[str, str]  # (scorecard name casefold, criterion name casefold)


@dataclass(frozen=True)
class NewCriterion:
    name: str
    scale: Scale
    na_allowed: bool


class PlannedRating(NamedTuple):
    interaction: str  # external id
    criterion: CriterionKey
    reviewer: str  # username casefold
    code: int | None
    is_na: bool
    comment: str


@dataclass
class ClosedSessionPlan:
    """One past session: everything in the terms of the file (names and ids, not rows)."""

    title: str
    held_on: date
    scorecard_key: str  # scorecard name casefold
    first_line: int  # where the session starts in the file, for messages
    interactions: list[str] = field(default_factory=list)  # external ids, first appearance
    reviewers: list[str] = field(default_factory=list)  # username casefold, first appearance
    criteria: list[CriterionKey] = field(default_factory=list)
    ratings: list[PlannedRating] = field(default_factory=list)  # rated rows only


@dataclass
class ClosedImportPlan:
    """What to write. `users` and `interactions` are those the database already has, by key;
    the `new_*` ones are created first. Every key a session names is in one or the other."""

    # Scorecards to create: key -> (name, [criterion keys in order]); criteria to add to
    # existing scorecards: key -> [criterion keys].
    new_scorecards: dict[str, tuple[str, list[CriterionKey]]] = field(default_factory=dict)
    added_criteria: dict[str, list[CriterionKey]] = field(default_factory=dict)
    new_criteria: dict[CriterionKey, NewCriterion] = field(default_factory=dict)
    new_users: dict[str, str] = field(default_factory=dict)  # key -> username as written
    new_interactions: dict[str, str] = field(default_factory=dict)  # external id -> channel
    sessions: list[ClosedSessionPlan] = field(default_factory=list)
    users: dict[str, object] = field(default_factory=dict)  # username casefold -> User
    interactions: dict[str, Interaction] = field(default_factory=dict)  # external id


@dataclass
class ClosedImportResult:
    sessions: list[CalibrationSession] = field(default_factory=list)
    ratings: int = 0  # ratings written (empty scores are not ratings)
    created: list[str] = field(default_factory=list)  # what else was created, in words


@transaction.atomic
def session_import_closed(*, team: Team, plan: ClosedImportPlan, actor=None) -> ClosedImportResult:
    """Writes `plan` into `team`: the missing reviewers (inactive users), interactions and
    scorecards or criteria first, then each session, closed, with source "import".

    `actor` (the uploader; None from the command line) creates the scorecards and sessions and
    is each session's facilitator unless they are one of its reviewers. Call it inside the
    transaction that checked the plan, so that all or nothing is written.
    """
    result = ClosedImportResult()
    users = {**plan.users, **_create_users(plan, result)}
    interactions = {**plan.interactions, **_create_interactions(team, plan, result)}
    _create_scorecards(team, plan, actor, result)
    if not plan.sessions:
        return result
    versions, criteria = _lock_versions(team, {session.scorecard_key for session in plan.sessions})
    sessions = CalibrationSession.objects.bulk_create(
        [
            CalibrationSession(
                team=team,
                title=plan_session.title,
                scorecard_version_id=versions[plan_session.scorecard_key],
                status=SessionStatus.CLOSED,
                source=SessionSource.IMPORT,
                held_on_date=plan_session.held_on,
                created_by=actor,
                # A past session happened on the day it was held, not on the day of the import
                # (its time of day is not known: the summary shows these as dates).
                scoring_started_at=_on(plan_session.held_on),
                revealed_at=_on(plan_session.held_on),
                closed_at=_on(plan_session.held_on),
            )
            for plan_session in plan.sessions
        ],
        batch_size=_BATCH,
    )
    pairs = list(zip(plan.sessions, sessions, strict=True))
    through = CalibrationSession.criteria.through
    through.objects.bulk_create(
        [
            through(calibrationsession_id=session.pk, criterion_id=criteria[key].pk)
            for plan_session, session in pairs
            for key in plan_session.criteria
        ],
        batch_size=_BATCH,
    )
    items = SessionInteraction.objects.bulk_create(
        [
            SessionInteraction(
                session=session,
                interaction=interactions[external_id],
                position=position,
                revealed_at=session.revealed_at,
                unsubmitted_policy=UnsubmittedPolicy.INCLUDE_DRAFTS,
            )
            for plan_session, session in pairs
            for position, external_id in enumerate(plan_session.interactions)
        ],
        batch_size=_BATCH,
    )
    item_of = {(item.session_id, item.interaction.external_id): item for item in items}
    participants = Participant.objects.bulk_create(
        [
            participant
            for plan_session, session in pairs
            for participant in _participants(plan_session, session, users, actor)
        ],
        batch_size=_BATCH,
    )
    participant_of = {(p.session_id, p.user_id): p for p in participants}
    scores, submitted = [], set()
    for plan_session, session in pairs:
        for external_id, criterion_key, reviewer_key, code, is_na, comment in plan_session.ratings:
            participant = participant_of[(session.pk, users[reviewer_key].pk)]
            item = item_of[(session.pk, external_id)]
            scores.append(
                Score(
                    participant=participant,
                    item=item,
                    criterion=criteria[criterion_key],
                    value=code,
                    is_na=is_na,
                    comment=comment,
                    included=True,
                )
            )
            submitted.add((participant, item))
    Score.objects.bulk_create(scores, batch_size=_BATCH)
    Submission.objects.bulk_create(
        [Submission(participant=participant, item=item) for participant, item in submitted],
        batch_size=_BATCH,
    )
    _record_closed_steps(sessions, actor)
    session_summaries_write(sessions=sessions)
    result.sessions = sessions
    result.ratings = len(scores)
    return result


def _on(day: date) -> datetime:
    """Noon of ``day`` in the site's time zone: the same date in every nearby zone."""
    return datetime.combine(day, time(12), tzinfo=timezone.get_current_timezone())


def _record_closed_steps(sessions: list[CalibrationSession], actor) -> None:
    """`record_transition` for every step of every session, in one insert per batch."""
    Transition.objects.bulk_create(
        [
            Transition(
                session=session,
                from_status=from_status,
                to_status=to_status,
                actor=actor,
                detail=detail,
            )
            for session in sessions
            for from_status, to_status, detail in CLOSED_STEPS
        ],
        batch_size=_BATCH,
    )


def _lock_versions(team: Team, used: set[str]) -> tuple[dict[str, int], dict[CriterionKey, object]]:
    """Locks the current version of each scorecard the sessions use, as `session_create` does,
    and only then reads the criteria the sessions keep (retired ones included, since history
    may predate their retirement): {scorecard key: version id}, {criterion key: Criterion}."""
    current = {
        scorecard.name.casefold(): scorecard.current_version_id
        for scorecard in scorecard_list(team=team)
        if scorecard.name.casefold() in used
    }
    scorecard_of = {version_id: key for key, version_id in current.items()}
    for version in ScorecardVersion.objects.filter(pk__in=list(scorecard_of)).order_by("pk"):
        scorecard_version_lock(version=version)
    criteria: dict[CriterionKey, object] = {}
    for criterion in Criterion.objects.filter(version_id__in=list(scorecard_of)).order_by(
        "position", "id"
    ):
        key = (scorecard_of[criterion.version_id], criterion.name.casefold())
        criteria.setdefault(key, criterion)
    return current, criteria


def _participants(plan_session: ClosedSessionPlan, session, users: dict, actor) -> list:
    reviewers = [users[key] for key in plan_session.reviewers]
    participants = [
        Participant(
            session=session,
            user=user,
            role=ParticipantRole.REVIEWER,
            alias=reviewer_alias(index),
        )
        for index, user in enumerate(reviewers)
    ]
    # Whoever imports (on the upload page) is the facilitator of record, unless they rated.
    if actor is not None and actor.pk not in {user.pk for user in reviewers}:
        participants.append(
            Participant(
                session=session,
                user=actor,
                role=ParticipantRole.FACILITATOR,
                alias="Facilitator",
            )
        )
    return participants


def _create_users(plan: ClosedImportPlan, result: ClosedImportResult) -> dict:
    if not plan.new_users:
        return {}
    created = users_create_inactive(usernames=list(plan.new_users.values()))
    names = ", ".join(plan.new_users.values())
    what = "an inactive user" if len(created) == 1 else "inactive users"
    result.created.append(
        f"{format_count(len(created), 'reviewer')} ({names}) as {what} who cannot log in"
    )
    return {user.get_username().casefold(): user for user in created}


def _create_interactions(team: Team, plan: ClosedImportPlan, result: ClosedImportResult) -> dict:
    if not plan.new_interactions:
        return {}
    created = interactions_create_references(
        team=team, channels=plan.new_interactions, subject=IMPORTED_SUBJECT
    )
    result.created.append(
        f"{format_count(len(plan.new_interactions), 'interaction')} (subject “{IMPORTED_SUBJECT}”)"
    )
    return {interaction.external_id: interaction for interaction in created}


def _create_scorecards(
    team: Team, plan: ClosedImportPlan, actor, result: ClosedImportResult
) -> None:
    """Creates the missing scorecards and criteria through the scorecard services: a criterion
    added to a locked version starts a new version, which the sessions then use."""
    today = timezone.localdate()
    for name, keys in plan.new_scorecards.values():
        scorecard_create(
            team=team,
            name=name,
            description=f"Created by a history import on {today:%Y-%m-%d}.",
            user=actor,
            criteria=[_criterion_data(plan.new_criteria[key]) for key in keys],
        )
        result.created.append(
            f"scorecard “{name}” ({format_count(len(keys), 'criterion', 'criteria')})"
        )
    if not plan.added_criteria:
        return
    scorecards = {s.name.casefold(): s for s in team.scorecards.all()}
    for scorecard_key, keys in plan.added_criteria.items():
        scorecard = scorecards[scorecard_key]
        edit = None
        for key in keys:
            edit = criterion_add(
                scorecard=scorecard, data=_criterion_data(plan.new_criteria[key]), user=actor
            )
        names = ", ".join(f"“{plan.new_criteria[key].name}”" for key in keys)
        noun = "criterion" if len(keys) == 1 else "criteria"
        result.created.append(
            f"{noun} {names} on scorecard “{scorecard.name}” (version {edit.version.number})"
        )


def _criterion_data(new: NewCriterion) -> CriterionData:
    return CriterionData(name=new.name, scale=new.scale, na_allowed=new.na_allowed)
