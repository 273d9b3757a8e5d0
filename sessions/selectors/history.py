"""A team's past sessions as the history file (`export_history`): the long format that
`import_history` reads (docs/import-history.md), one row per rating.

Only closed scoring sessions, and of those the ratings the statistics use: revealed and
included at the reveal (the visibility rule for a reader without a seat, `score_visibility`).
Empty ratings are not rows (the import would read a comment without a score as an error). A
criterion is written under its newest name on the scorecard, so the import finds it on the
scorecard's current version; a session whose title another exported session shares gets its
date (and if need be its number) added, because the import reads one name as one session.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from django.db.models.functions import Coalesce, TruncDate

from scorecards.models import Criterion
from scorecards.scales import ScaleKind

from ..models import CalibrationSession, Score, SessionKind, SessionStatus
from .visibility import score_visibility

HISTORY_COLUMNS = [
    "session",
    "date",
    "scorecard",
    "interaction",
    "channel",
    "criterion",
    "reviewer",
    "score",
    "comment",
]
_CHUNK = 2000
SESSIONS_PER_QUERY = 200


def _score_text(scale, value, is_na: bool) -> str:
    """The rating as the import reads it back: N/A, pass/fail, the number or the label."""
    if is_na:
        return "N/A"
    if scale.kind == ScaleKind.BINARY:
        return "pass" if value == 1 else "fail"
    if scale.kind == ScaleKind.NUMERIC:
        return str(value)
    return scale.labels[value]


def _session_names(sessions: list[CalibrationSession]) -> dict[int, str]:
    titles = Counter(s.title for s in sessions)
    dated = Counter((s.title, s.held) for s in sessions)
    names = {}
    for session in sessions:
        name = session.title
        if titles[name] > 1:
            name = f"{name} ({session.held:%Y-%m-%d})"
            if dated[(session.title, session.held)] > 1:
                name = f"{name[:-1]}, #{session.pk})"
        names[session.pk] = name
    return names


def history_rows(*, team, date_from=None, date_to=None) -> Iterator[list[str]]:
    """The team's closed scoring sessions held in [date_from, date_to] (either may be None),
    as rows of HISTORY_COLUMNS, session by session in date order."""
    # A live session has no held date: it was held the day it closed (as its summary says).
    sessions = CalibrationSession.objects.filter(
        team=team, status=SessionStatus.CLOSED, kind=SessionKind.SCORING
    ).annotate(held=Coalesce("held_on_date", TruncDate("closed_at"), TruncDate("created_at")))
    if date_from:
        sessions = sessions.filter(held__gte=date_from)
    if date_to:
        sessions = sessions.filter(held__lte=date_to)
    sessions = list(sessions.select_related("scorecard_version__scorecard").order_by("held", "pk"))
    names = _session_names(sessions)
    criteria = {
        c.pk: c
        for c in Criterion.objects.filter(version__scorecard__team=team).select_related("version")
    }
    newest = {}
    for criterion in sorted(criteria.values(), key=lambda c: c.version.number):
        newest[(criterion.version.scorecard_id, criterion.key)] = criterion.name
    for start in range(0, len(sessions), SESSIONS_PER_QUERY):
        batch = {s.pk: s for s in sessions[start : start + SESSIONS_PER_QUERY]}
        scores = (
            Score.objects.filter(item__session_id__in=list(batch))
            .filter(score_visibility(None))
            .exclude(value__isnull=True, is_na=False)
            .order_by("item__session_id", "item__position", "criterion__position", "participant_id")
            .values_list(
                "item__session_id",
                "item__interaction__external_id",
                "item__interaction__channel",
                "criterion_id",
                "participant__user__username",
                "value",
                "is_na",
                "comment",
            )
        )
        for (
            session_id,
            external_id,
            channel,
            criterion_id,
            username,
            value,
            is_na,
            comment,
        ) in scores.iterator(chunk_size=_CHUNK):
            session = batch[session_id]
            criterion = criteria[criterion_id]
            scorecard = session.scorecard_version.scorecard
            yield [
                names[session_id],
                session.held.isoformat(),
                scorecard.name,
                external_id,
                channel,
                newest[(scorecard.pk, criterion.key)],
                username,
                _score_text(criterion.scale, value, is_na),
                comment,
            ]
