"""After the session: the summary page and the ratings table (CSV), through the visibility
function and the viewer policy like every other read."""

from __future__ import annotations

from agreement.display import alpha_or_words, has_interval
from agreement.reviewers import LABEL_RULE, bias_figure

from ..models import ActionItem, CalibrationSession, Consensus, Participant, SessionInteraction
from .lists import session_criteria, session_items, session_transitions
from .snapshot import iso_time
from .statistics import session_report
from .visibility import ViewerPolicy, visible_scores

RATINGS_TABLE_COLUMNS = [
    "session",
    "interaction",
    "interaction_id",
    "external_id",
    "criterion",
    "group",
    "reviewer",
    "kind",
    "value",
    "label",
    "comment",
    "consensus",
    "at",
]


def ratings_table(*, session: CalibrationSession, user) -> list[dict]:
    """One row per visible rating and revision; before the reveal only the viewer's own."""
    items = {
        item.pk: item
        for item in SessionInteraction.objects.filter(session=session).select_related("interaction")
    }
    criteria = {criterion.pk: criterion for criterion in session.criteria.all()}
    consensus = {
        (record.item_id, record.criterion_id): record
        for record in Consensus.objects.filter(
            item__session=session, item__revealed_at__isnull=False
        )
    }
    policy = ViewerPolicy.for_viewer(session, user)
    rows = []
    scores = visible_scores(session=session, viewer=user).order_by(
        "item__position", "criterion__position", "participant__alias"
    )
    for score in scores:
        if not score.included and score.participant.user_id != user.pk:
            continue
        item, criterion = items[score.item_id], criteria.get(score.criterion_id)
        if criterion is None:
            continue
        agreed = consensus.get((score.item_id, score.criterion_id))
        reviewer = policy.export_label(score.participant)
        base = {
            "session": session.title,
            "interaction": item.position + 1,
            "interaction_id": item.pk,  # the id the agreement report uses
            "external_id": item.interaction.external_id,
            "criterion": criterion.name,
            "group": criterion.group,
            "reviewer": reviewer,
            "consensus": criterion.scale.label_for(agreed.value)
            if agreed and (agreed.value is not None or agreed.is_na)
            else "",
        }
        rows.append(
            {
                **base,
                "kind": "blind",
                "value": "N/A" if score.is_na else ("" if score.value is None else score.value),
                "label": criterion.scale.label_for(None if score.is_na else score.value)
                if score.is_rated
                else "",
                "comment": score.comment,
                "at": iso_time(score.updated_at),
            }
        )
        for revision in score.revisions.all():
            rows.append(
                {
                    **base,
                    "kind": "revision",
                    "value": "N/A" if revision.is_na else revision.value,
                    "label": criterion.scale.label_for(None if revision.is_na else revision.value),
                    "comment": revision.comment,
                    "at": iso_time(revision.revised_at),
                }
            )
    return rows


def _revisions(*, session, user, criteria) -> list[dict]:
    """Changes of mind after the reveal, through the visibility selector like everything else."""
    names = {criterion.pk: criterion for criterion in criteria}
    policy = ViewerPolicy.for_viewer(session, user)
    rows = []
    scores = (
        visible_scores(session=session, viewer=user)
        .filter(item__revealed_at__isnull=False, included=True, revisions__isnull=False)
        .select_related("item__interaction")
        .distinct()
        .order_by("item__position", "criterion__position")
    )
    for score in scores:
        criterion = names.get(score.criterion_id)
        if criterion is None:
            continue
        scale = criterion.scale
        for revision in score.revisions.all():
            rows.append(
                {
                    "interaction": f"{score.item.position + 1} · {score.item.interaction}",
                    "criterion": criterion.name,
                    "reviewer": policy.rating_label(score.participant),
                    "blind": scale.label_for(None if score.is_na else score.value),
                    "revised": scale.label_for(None if revision.is_na else revision.value),
                    "comment": revision.comment,
                    "at": revision.revised_at,
                }
            )
    return rows


def _criteria_agreement(report: dict | None, criteria: list) -> list[dict]:
    """The report's per-criterion agreement joined to the criteria, in scorecard order."""
    figures = (report or {}).get("criteria", {})
    rows = []
    for criterion in criteria:
        block = figures.get(str(criterion.pk))
        if block is None:
            continue
        descriptives = block.get("descriptives") or {}
        alpha = block.get("alpha") or {}
        rows.append(
            {
                "criterion": criterion,
                "level": alpha.get("level") or (block.get("spec") or {}).get("level"),
                # The minimum-data rule: no figure, colour or reading without an interval.
                "alpha": alpha_or_words(alpha) or {},
                "alpha_interval": (
                    block.get("alpha_interval")
                    if has_interval(block.get("alpha_interval"))
                    else None
                ),
                "exact_agreement": descriptives.get("exact_agreement"),
                "mean_disagreement": block.get("mean_disagreement"),
                "n_ratings": descriptives.get("n_ratings"),
            }
        )
    return rows


def _critical_agreement(report: dict | None, criteria: list) -> dict | None:
    """Pass/fail agreement on the critical criteria, with their names; None without any."""
    critical = (report or {}).get("critical") or {}
    ids = set(critical.get("criteria") or [])
    if not ids:
        return None
    return {
        "names": [criterion.name for criterion in criteria if str(criterion.pk) in ids],
        "agreement": critical.get("agreement"),
        "alpha": alpha_or_words(critical.get("alpha")),
        "reason": critical.get("reason"),
    }


def _with_rule(figures: dict | None) -> dict | None:
    """A reviewer's figures against one reference, with the one label rule's reading of the
    bias (agreement.reviewers): a label only with enough compared ratings behind it."""
    if not figures:
        return figures
    rule = bias_figure(figures.get("bias"), figures.get("n_bias"), figures.get("bias_sd"))
    return {**figures, "rule": rule.as_dict()}


def _outcome_counts(outcome: list[dict]) -> dict:
    decided = sum(len(entry["rows"]) for entry in outcome)
    undecided = sum(len(entry["undecided"]) for entry in outcome)
    return {"decided": decided, "undecided": undecided, "total": decided + undecided}


def session_summary(*, session: CalibrationSession, user) -> dict:
    """What the summary page shows: outcome per criterion, notes, actions, reviewers' figures."""
    participants = list(
        Participant.objects.filter(session=session).select_related("user").order_by("alias", "id")
    )
    items = session_items(session=session)
    criteria = session_criteria(session=session)
    consensus = {
        (record.item_id, record.criterion_id): record
        for record in Consensus.objects.filter(
            item__session=session, item__revealed_at__isnull=False
        )
    }
    outcome = []
    for item in items:
        if not item.is_revealed:
            continue
        rows = []
        for criterion in criteria:
            agreed = consensus.get((item.pk, criterion.pk))
            rows.append(
                {
                    "criterion": criterion,
                    "consensus": criterion.scale.label_for(agreed.value)
                    if agreed and (agreed.value is not None or agreed.is_na)
                    else None,
                    "note": agreed.note if agreed else "",
                }
            )
        # Undecided criteria grouped under their interaction, not a column of "Not decided".
        outcome.append(
            {
                "item": item,
                "rows": [row for row in rows if row["consensus"] is not None],
                "undecided": [row for row in rows if row["consensus"] is None],
            }
        )
    # A closed session's stored figures, with the resamples they were computed with.
    report = session_report(session=session, viewer=user, n_resamples=None)
    policy = ViewerPolicy.for_viewer(session, user)
    by_participant = {str(p.pk): p for p in participants}
    reviewers = []
    if report:
        for participant_id, figures in report.get("reviewers", {}).items():
            participant = by_participant.get(participant_id)
            if participant is None:
                continue
            reviewers.append(
                {
                    "label": policy.rating_label(participant),
                    "is_baseline": participant.user_id == session.baseline_id,
                    **figures,
                    **{ref: _with_rule(figures.get(ref)) for ref in ("consensus", "baseline")},
                }
            )
    return {
        # Who took part, by name; never next to their alias, which would undo an anonymous reveal.
        "participants": sorted(
            (
                {
                    "label": policy.name(p),
                    "role": p.get_role_display(),
                    "alias": "" if session.anonymous else p.alias,
                }
                for p in participants
            ),
            key=lambda person: (person["role"] != "Facilitator", person["label"]),
        ),
        "outcome": outcome,
        "outcome_counts": _outcome_counts(outcome),
        "action_items": list(
            ActionItem.objects.filter(session=session).select_related("owner").order_by("id")
        ),
        "report": report,
        "reviewers": reviewers,
        "reviewer_rule": LABEL_RULE,
        "revisions": _revisions(session=session, user=user, criteria=criteria),
        "criteria_agreement": _criteria_agreement(report, criteria),
        "critical_agreement": _critical_agreement(report, criteria),
        "transitions": list(session_transitions(session=session)),
        "items": items,
        "criteria": criteria,
    }
