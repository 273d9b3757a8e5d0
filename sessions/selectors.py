"""Reads for live sessions.

`visible_scores` is the one place that decides which ratings a viewer may see:
before an interaction is revealed, only the viewer's own; after, everyone's that were
included at the reveal. Every page, websocket frame, export and report goes through it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from reports.selectors import criterion_spec, live_agreement
from reports.statistics import criterion_disagreement

from .models import (
    ActionItem,
    CalibrationSession,
    Connection,
    Consensus,
    Participant,
    ParticipantRole,
    Revision,
    Score,
    SessionInteraction,
    SessionStatus,
    SessionTemplate,
    Submission,
    Transition,
    normalize_join_code,
)

PRESENCE_TIMEOUT = timedelta(seconds=75)

DISAGREEMENT_RULE = (
    "Criteria are ranked by disagreement normalised to their scale (0 = everyone agrees, "
    "1 = as far apart as the scale allows): for binary, numeric and ordered scales the spread "
    "of the ratings divided by half the scale's range; for unordered labels the share of "
    "ratings that differ from the most common answer. Ties go to the criterion with more "
    "distinct answers, then to scorecard order. Critical criteria where reviewers split on "
    "pass/fail come first: that split flips the whole interaction's result."
)


# --- lists ---------------------------------------------------------------------------------


def sessions_for_team(*, team, user=None) -> QuerySet[CalibrationSession]:
    is_participant = Exists(
        Participant.objects.filter(session=OuterRef("pk"), user_id=getattr(user, "pk", None))
    )
    return (
        CalibrationSession.objects.filter(team=team)
        .annotate(is_participant=is_participant)
        .select_related("scorecard_version__scorecard", "created_by")
        .annotate(
            item_count=Count("items", distinct=True),
            participant_count=Count("participants", distinct=True),
            # Imported sessions sort by the day they were held, live ones by creation.
            sort_date=Coalesce("held_on_date", TruncDate("created_at")),
        )
        .order_by("-sort_date", "-created_at", "-id")
    )


def session_for_member(*, team, session_id: int) -> CalibrationSession | None:
    return (
        CalibrationSession.objects.filter(team=team, pk=session_id)
        .select_related("scorecard_version__scorecard", "baseline", "created_by", "team")
        .first()
    )


def templates_for_team(*, team) -> QuerySet[SessionTemplate]:
    return SessionTemplate.objects.filter(team=team).select_related("scorecard")


def participant_for(*, session_id: int, user) -> Participant | None:
    """The user's place in the session, while they are still a member of its team: someone
    removed from the team loses the session with it."""
    return (
        Participant.objects.filter(
            session_id=session_id, user=user, user__memberships__team=F("session__team")
        )
        .select_related("user")
        .first()
    )


def session_items(*, session: CalibrationSession) -> list[SessionInteraction]:
    return list(
        SessionInteraction.objects.filter(session=session)
        .select_related("interaction")
        .prefetch_related("interaction__messages")
        .order_by("position", "id")
    )


def session_criteria(*, session: CalibrationSession) -> list:
    return list(session.criteria.order_by("position", "id"))


def session_transitions(*, session: CalibrationSession) -> QuerySet[Transition]:
    return session.transitions.select_related("actor").order_by("at", "id")


# --- visibility ----------------------------------------------------------------------------


def visible_scores(*, session: CalibrationSession, viewer) -> QuerySet[Score]:
    """The ratings `viewer` may see: their own, plus everyone's included revealed ones."""
    own = Q(participant__user=viewer) if viewer is not None and viewer.is_authenticated else Q()
    revealed = Q(item__revealed_at__isnull=False, included=True)
    condition = (own | revealed) if own else revealed
    return (
        Score.objects.filter(item__session=session)
        .filter(condition)
        .select_related("participant__user")
        .prefetch_related(
            Prefetch("revisions", queryset=Revision.objects.order_by("revised_at", "id"))
        )
    )


@dataclass(frozen=True)
class ViewerContext:
    participant: Participant | None
    is_facilitator: bool
    can_score: bool


def viewer_context(*, session: CalibrationSession, participants: list[Participant], user):
    me = next((p for p in participants if p.user_id == user.pk), None)
    is_facilitator = me is not None and me.role == ParticipantRole.FACILITATOR
    can_score = me is not None and me.scores_in(session)
    return ViewerContext(participant=me, is_facilitator=is_facilitator, can_score=can_score)


def display_name(user) -> str:
    return user.get_full_name() or user.username


def _label(session: CalibrationSession, participant: Participant, viewer_id: int) -> str:
    if participant.user_id == viewer_id:
        return "You"
    if session.anonymous:
        return participant.alias
    return display_name(participant.user)


# --- variance ------------------------------------------------------------------------------


def _ranking_key(row: dict) -> tuple:
    """The rule shown on the page: critical pass/fail splits first, then disagreement, then
    the number of distinct answers, then scorecard order."""
    return (not row["critical_flip"], -(row["disagreement"] or 0.0), -row["distinct"], row["order"])


def rank_criteria(criteria: list, ratings: dict[int, list], baseline: dict | None = None):
    """Criteria ordered by disagreement, with what the variance view shows for each."""
    baseline = baseline or {}
    rows = []
    for order, criterion in enumerate(criteria):
        entries = ratings.get(criterion.pk, [])
        values = [None if entry["na"] else entry["value"] for entry in entries]
        numeric = [float("nan") if v is None else float(v) for v in values]
        spec = criterion_spec(criterion)
        result = criterion_disagreement(numeric, spec) if numeric else None
        rated = [v for v in values if v is not None]
        outcomes = {criterion.scale.is_fail(v) for v in rated}
        flips = criterion.critical and len(outcomes) > 1
        distribution = Counter("na" if v is None else str(v) for v in values)
        rows.append(
            {
                "criterion": criterion.pk,
                "disagreement": None if result is None else _round(result.value),
                "distinct": 0 if result is None else result.n_distinct,
                "n": len(values),
                "critical_flip": flips,
                "distribution": dict(distribution),
                "baseline": baseline.get(criterion.pk),
                "level": _level_of(result),
                "order": order,
            }
        )
    rows.sort(key=_ranking_key)
    return rows


def _round(value):
    return None if value is None else round(float(value), 3)


def _level_of(result) -> str:
    return _level_from_value(None if result is None else result.value)


def rank_session(criteria: list, per_item_rankings: list[list[dict]]) -> list[dict]:
    """Across revealed interactions: mean disagreement per criterion, same tie rules."""
    totals: dict[int, list] = defaultdict(list)
    distinct: dict[int, int] = defaultdict(int)
    flips: dict[int, int] = defaultdict(int)
    for ranking in per_item_rankings:
        for row in ranking:
            if row["disagreement"] is not None:
                totals[row["criterion"]].append(row["disagreement"])
            distinct[row["criterion"]] = max(distinct[row["criterion"]], row["distinct"])
            flips[row["criterion"]] += int(row["critical_flip"])
    rows = []
    for order, criterion in enumerate(criteria):
        values = totals.get(criterion.pk, [])
        mean = sum(values) / len(values) if values else None
        rows.append(
            {
                "criterion": criterion.pk,
                "disagreement": _round(mean),
                "distinct": distinct.get(criterion.pk, 0),
                "critical_flips": flips.get(criterion.pk, 0),
                "critical_flip": flips.get(criterion.pk, 0) > 0,
                "level": _level_from_value(mean),
                "order": order,
            }
        )
    rows.sort(key=_ranking_key)
    return rows


def _level_from_value(value) -> str:
    """Colour band for the page: agree, low, medium, high."""
    if value is None or value == 0:
        return "agree"
    if value < 0.25:
        return "low"
    if value < 0.5:
        return "medium"
    return "high"


# --- the snapshot a consumer or page sends to one viewer -----------------------------------


def _criterion_payload(criterion) -> dict:
    scale = criterion.scale
    return {
        "id": criterion.pk,
        "name": criterion.name,
        "group": criterion.group,
        "description": criterion.description,
        "guidance_right": criterion.guidance_right,
        "guidance_wrong": criterion.guidance_wrong,
        "critical": criterion.critical,
        "na_allowed": criterion.na_allowed,
        "weight": float(criterion.weight),
        "scale": scale.describe(),
        "ordered": scale.is_ordered,
        "choices": [[value, label] for value, label in scale.choices()],
        "fail_values": list(scale.effective_fail_values),
    }


def _iso(value):
    return value.isoformat() if value else None


def session_snapshot(*, session: CalibrationSession, user) -> dict:
    """Everything one viewer's page shows, and nothing they may not see.

    A constant number of queries whatever the number of reviewers, interactions or criteria.
    """
    # Ordered by role and name, never by alias: the named list must not follow the letters.
    participants = list(
        Participant.objects.filter(session=session)
        .select_related("user")
        .order_by("role", "user__first_name", "user__last_name", "user__username", "id")
    )
    viewer = viewer_context(session=session, participants=participants, user=user)
    items = list(SessionInteraction.objects.filter(session=session).order_by("position", "id"))
    criteria = list(session.criteria.order_by("position", "id"))
    submissions = list(
        Submission.objects.filter(item__session=session).values_list("participant_id", "item_id")
    )
    cutoff = timezone.now() - PRESENCE_TIMEOUT
    online = set(
        Connection.objects.filter(participant__session=session, last_seen_at__gte=cutoff)
        .values_list("participant_id", flat=True)
        .distinct()
    )
    scores = list(visible_scores(session=session, viewer=user))
    consensus = list(Consensus.objects.filter(item__session=session))
    actions = list(
        ActionItem.objects.filter(session=session).select_related("owner").order_by("id")
    )

    scorers = [p for p in participants if p.scores_in(session)]
    submitted_by_item: dict[int, set[int]] = defaultdict(set)
    for participant_id, item_id in submissions:
        submitted_by_item[item_id].add(participant_id)
    scorer_ids = {p.pk for p in scorers}
    by_pk = {p.pk: p for p in participants}

    revealed_ids = {item.pk for item in items if item.is_revealed}
    my_scores: dict[str, dict] = defaultdict(dict)
    revealed_ratings: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    baseline_values: dict[int, dict[int, object]] = defaultdict(dict)
    for score in scores:
        if viewer.participant is not None and score.participant_id == viewer.participant.pk:
            my_scores[str(score.item_id)][str(score.criterion_id)] = {
                "value": score.value,
                "na": score.is_na,
                "comment": score.comment,
                "ts": score.client_ts,
            }
        if score.included and score.is_rated and score.item_id in revealed_ids:
            participant = by_pk[score.participant_id]
            entry = {
                # In an anonymous session the alias is the key: a participant id would link
                # the rating to the named presence list.
                "participant": participant.alias if session.anonymous else participant.pk,
                "label": _label(session, participant, user.pk),
                "value": score.value,
                "na": score.is_na,
                "comment": score.comment,
                "is_me": participant.user_id == user.pk,
                "is_baseline": participant.user_id == session.baseline_id,
                "revisions": [
                    {
                        "value": revision.value,
                        "na": revision.is_na,
                        "comment": revision.comment,
                        "at": _iso(revision.revised_at),
                    }
                    for revision in score.revisions.all()
                ],
            }
            revealed_ratings[score.item_id][score.criterion_id].append(entry)
            if entry["is_baseline"]:
                baseline_values[score.item_id][score.criterion_id] = (
                    "na" if score.is_na else score.value
                )

    consensus_by_item: dict[int, dict] = defaultdict(dict)
    for record in consensus:
        consensus_by_item[record.item_id][str(record.criterion_id)] = {
            "value": record.value,
            "na": record.is_na,
            "note": record.note,
        }

    item_payloads = []
    revealed_payload = {}
    rankings = []
    for item in items:
        submitted = submitted_by_item.get(item.pk, set()) & scorer_ids
        # Someone who joined after this interaction was revealed never had it to score.
        expected = [p for p in scorers if not item.is_revealed or p.joined_at <= item.revealed_at]
        excluded = []
        if item.is_revealed and item.unsubmitted_policy == "exclude":
            excluded = [_label(session, p, user.pk) for p in expected if p.pk not in submitted]
            if session.anonymous and excluded:
                # Aliases next to the named progress marks would give people away: a count.
                excluded = [f"{len(excluded)} reviewer{'s' if len(excluded) > 1 else ''}"]
        item_payloads.append(
            {
                "id": item.pk,
                "position": item.position,
                "revealed": item.is_revealed,
                "submitted": len(submitted),
                "total": len(expected),
                "excluded": excluded,
                "policy": item.unsubmitted_policy,
            }
        )
        if item.is_revealed:
            ratings = revealed_ratings.get(item.pk, {})
            for entries in ratings.values():
                entries.sort(key=lambda e: (not e["is_baseline"], e["label"]))
            ranking = rank_criteria(criteria, ratings, baseline_values.get(item.pk))
            rankings.append(ranking)
            revealed_payload[str(item.pk)] = {
                "ratings": {str(c): entries for c, entries in ratings.items()},
                "ranking": ranking,
                "consensus": consensus_by_item.get(item.pk, {}),
            }

    deadline = None
    if session.timer_minutes and session.scoring_started_at:
        deadline = session.scoring_started_at + timedelta(minutes=session.timer_minutes)

    me = viewer.participant
    return {
        "type": "snapshot",
        "session": {
            "id": session.pk,
            "title": session.title,
            "status": session.status,
            "status_label": SessionStatus(session.status).label,
            "anonymous": session.anonymous,
            "facilitator_scores": session.facilitator_scores,
            "timer_minutes": session.timer_minutes,
            "deadline": _iso(deadline),
            "server_time": _iso(timezone.now()),
            "has_baseline": session.baseline_id is not None,
        },
        "me": {
            "participant": me.pk if me else None,
            "role": me.role if me else None,
            "is_facilitator": viewer.is_facilitator,
            "can_score": viewer.can_score,
            "submitted": sorted(
                item_id for participant_id, item_id in submissions if me and participant_id == me.pk
            ),
        },
        "participants": [
            {
                "id": p.pk,
                "name": display_name(p.user) if p.user_id != user.pk else "You",
                "full_name": display_name(p.user),
                "user_id": p.user_id,  # for choosing an action item's owner
                "role": p.role,
                "scores": p.pk in scorer_ids,
                "online": p.pk in online,
                # Progress marks matter while scoring; after an anonymous reveal a named
                # missing mark would point at the alias missing from the ratings.
                "submitted": sorted(
                    item_id
                    for item_id, ids in submitted_by_item.items()
                    if p.pk in ids and not (session.anonymous and item_id in revealed_ids)
                ),
            }
            for p in participants
        ],
        "criteria": [_criterion_payload(c) for c in criteria],
        "items": item_payloads,
        "my_scores": dict(my_scores),
        "revealed": revealed_payload,
        "session_ranking": rank_session(criteria, rankings) if rankings else [],
        # Alpha, its 95% interval and a reading per criterion and interaction (revealed only).
        "agreement": live_agreement(session=session) if rankings else {},
        "rule": DISAGREEMENT_RULE,
        "action_items": [
            {
                "id": action.pk,
                "text": action.text,
                "owner": display_name(action.owner) if action.owner else None,
            }
            for action in actions
        ],
    }


# --- after the session: the summary and the ratings table ----------------------------------

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
        reviewer = _label(session, score.participant, user.pk)
        if reviewer == "You":
            reviewer = display_name(score.participant.user)
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
                "at": _iso(score.updated_at),
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
                    "at": _iso(revision.revised_at),
                }
            )
    return rows


def _revisions(*, session, user, criteria) -> list[dict]:
    """Changes of mind after the reveal, through the visibility selector like everything else."""
    names = {criterion.pk: criterion for criterion in criteria}
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
                    "reviewer": _label(session, score.participant, user.pk),
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
                "alpha": alpha,
                "alpha_interval": block.get("alpha_interval"),
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
        "alpha": critical.get("alpha"),
        "reason": critical.get("reason"),
    }


def session_summary(*, session: CalibrationSession, user) -> dict:
    """What the summary page shows: outcome per criterion, notes, actions, reviewers' figures."""
    from reports.selectors import session_report

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
        outcome.append({"item": item, "rows": rows})
    report = session_report(session=session, viewer=user, n_resamples=1000)
    by_participant = {str(p.pk): p for p in participants}
    reviewers = []
    if report:
        for participant_id, figures in report.get("reviewers", {}).items():
            participant = by_participant.get(participant_id)
            if participant is None:
                continue
            reviewers.append(
                {
                    "label": _label(session, participant, user.pk),
                    "is_baseline": participant.user_id == session.baseline_id,
                    **figures,
                }
            )
    return {
        # Who took part, by name; never next to their alias, which would undo an anonymous reveal.
        "participants": sorted(
            (
                {
                    "label": "You" if p.user_id == user.pk else display_name(p.user),
                    "role": p.get_role_display(),
                    "alias": "" if session.anonymous else p.alias,
                }
                for p in participants
            ),
            key=lambda person: (person["role"] != "Facilitator", person["label"]),
        ),
        "outcome": outcome,
        "action_items": list(
            ActionItem.objects.filter(session=session).select_related("owner").order_by("id")
        ),
        "report": report,
        "reviewers": reviewers,
        "revisions": _revisions(session=session, user=user, criteria=criteria),
        "criteria_agreement": _criteria_agreement(report, criteria),
        "critical_agreement": _critical_agreement(report, criteria),
        "transitions": list(session_transitions(session=session)),
        "items": items,
        "criteria": criteria,
    }


@dataclass(frozen=True)
class JoinPreview:
    session: CalibrationSession | None
    error: str = ""
    too_late: str = ""
    already_participant: bool = False


JOIN_LINK_INVALID = (
    "This join link is not valid for your teams. Check the link with the facilitator."
)


def join_preview(*, code: str, user) -> JoinPreview:
    """What following a join link leads to, before anything is written."""
    session = CalibrationSession.objects.filter(join_code=normalize_join_code(code)).first()
    return join_preview_for(session=session, user=user)


def join_preview_for(*, session: CalibrationSession | None, user) -> JoinPreview:
    """The one join rule, for the join page and the join service alike. An unknown code and
    another team's code read the same, so a code's existence is never confirmed across teams."""
    if session is None or not user.memberships.filter(team_id=session.team_id).exists():
        return JoinPreview(None, error=JOIN_LINK_INVALID)
    if Participant.objects.filter(session=session, user=user).exists():
        return JoinPreview(session, already_participant=True)
    if session.status in (SessionStatus.REVEALED, SessionStatus.CLOSED):
        return JoinPreview(
            session,
            too_late="The scores of this session are already revealed: it is too late to join. "
            "Its summary is in the session list.",
        )
    return JoinPreview(session)
