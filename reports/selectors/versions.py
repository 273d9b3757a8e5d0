"""A scorecard's version history: each version with its changelog and, for each criterion it
changed, the criterion's agreement over the sessions just before and just after the change
(sessions.selectors.evidence.change_evidence), "too early to tell" until enough scoring
sessions have used the new version (agreement.history).

Changelog entries are the scorecard's own words (`ScorecardVersion.changes`): plain strings
from the editor, or dicts written by a criterion review (scorecards.services
.scorecard_apply_review) that name the session and the rationale behind the change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from itertools import pairwise

from django.db.models import Count

from agreement.trends import TREND_RESAMPLES
from scorecards.models import Scorecard
from scorecards.selectors import criteria_history, scorecard_versions
from scorecards.specs import CriterionData, describe_changes
from sessions.models import CalibrationSession, SessionKind, SessionStatus
from sessions.selectors.evidence import ChangeEvidence, change_evidence


@dataclass(frozen=True)
class ChangelogEntry:
    text: str
    action: str = ""  # change | delete | add, for entries written by a criterion review
    rationale: str = ""
    session_id: int | None = None
    session_title: str = ""
    session_exists: bool = False  # still in the team (a link can be offered)


@dataclass(frozen=True)
class CriterionChange:
    key: uuid.UUID
    name: str
    words: list[str]  # what changed, in the changelog's words
    evidence: ChangeEvidence


@dataclass(frozen=True)
class VersionEntry:
    version: object  # ScorecardVersion
    changelog: list[ChangelogEntry]
    criteria: list[CriterionChange]
    n_sessions: int  # closed scoring sessions that used this version


def scorecard_for_reports(*, team, scorecard_id: int) -> Scorecard | None:
    """One of the team's scorecards; another team's is simply not found."""
    return Scorecard.objects.filter(team=team, pk=scorecard_id).first()


def _entry(raw, sessions: dict[int, str]) -> ChangelogEntry:
    if isinstance(raw, dict):
        session_id = raw.get("session_id")
        try:
            session_id = int(session_id) if session_id is not None else None
        except (TypeError, ValueError):
            session_id = None
        return ChangelogEntry(
            text=str(raw.get("text") or ""),
            action=str(raw.get("action") or ""),
            rationale=str(raw.get("rationale") or ""),
            session_id=session_id,
            session_title=sessions.get(session_id) or str(raw.get("session_title") or ""),
            session_exists=session_id in sessions,
        )
    return ChangelogEntry(text=str(raw))


def version_history(*, scorecard: Scorecard, n_resamples: int = TREND_RESAMPLES) -> list:
    """Newest version first. A few queries whatever the number of versions and sessions."""
    versions = scorecard_versions(scorecard=scorecard)
    criteria = criteria_history(scorecard=scorecard)
    by_version: dict[int, dict[uuid.UUID, object]] = {}
    for criterion in criteria:
        by_version.setdefault(criterion.version.number, {})[criterion.key] = criterion
    numbers = sorted(v.number for v in versions)
    changed: dict[int, list[tuple[uuid.UUID, str, list[str]]]] = {}
    for previous, number in pairwise(numbers):
        old, new = by_version.get(previous, {}), by_version.get(number, {})
        for key in [*new, *(k for k in old if k not in new)]:
            if key not in old:
                words = [f"Added “{new[key].name}”"]
            elif key not in new:
                words = [f"Deleted “{old[key].name}”"]
            else:
                words = describe_changes(
                    CriterionData.from_criterion(old[key]), CriterionData.from_criterion(new[key])
                )
            if words:
                name = (new.get(key) or old[key]).name
                changed.setdefault(number, []).append((key, name, words))
    evidence = change_evidence(
        scorecard=scorecard,
        changes=[(key, number) for number, found in changed.items() for key, _, _ in found],
        n_resamples=n_resamples,
    )
    session_ids = {
        int(raw["session_id"])
        for v in versions
        for raw in v.changes
        if isinstance(raw, dict) and str(raw.get("session_id") or "").isdigit()
    }
    titles = dict(
        CalibrationSession.objects.filter(
            team_id=scorecard.team_id, pk__in=session_ids
        ).values_list("pk", "title")
    )
    # A criterion retired by a version has no "after": nobody rates it from then on.
    for number, found in changed.items():
        for key, _, _ in found:
            criterion = by_version.get(number, {}).get(key)
            if criterion is not None and not criterion.is_active:
                evidence[(key, number)] = replace(evidence[(key, number)], after=None)
    used = _sessions_per_version(scorecard)
    return [
        VersionEntry(
            version=v,
            changelog=[_entry(raw, titles) for raw in v.changes],
            criteria=[
                CriterionChange(key=key, name=name, words=words, evidence=evidence[(key, v.number)])
                for key, name, words in changed.get(v.number, [])
            ],
            n_sessions=used.get(v.pk, 0),
        )
        for v in versions
    ]


def _sessions_per_version(scorecard: Scorecard) -> dict[int, int]:
    rows = (
        CalibrationSession.objects.filter(
            scorecard_version__scorecard=scorecard,
            kind=SessionKind.SCORING,
            status=SessionStatus.CLOSED,
        )
        .values("scorecard_version_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["scorecard_version_id"]: r["n"] for r in rows}


VERSION_COLUMNS = [
    "version",
    "created",
    "sessions on this version",
    "changelog",
    "criterion",
    "what changed",
    "new series (scale changed)",
    *(
        f"{side} {name}"
        for side in ("before", "after")
        for name in (
            "sessions",
            "units",
            "alpha",
            "alpha 95% low",
            "alpha 95% high",
            "reading",
            "enough history",
            "why not",
        )
    ),
]


def _side_cells(side) -> list:
    if side is None:
        return [None] * 8
    ci = side.alpha.get("ci") or [None, None]
    return [
        side.n_sessions,
        side.n_units,
        side.alpha["alpha"],
        ci[0],
        ci[1],
        side.alpha["reading"],
        "yes" if side.enough_history else "no",
        side.shortfall or "",
    ]


def version_csv_rows(entries: list[VersionEntry]) -> list[list]:
    """One row per changed criterion of each version (a version without one: one row)."""
    out = []
    for entry in entries:
        v = entry.version
        head = [
            v.number,
            v.created_at.date(),
            entry.n_sessions,
            "; ".join(c.text for c in entry.changelog),
        ]
        if not entry.criteria:
            out.append([*head, None, None, None, *[None] * 16])
        for change in entry.criteria:
            ev = change.evidence
            out.append(
                [
                    *head,
                    change.name,
                    "; ".join(change.words),
                    "yes" if ev.new_series else "no",
                    *_side_cells(ev.before),
                    *_side_cells(ev.after),
                ]
            )
    return out
