"""The report document of one session: its figures with the names a reader needs, for the
`calibration_report` command and the downloads. The figures come from `sessions.selectors`,
through the visibility function; names through the viewer policy."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from sessions.models import Participant, Score, SessionInteraction
from sessions.selectors import ViewerPolicy, session_report


def _reviewer_labels(session, viewer) -> dict[str, str]:
    """Reviewers are those who rated: a facilitator who did not score is not one."""
    policy = ViewerPolicy.for_viewer(session, viewer)
    rated = Score.objects.filter(participant=OuterRef("pk")).exclude(
        value__isnull=True, is_na=False
    )
    participants = Participant.objects.filter(session=session).filter(Exists(rated))
    return {
        str(participant.pk): policy.export_label(participant)
        for participant in participants.select_related("user")
    }


def session_report_document(*, session, viewer=None, n_resamples: int | None = 1000) -> dict:
    """The session's figures with the names a reader needs to make sense of the ids."""
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
