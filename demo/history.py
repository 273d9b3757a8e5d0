"""Realistic calibration history, written in bulk: for the demo's year of weekly sessions
(`seed_demo`) and for benchmarks (`generate_history --sessions 10000`).

Each rating is a model of a reviewer reading an interaction: the interaction has a "true"
quality per criterion (which becomes the consensus); a reviewer adds their own bias and noise,
a criterion its difficulty. Reviewers differ in bias and consistency, one of them improves over
the period, and one criterion is reworded halfway (a new scorecard version) and gets easier
to agree on. Rows are bulk-inserted (sessions already closed, as the history import does), then
`sessions.services.session_summaries_write` writes the reports' summary tables for them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from scorecards.selectors import criterion_spec
from sessions.models import (
    CalibrationSession,
    Consensus,
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
from sessions.services import session_summaries_write

BATCH = 5000


@dataclass(frozen=True)
class Rater:
    """How one reviewer reads: bias and noise as shares of the scale, from the start of the
    period to its end (equal for a reviewer who does not change)."""

    username: str
    bias: tuple[float, float]
    noise: tuple[float, float]

    def at(self, t: float) -> tuple[float, float]:
        return (
            self.bias[0] + (self.bias[1] - self.bias[0]) * t,
            self.noise[0] + (self.noise[1] - self.noise[0]) * t,
        )


# The demo team: Rahul starts harsh and erratic and improves; Tom is lenient, Aisha harsh,
# María (the QA lead and baseline) close to the consensus.
DEMO_RATERS = [
    Rater("rahul", (-0.17, -0.02), (0.16, 0.04)),
    Rater("maria", (0.0, 0.0), (0.03, 0.03)),
    Rater("tom", (0.13, 0.13), (0.05, 0.05)),
    Rater("aisha", (-0.13, -0.13), (0.06, 0.06)),
]
# Extra noise per criterion (share of the scale); the reworded one gets easier afterwards.
DIFFICULTY = {
    "Understood the customer's issue": 0.01,
    "Correct information given": 0.0,
    "Resolved or set a clear next step": 0.04,
    "Root cause category": 0.10,
    "Tone and empathy": 0.16,
    "Clarity and structure": 0.05,
    "Set expectations on timing": 0.10,
    "Verified identity before account changes": 0.0,
    "Offered refund correctly": 0.02,
    "Ticket documented and tagged": 0.01,
}
REWORDED = "Tone and empathy"
REWORDED_DIFFICULTY = 0.01
REWORDING = (
    "Score what the customer would say about how they were treated: 5 = they would thank the "
    "agent for it; 3 = polite and correct but generic; 1 = curt, blaming or sarcastic. Judge "
    "the whole conversation, not the best or worst line."
)
NA_SHARE = 0.06  # of ratings on criteria that allow N/A


def session_dates(start: dt.date, end: dt.date, count: int) -> list[dt.date]:
    """``count`` dates spread evenly from ``start`` to ``end`` (weekly when that fits)."""
    if count <= 1:
        return [start]
    days = (end - start).days
    return [start + dt.timedelta(days=round(days * i / (count - 1))) for i in range(count)]


class _Reader:
    """Draws one reviewer's rating of one interaction on one criterion."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def truth(self, spec) -> float:
        # Mostly decent conversations, some poor ones: a position on 0..1.
        return min(max(self.rng.betavariate(1.1, 1.0), 0.0), 1.0)

    def rating(self, spec, truth: float, bias: float, noise: float) -> int:
        lo, hi = int(spec.scale_min), int(spec.scale_max)
        if not spec.has_magnitude:
            true_code = lo + min(int(truth * (hi - lo + 1)), hi - lo)
            if self.rng.random() < min(noise * 1.5, 0.9):
                return self.rng.randint(lo, hi)
            return true_code
        value = truth + bias + self.rng.gauss(0, noise)
        return min(max(round(lo + value * (hi - lo)), lo), hi)

    def consensus(self, spec, truth: float) -> int:
        return self.rating(spec, truth, 0.0, 0.0)


@transaction.atomic
def write_history(
    *,
    team,
    facilitator,
    raters: list[tuple[object, Rater]],
    baseline,
    versions: list[tuple[dt.date, object]],
    interactions: list,
    dates: list[dt.date],
    per_session: int = 3,
    seed: int = 2026,
    title: str = "Weekly calibration",
    n_resamples: int = 1000,
    difficulty: dict | None = None,
) -> list[int]:
    """Writes one closed session per date and their summaries; returns the session ids.

    ``versions``: (from date, scorecard version) in date order; a session uses the newest
    version in force on its date. ``raters``: (user, Rater).
    """
    difficulty = DIFFICULTY if difficulty is None else difficulty
    rng = random.Random(seed)
    reader = _Reader(rng)
    criteria_of = {
        version.pk: [(c, criterion_spec(c)) for c in version.criteria.order_by("position", "id")]
        for _, version in versions
    }
    first, last = dates[0], dates[-1]
    span_days = max((last - first).days, 1)
    sessions = CalibrationSession.objects.bulk_create(
        [
            CalibrationSession(
                team=team,
                title=f"{title} · {day:%d %b %Y}",
                scorecard_version=_version_on(versions, day),
                status=SessionStatus.CLOSED,
                source=SessionSource.LIVE,
                baseline=baseline,
                created_by=facilitator,
                held_on_date=day,
                scoring_started_at=at(day, 10),
                revealed_at=at(day, 11),
                closed_at=at(day, 12),
            )
            for day in dates
        ],
        batch_size=BATCH,
    )
    # Created the morning they were held (auto_now_add stamped today on the insert).
    for session in sessions:
        session.created_at = at(session.held_on_date, 9)
    CalibrationSession.objects.bulk_update(sessions, ["created_at"], batch_size=BATCH)
    through = CalibrationSession.criteria.through
    through.objects.bulk_create(
        [
            through(calibrationsession_id=s.pk, criterion_id=c.pk)
            for s in sessions
            for c, _ in criteria_of[s.scorecard_version_id]
        ],
        batch_size=BATCH,
    )
    items = SessionInteraction.objects.bulk_create(
        [
            SessionInteraction(
                session=s,
                interaction=interaction,
                position=position,
                revealed_at=at(s.held_on_date, 11),
                unsubmitted_policy=UnsubmittedPolicy.EXCLUDE,
            )
            for s in sessions
            for position, interaction in enumerate(
                rng.sample(interactions, min(per_session, len(interactions)))
            )
        ],
        batch_size=BATCH,
    )
    participants = Participant.objects.bulk_create(
        [
            participant
            for s in sessions
            for participant in [
                Participant(session=s, user=facilitator, role=ParticipantRole.FACILITATOR),
                *(
                    Participant(
                        session=s,
                        user=user,
                        role=ParticipantRole.REVIEWER,
                        alias=reviewer_alias(index),
                    )
                    for index, (user, _) in enumerate(raters)
                ),
            ]
        ],
        batch_size=BATCH,
    )
    participant_of = {(p.session_id, p.user_id): p for p in participants}
    session_of = {s.pk: s for s in sessions}
    scores, consensus, submissions = [], [], []
    for item in items:
        session = session_of[item.session_id]
        t = (session.held_on_date - first).days / span_days
        for criterion, spec in criteria_of[session.scorecard_version_id]:
            truth = reader.truth(spec)
            extra = difficulty.get(criterion.name, 0.1)
            if criterion.name == REWORDED and session.scorecard_version_id != versions[0][1].pk:
                extra = REWORDED_DIFFICULTY
            consensus.append(
                Consensus(
                    item=item,
                    criterion=criterion,
                    value=reader.consensus(spec, truth),
                    decided_by=facilitator,
                )
            )
            for user, rater in raters:
                bias, noise = rater.at(t)
                na = criterion.na_allowed and rng.random() < NA_SHARE
                scores.append(
                    Score(
                        participant=participant_of[(session.pk, user.pk)],
                        item=item,
                        criterion=criterion,
                        value=None if na else reader.rating(spec, truth, bias, noise + extra),
                        is_na=na,
                        included=True,
                    )
                )
        submissions += [
            Submission(participant=participant_of[(session.pk, user.pk)], item=item)
            for user, _ in raters
        ]
    Score.objects.bulk_create(scores, batch_size=BATCH)
    Consensus.objects.bulk_create(consensus, batch_size=BATCH)
    Submission.objects.bulk_create(submissions, batch_size=BATCH)
    Transition.objects.bulk_create(
        [
            Transition(session=s, from_status=a, to_status=b, actor=facilitator, detail=detail)
            for s in sessions
            for a, b, detail in (
                ("", SessionStatus.DRAFT, "Created"),
                (SessionStatus.DRAFT, SessionStatus.SCORING, ""),
                (SessionStatus.SCORING, SessionStatus.REVEALED, "All interactions"),
                (SessionStatus.REVEALED, SessionStatus.CLOSED, ""),
            )
        ],
        batch_size=BATCH,
    )
    session_summaries_write(sessions=sessions, n_resamples=n_resamples)
    return [s.pk for s in sessions]


def _version_on(versions, day):
    chosen = versions[0][1]
    for start, version in versions:
        if day >= start:
            chosen = version
    return chosen


def at(day: dt.date, hour: int, minute: int = 0):
    """An aware time on a past day (the demo's stamps: the services would stamp now)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
