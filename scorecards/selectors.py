"""Reads for scorecards. Every query is scoped by team by the caller or here."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TypeVar

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from agreement import CriterionSpec

from .models import CalibrationNote, Criterion, Scorecard, ScorecardVersion
from .scales import Scale, ScaleKind

T = TypeVar("T")

UNGROUPED_LABEL = "General"


def scorecards_for_team(*, team) -> QuerySet[Scorecard]:
    return Scorecard.objects.filter(team=team)


def _newest_first(versions: QuerySet[ScorecardVersion]) -> QuerySet[ScorecardVersion]:
    # The one rule for "the current version": the highest number. New sessions use it.
    return versions.order_by("-number")


def scorecard_list(*, team) -> QuerySet[Scorecard]:
    """The team's scorecards with their newest version's id, number, lock, update time and
    number of active criteria, in one query."""
    newest = _newest_first(ScorecardVersion.objects.filter(scorecard=OuterRef("pk")))
    active = (
        Criterion.objects.filter(version=OuterRef("current_version_id"), is_active=True)
        .order_by()
        .values("version")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        scorecards_for_team(team=team)
        .annotate(
            current_version_id=Subquery(newest.values("pk")[:1]),
            current_number=Subquery(newest.values("number")[:1]),
            current_locked_at=Subquery(newest.values("locked_at")[:1]),
            current_updated_at=Subquery(newest.values("updated_at")[:1]),
        )
        .annotate(active_count=Coalesce(Subquery(active, output_field=IntegerField()), 0))
        .order_by("name")
    )


def current_version(*, scorecard: Scorecard) -> ScorecardVersion | None:
    versions = ScorecardVersion.objects.filter(scorecard=scorecard).select_related("created_by")
    return _newest_first(versions).first()


def current_criteria_for_team(*, team) -> QuerySet[Criterion]:
    """The active criteria of each scorecard's current version: what a new session may use."""
    newest = _newest_first(
        ScorecardVersion.objects.filter(scorecard=OuterRef("version__scorecard"))
    )
    return (
        Criterion.objects.filter(version__scorecard__team=team, is_active=True)
        .filter(version__number=Subquery(newest.values("number")[:1]))
        .select_related("version__scorecard")
        .order_by("version__scorecard__name", "position", "id")
    )


def version_by_number(*, scorecard: Scorecard, number: int) -> ScorecardVersion | None:
    return (
        ScorecardVersion.objects.filter(scorecard=scorecard, number=number)
        .select_related("created_by")
        .first()
    )


def scorecard_versions(*, scorecard: Scorecard) -> list[ScorecardVersion]:
    """Every version, newest first, with its author."""
    versions = ScorecardVersion.objects.filter(scorecard=scorecard).select_related("created_by")
    return list(_newest_first(versions))


def version_criteria(*, version: ScorecardVersion) -> list[Criterion]:
    """All criteria of a version, retired ones included, in scorecard order."""
    return list(version.criteria.order_by("position", "id"))


def active_criteria(*, version: ScorecardVersion) -> QuerySet[Criterion]:
    """What a session can rate: the active criteria, in scorecard order."""
    return version.criteria.filter(is_active=True).order_by("position", "id")


def current_versions_with_criteria(
    *, team, scorecard_ids: Iterable[int] | None = None
) -> list[tuple[Scorecard, list[Criterion]]]:
    """Each scorecard of the team with its newest version's criteria (two queries)."""
    scorecards = scorecard_list(team=team)
    if scorecard_ids is not None:
        scorecards = scorecards.filter(pk__in=list(scorecard_ids))
    scorecards = list(scorecards)
    by_version: dict[int, list[Criterion]] = {s.current_version_id: [] for s in scorecards}
    criteria = Criterion.objects.filter(version_id__in=list(by_version)).order_by("position", "id")
    for criterion in criteria:
        by_version[criterion.version_id].append(criterion)
    return [
        (scorecard, by_version.get(scorecard.current_version_id, [])) for scorecard in scorecards
    ]


# --- statistical series -----------------------------------------------------------------------


def scale_signature(criterion: Criterion) -> Scale:
    """What makes two versions of a criterion comparable: its scale without fail values (the
    same test as the changelog's "scale X → Y", scorecards.specs.describe_changes)."""
    return replace(criterion.scale, fail_values=())


@dataclass(frozen=True)
class CriterionSeries:
    """One statistical series of a criterion: consecutive versions holding its key on one
    scale. A scale change starts a new series, and series are never pooled together."""

    key: uuid.UUID
    first_version: int
    last_version: int
    criterion_ids: tuple[int, ...]
    scale: str  # the scale in words
    id: str = ""  # "<key>:v<first version>", filled in from the two

    def __post_init__(self):
        object.__setattr__(self, "id", f"{self.key}:v{self.first_version}")


def criteria_history(*, scorecard: Scorecard, keys: Iterable | None = None) -> list[Criterion]:
    """Every version's criteria of a scorecard (retired ones too) with their version, oldest
    version first."""
    criteria = Criterion.objects.filter(version__scorecard=scorecard).select_related("version")
    if keys is not None:
        criteria = criteria.filter(key__in=list(keys))
    return list(criteria.order_by("version__number", "position", "id"))


def criterion_series(criteria: Iterable[Criterion]) -> dict[uuid.UUID, list[CriterionSeries]]:
    """Each key's series in version order, from criteria with their version loaded (any
    scorecards). A version without the key (deleted, then added back) does not break a series;
    only a different scale does."""
    by_key: dict[uuid.UUID, list[Criterion]] = {}
    for criterion in sorted(criteria, key=lambda c: (c.version.scorecard_id, c.version.number)):
        by_key.setdefault(criterion.key, []).append(criterion)
    out: dict[uuid.UUID, list[CriterionSeries]] = {}
    for key, versions in by_key.items():
        runs: list[list[Criterion]] = []
        for criterion in versions:
            if runs and scale_signature(runs[-1][-1]) == scale_signature(criterion):
                runs[-1].append(criterion)
            else:
                runs.append([criterion])
        out[key] = [
            CriterionSeries(
                key=key,
                first_version=run[0].version.number,
                last_version=run[-1].version.number,
                criterion_ids=tuple(c.pk for c in run),
                scale=run[-1].scale.describe(),
            )
            for run in runs
        ]
    return out


# --- calibration notes ----------------------------------------------------------------------


def calibration_notes(*, scorecard: Scorecard) -> dict:
    """Every note of the scorecard, superseded ones included, by criterion key, newest first."""
    notes = CalibrationNote.objects.filter(scorecard=scorecard).select_related(
        "folded_into", "superseded_by", "criterion"
    )
    by_key: dict = {}
    for note in notes.order_by("-recorded_at", "-id"):
        by_key.setdefault(note.criterion_key, []).append(note)
    return by_key


def open_notes_for_criteria(*, scorecard_id: int, keys: Iterable) -> dict:
    """What a reviewer reads while scoring: the notes not superseded, by key, newest first."""
    notes = CalibrationNote.objects.filter(
        scorecard_id=scorecard_id, criterion_key__in=list(keys), superseded_at=None
    ).order_by("-recorded_at", "-id")
    by_key: dict = {}
    for note in notes:
        by_key.setdefault(note.criterion_key, []).append(note)
    return by_key


def calibration_note_for_team(*, team, pk: int) -> CalibrationNote | None:
    """A note of one of the team's scorecards; another team's note is simply not found."""
    return (
        CalibrationNote.objects.filter(scorecard__team=team, pk=pk)
        .select_related("scorecard")
        .first()
    )


# --- grouping --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionGroup:
    name: str
    criteria: list

    @property
    def label(self) -> str:
        return self.name or UNGROUPED_LABEL


def group_in_order(items: Iterable[T], *, group: Callable[[T], str]) -> list[CriterionGroup]:
    """Items grouped by `group`, groups in order of first appearance, items in their order."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(group(item), []).append(item)
    return [CriterionGroup(name=name, criteria=members) for name, members in groups.items()]


def display_order(items: Iterable[T], *, group: Callable[[T], str]) -> list[T]:
    """Items in the order the editor shows them: group by group."""
    return [item for block in group_in_order(items, group=group) for item in block.criteria]


def criteria_groups(criteria: Iterable[Criterion]) -> list[CriterionGroup]:
    return group_in_order(criteria, group=lambda criterion: criterion.group)


def criterion_spec(criterion: Criterion) -> CriterionSpec:
    """How the agreement core reads a criterion: its scale, level, weight and fail values."""
    scale = criterion.scale
    unordered = scale.kind == ScaleKind.LABELS and not scale.ordered
    return CriterionSpec(
        level=str(scale.level),  # the scale knows its level of measurement
        scale_kind=scale.kind,
        scale_min=scale.min_value,
        scale_max=scale.max_value,
        weight=float(criterion.weight),
        critical=criterion.critical,
        fail_values=scale.effective_fail_values,
        ordered=not unordered,
    )
