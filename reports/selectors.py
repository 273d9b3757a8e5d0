"""Builds the statistics module's inputs from the database, through the visibility selector.

Only what the viewer may see goes into a frame: ratings of revealed interactions that were
included at the reveal (or the viewer's own). Management commands pass no viewer and so see
revealed ratings only.
"""

from __future__ import annotations

import pandas as pd

from scorecards.scales import ScaleKind

from .statistics import CriterionSpec, session_statistics

FRAME_COLUMNS = ["session", "interaction", "criterion", "reviewer", "value", "kind"]


def criterion_spec(criterion) -> CriterionSpec:
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


def session_ratings_frame(*, session, viewer=None, revealed_only: bool = True) -> pd.DataFrame:
    """Long format, one row per rating (blind) or revision, values as scale codes, N/A NaN."""
    from sessions.selectors import visible_scores

    scores = visible_scores(session=session, viewer=viewer).filter(included=True)
    if revealed_only:
        scores = scores.filter(item__revealed_at__isnull=False)
    rows = []
    for score in scores:
        if not score.is_rated:
            continue  # a comment written before any rating is not a rating
        base = {
            "session": session.pk,
            "interaction": score.item_id,
            "criterion": score.criterion_id,
            "reviewer": score.participant_id,
        }
        rows.append({**base, "value": _code(score), "kind": "blind"})
        for revision in score.revisions.all():
            rows.append({**base, "value": _code(revision), "kind": "revision"})
    return pd.DataFrame(rows, columns=FRAME_COLUMNS)


def _code(rating) -> float:
    return float("nan") if rating.is_na or rating.value is None else float(rating.value)


def _references(session) -> tuple[dict, dict]:
    from sessions.models import Consensus, Score

    consensus = {
        (record.item_id, record.criterion_id): _code(record)
        for record in Consensus.objects.filter(
            item__session=session, item__revealed_at__isnull=False
        )
        if record.is_na or record.value is not None
    }
    baseline = {}
    if session.baseline_id:
        for score in Score.objects.filter(
            item__session=session,
            item__revealed_at__isnull=False,
            participant__user_id=session.baseline_id,
            included=True,
        ):
            baseline[(score.item_id, score.criterion_id)] = _code(score)
    return consensus, baseline


def session_report(*, session, viewer=None, n_resamples: int = 1000) -> dict | None:
    """Every figure of one session for what the viewer may see; None when nothing is revealed."""
    frame = session_ratings_frame(session=session, viewer=viewer)
    if frame.empty:
        return None
    criteria = list(session.criteria.all())
    specs = {criterion.pk: criterion_spec(criterion) for criterion in criteria}
    consensus, baseline = _references(session)
    return session_statistics(
        frame,
        specs,
        consensus=consensus or None,
        baseline=baseline or None,
        n_resamples=n_resamples,
    )


# --- the report document: JSON for `calibration_report` and the downloads ------------------


def _reviewer_labels(session, viewer) -> dict[str, str]:
    from sessions.models import Participant

    labels = {}
    for participant in Participant.objects.filter(session=session).select_related("user"):
        if session.anonymous and (viewer is None or participant.user_id != viewer.pk):
            labels[str(participant.pk)] = participant.alias
        else:
            labels[str(participant.pk)] = (
                participant.user.get_full_name() or participant.user.username
            )
    return labels


def session_report_document(*, session, viewer=None, n_resamples: int = 1000) -> dict:
    """The session's figures with the names a reader needs to make sense of the ids."""
    from sessions.models import SessionInteraction

    version = session.scorecard_version
    items = SessionInteraction.objects.filter(session=session).select_related("interaction")
    criteria = list(session.criteria.order_by("position", "id"))
    by_id = _reviewer_labels(session, viewer)
    labels = by_id
    statistics = session_report(session=session, viewer=viewer, n_resamples=n_resamples)
    if session.anonymous:
        # Keyed by alias, not participant id: ids would link figures to named participants.
        labels = {label: label for label in by_id.values()}
        if statistics:
            statistics["reviewers"] = {
                by_id.get(key, key): figures for key, figures in statistics["reviewers"].items()
            }
    return {
        "session": {
            "id": session.pk,
            "title": session.title,
            "status": session.status,
            "source": session.source,
            "date": (session.held_on_date or session.created_at.date()).isoformat(),
            "scorecard": version.scorecard.name,
            "scorecard_version": version.number,
            "anonymous": session.anonymous,
        },
        "interactions": {
            str(item.pk): {
                "position": item.position + 1,
                "external_id": item.interaction.external_id,
                "subject": item.interaction.subject,
                "revealed": item.is_revealed,
            }
            for item in items
        },
        "criteria": {
            str(criterion.pk): {
                "name": criterion.name,
                "group": criterion.group,
                "scale": criterion.scale.describe(),
                "critical": criterion.critical,
                "weight": float(criterion.weight),
            }
            for criterion in criteria
        },
        "reviewers": labels,
        "statistics": statistics,
    }


REPORT_CSV_COLUMNS = ["scope", "id", "name", "criterion", "reference", "figure", "value"]


def _flatten(prefix: str, value, out: dict) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out)
    elif isinstance(value, list):
        out[prefix] = " – ".join("" if v is None else str(v) for v in value)
    else:
        out[prefix] = "" if value is None else value


def report_csv_rows(document: dict) -> list[list]:
    """The document as one figure per row, for spreadsheets."""
    stats = document.get("statistics") or {}
    names = {
        "interaction": {k: v["external_id"] for k, v in document["interactions"].items()},
        "criterion": {k: v["name"] for k, v in document["criteria"].items()},
        "reviewer": document["reviewers"],
    }
    rows = []

    def emit(scope, key, name, criterion, reference, figures):
        flat: dict = {}
        _flatten("", figures, flat)
        for figure, value in flat.items():
            rows.append([scope, key, name, criterion, reference, figure, value])

    session_figures = {k: v for k, v in stats.get("session", {}).items() if k != "ids"}
    emit(
        "session", document["session"]["id"], document["session"]["title"], "", "", session_figures
    )
    for key, block in stats.get("interactions", {}).items():
        name = names["interaction"].get(key, key)
        emit("interaction", key, name, "", "", {k: v for k, v in block.items() if k != "criteria"})
        for criterion_id, cell in block.get("criteria", {}).items():
            emit(
                "interaction",
                key,
                name,
                names["criterion"].get(criterion_id, criterion_id),
                "",
                cell,
            )
    for key, block in stats.get("criteria", {}).items():
        emit("criterion", key, names["criterion"].get(key, key), "", "", block)
    for key, block in stats.get("reviewers", {}).items():
        name = names["reviewer"].get(key, key)
        emit(
            "reviewer",
            key,
            name,
            "",
            "",
            {"n_ratings": block.get("n_ratings"), "n_na": block.get("n_na")},
        )
        for reference in ("consensus", "baseline"):
            figures = block.get(reference)
            if not figures:
                continue
            per_criterion = figures.get("criteria", {})
            emit(
                "reviewer",
                key,
                name,
                "",
                reference,
                {k: v for k, v in figures.items() if k != "criteria"},
            )
            for criterion_id, cell in per_criterion.items():
                emit(
                    "reviewer",
                    key,
                    name,
                    names["criterion"].get(criterion_id, criterion_id),
                    reference,
                    cell,
                )
    critical = stats.get("critical")
    if critical:
        emit(
            "critical",
            "",
            "critical criteria",
            "",
            "",
            {k: v for k, v in critical.items() if k != "interactions"},
        )
        for key, cell in critical.get("interactions", {}).items():
            emit("critical", key, names["interaction"].get(key, key), "", "", cell)
    return rows


# --- agreement figures for the live variance view -------------------------------------------


def live_agreement(*, session) -> dict:
    """Alpha with its interval and reading, per criterion and per interaction, of what is
    revealed. Cached per revealed state: every viewer sees the same revealed ratings."""
    from django.core.cache import cache
    from django.db.models import Count, Max

    from sessions.models import Score

    state = Score.objects.filter(
        item__session=session, item__revealed_at__isnull=False, included=True
    ).aggregate(n=Count("id"), last=Max("updated_at"), items=Count("item", distinct=True))
    if not state["n"]:
        return {}
    stamp = state["last"].timestamp() if state["last"] else 0
    key = f"concord-agreement-{session.pk}-{state['n']}-{state['items']}-{stamp}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    report = session_report(session=session, viewer=None)
    figures = {
        "interactions": {
            k: v.get("alpha") for k, v in (report or {}).get("interactions", {}).items()
        },
        "criteria": {k: v.get("alpha") for k, v in (report or {}).get("criteria", {}).items()},
        "session": (report or {}).get("session", {}).get("alpha", {}),
    }
    cache.set(key, figures, 600)
    return figures
