"""Closed scoring sessions in bulk for the history tests: rows inserted directly, then the
real summary writer (sessions.services.summaries) run over them, so the report tables hold
what a live close would have written, in a few queries for many sessions."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from scorecards.models import Criterion, ScorecardVersion
from scorecards.scales import ScaleKind
from sessions.models import (
    CalibrationSession,
    Participant,
    ParticipantRole,
    Score,
    SessionInteraction,
    SessionKind,
    SessionStatus,
)
from sessions.services.summaries import session_summaries_write

from .factories import InteractionFactory


def closed_sessions(
    *,
    team,
    version,
    criteria,
    reviewers,
    ratings,
    count=1,
    start=dt.date(2026, 1, 5),
    every=dt.timedelta(weeks=1),
    interactions=2,
    kind=SessionKind.SCORING,
    n_resamples=50,
) -> list[CalibrationSession]:
    """``count`` closed sessions of ``version`` held every ``every`` from ``start``.

    ``ratings(session_index, interaction_index, reviewer_index, criterion)`` gives a code, or
    None for N/A.
    """
    now = timezone.now()
    sessions = CalibrationSession.objects.bulk_create(
        [
            CalibrationSession(
                team=team,
                title=f"Calibration {start + every * i}",
                scorecard_version=version,
                status=SessionStatus.CLOSED,
                kind=kind,
                held_on_date=start + every * i,
                closed_at=now,
                revealed_at=now,
            )
            for i in range(count)
        ]
    )
    through = CalibrationSession.criteria.through
    through.objects.bulk_create(
        [through(calibrationsession=s, criterion=c) for s in sessions for c in criteria]
    )
    pool = [InteractionFactory(team=team) for _ in range(interactions)]
    items = SessionInteraction.objects.bulk_create(
        [
            SessionInteraction(session=s, interaction=it, position=p, revealed_at=now)
            for s in sessions
            for p, it in enumerate(pool)
        ]
    )
    participants = Participant.objects.bulk_create(
        [
            Participant(session=s, user=user, role=ParticipantRole.REVIEWER)
            for s in sessions
            for user in reviewers
        ]
    )
    by_session = {s.pk: i for i, s in enumerate(sessions)}
    people = {}
    for participant in participants:
        people.setdefault(participant.session_id, []).append(participant)
    scores = []
    for item in items:
        index = by_session[item.session_id]
        for r, participant in enumerate(people[item.session_id]):
            for criterion in criteria:
                code = ratings(index, item.position, r, criterion)
                scores.append(
                    Score(
                        participant=participant,
                        item=item,
                        criterion=criterion,
                        value=code,
                        is_na=code is None,
                    )
                )
    Score.objects.bulk_create(scores)
    # As session_close does for any closed session (a review's rows then hold no ratings).
    session_summaries_write(session_ids=[s.pk for s in sessions], n_resamples=n_resamples)
    return sessions


def next_version(version, *, changes=(), rescale=None) -> ScorecardVersion:
    """A copy of ``version`` as the next number, keeping every criterion's key; ``rescale``
    maps a criterion key to field overrides (a new scale, a new name...)."""
    new = ScorecardVersion.objects.create(
        scorecard=version.scorecard, number=version.number + 1, changes=list(changes)
    )
    for criterion in version.criteria.order_by("position"):
        fields = {
            f.name: getattr(criterion, f.name)
            for f in Criterion._meta.concrete_fields
            if f.name not in {"id", "version"}
        }
        fields.update((rescale or {}).get(criterion.key, {}))
        Criterion.objects.create(version=new, **fields)
    return new


BINARY = {"scale_kind": ScaleKind.BINARY, "scale_points": None, "fail_values": [0]}
