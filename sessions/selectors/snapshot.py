"""The snapshot a page or websocket frame sends to one viewer: everything their page shows, and
nothing they may not see. Built in sections from one load of the session's rows, in a constant
number of queries whatever the number of reviewers, interactions or criteria."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from agreement import DISAGREEMENT_RULE, FIGURES_HELP, rank_criteria, rank_session
from scorecards.selectors import criterion_spec

from ..models import (
    ActionItem,
    CalibrationSession,
    Connection,
    Consensus,
    Participant,
    Score,
    SessionInteraction,
    SessionStatus,
    Submission,
)
from .statistics import live_agreement
from .visibility import ViewerContext, ViewerPolicy, display_name, viewer_context, visible_scores

PRESENCE_TIMEOUT = timedelta(seconds=75)


def iso_time(value):
    return value.isoformat() if value else None


@dataclass
class _Rows:
    """One read of everything a snapshot is made of (scores through the visibility function)."""

    participants: list[Participant]
    items: list[SessionInteraction]
    criteria: list
    submissions: list[tuple[int, int]]
    online: set[int]
    scores: list[Score]
    consensus: list[Consensus]
    actions: list[ActionItem]

    @classmethod
    def load(cls, session: CalibrationSession, user) -> _Rows:
        cutoff = timezone.now() - PRESENCE_TIMEOUT
        return cls(
            # Ordered by role and name, never by alias: the named list must not follow letters.
            participants=list(
                Participant.objects.filter(session=session)
                .select_related("user")
                .order_by("role", "user__first_name", "user__last_name", "user__username", "id")
            ),
            items=list(
                SessionInteraction.objects.filter(session=session).order_by("position", "id")
            ),
            criteria=list(session.criteria.order_by("position", "id")),
            submissions=list(
                Submission.objects.filter(item__session=session).values_list(
                    "participant_id", "item_id"
                )
            ),
            online=set(
                Connection.objects.filter(participant__session=session, last_seen_at__gte=cutoff)
                .values_list("participant_id", flat=True)
                .distinct()
            ),
            scores=list(visible_scores(session=session, viewer=user)),
            consensus=list(Consensus.objects.filter(item__session=session)),
            actions=list(
                ActionItem.objects.filter(session=session).select_related("owner").order_by("id")
            ),
        )


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


def _session_section(session: CalibrationSession) -> dict:
    deadline = None
    if session.timer_minutes and session.scoring_started_at:
        deadline = session.scoring_started_at + timedelta(minutes=session.timer_minutes)
    return {
        "id": session.pk,
        "title": session.title,
        "status": session.status,
        "status_label": SessionStatus(session.status).label,
        "anonymous": session.anonymous,
        "facilitator_scores": session.facilitator_scores,
        "timer_minutes": session.timer_minutes,
        "deadline": iso_time(deadline),
        "server_time": iso_time(timezone.now()),
        "has_baseline": session.baseline_id is not None,
    }


def _me_section(viewer: ViewerContext, submissions) -> dict:
    me = viewer.participant
    return {
        "participant": me.pk if me else None,
        "role": me.role if me else None,
        "is_facilitator": viewer.is_facilitator,
        "can_score": viewer.can_score,
        "submitted": sorted(
            item_id for participant_id, item_id in submissions if me and participant_id == me.pk
        ),
    }


def _people_section(rows: _Rows, policy: ViewerPolicy, scorer_ids, submitted_by_item, revealed):
    return [
        {
            "id": p.pk,
            "name": policy.name(p),
            "full_name": display_name(p.user),
            "user_id": p.user_id,  # for choosing an action item's owner
            "role": p.role,
            "scores": p.pk in scorer_ids,
            "online": p.pk in rows.online,
            "submitted": sorted(
                item_id
                for item_id, ids in submitted_by_item.items()
                if p.pk in ids and policy.shows_progress(revealed=item_id in revealed)
            ),
        }
        for p in rows.participants
    ]


def _rating_entry(score: Score, participant: Participant, session, policy: ViewerPolicy) -> dict:
    return {
        "participant": policy.rating_key(participant),
        "label": policy.rating_label(participant),
        "value": score.value,
        "na": score.is_na,
        "comment": score.comment,
        "is_me": policy.is_viewer(participant),
        "is_baseline": participant.user_id == session.baseline_id,
        "revisions": [
            {
                "value": revision.value,
                "na": revision.is_na,
                "comment": revision.comment,
                "at": iso_time(revision.revised_at),
            }
            for revision in score.revisions.all()
        ],
    }


def _scores_sections(rows: _Rows, session, viewer: ViewerContext, policy, revealed_ids):
    """The viewer's own drafts, and the included ratings of revealed interactions."""
    me = viewer.participant
    by_pk = {p.pk: p for p in rows.participants}
    my_scores: dict[str, dict] = defaultdict(dict)
    revealed: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for score in rows.scores:
        if me is not None and score.participant_id == me.pk:
            my_scores[str(score.item_id)][str(score.criterion_id)] = {
                "value": score.value,
                "na": score.is_na,
                "comment": score.comment,
                "ts": score.client_ts,
            }
        if score.included and score.is_rated and score.item_id in revealed_ids:
            entry = _rating_entry(score, by_pk[score.participant_id], session, policy)
            revealed[score.item_id][score.criterion_id].append(entry)
    return dict(my_scores), revealed


def _items_section(rows: _Rows, session, policy, scorer_ids, submitted_by_item, revealed):
    """Progress per interaction, and for revealed ones their ratings, ranking and consensus."""
    scorers = [p for p in rows.participants if p.pk in scorer_ids]
    specs = {criterion.pk: criterion_spec(criterion) for criterion in rows.criteria}
    consensus_by_item: dict[int, dict] = defaultdict(dict)
    for record in rows.consensus:
        consensus_by_item[record.item_id][str(record.criterion_id)] = {
            "value": record.value,
            "na": record.is_na,
            "note": record.note,
        }
    payloads, revealed_payload, rankings = [], {}, []
    for item in rows.items:
        submitted = submitted_by_item.get(item.pk, set()) & scorer_ids
        # Someone who joined after this interaction was revealed never had it to score.
        expected = [p for p in scorers if not item.is_revealed or p.joined_at <= item.revealed_at]
        excluded = []
        if item.is_revealed and item.unsubmitted_policy == "exclude":
            excluded = [policy.rating_label(p) for p in expected if p.pk not in submitted]
            if session.anonymous and excluded:
                # Aliases next to the named progress marks would give people away: a count.
                excluded = [f"{len(excluded)} reviewer{'s' if len(excluded) > 1 else ''}"]
        payloads.append(
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
        if not item.is_revealed:
            continue
        ratings = revealed.get(item.pk, {})
        for entries in ratings.values():
            entries.sort(key=lambda e: (not e["is_baseline"], e["label"]))
        values = {c: [None if e["na"] else e["value"] for e in es] for c, es in ratings.items()}
        baseline = {
            c: "na" if e["na"] else e["value"]
            for c, es in ratings.items()
            for e in es
            if e["is_baseline"]
        }
        ranking = rank_criteria(specs, values, baseline)
        rankings.append(ranking)
        revealed_payload[str(item.pk)] = {
            "ratings": {str(c): entries for c, entries in ratings.items()},
            "ranking": ranking,
            "consensus": consensus_by_item.get(item.pk, {}),
        }
    return payloads, revealed_payload, rankings


def session_snapshot(*, session: CalibrationSession, user) -> dict:
    """Everything one viewer's page shows, and nothing they may not see."""
    rows = _Rows.load(session, user)
    viewer = viewer_context(session=session, participants=rows.participants, user=user)
    policy = ViewerPolicy.for_viewer(session, user)
    scorer_ids = {p.pk for p in rows.participants if p.scores_in(session)}
    submitted_by_item: dict[int, set[int]] = defaultdict(set)
    for participant_id, item_id in rows.submissions:
        submitted_by_item[item_id].add(participant_id)
    revealed_ids = {item.pk for item in rows.items if item.is_revealed}
    my_scores, revealed = _scores_sections(rows, session, viewer, policy, revealed_ids)
    items, revealed_payload, rankings = _items_section(
        rows, session, policy, scorer_ids, submitted_by_item, revealed
    )
    return {
        "type": "snapshot",
        "session": _session_section(session),
        "me": _me_section(viewer, rows.submissions),
        "participants": _people_section(rows, policy, scorer_ids, submitted_by_item, revealed_ids),
        "criteria": [_criterion_payload(c) for c in rows.criteria],
        "items": items,
        "my_scores": my_scores,
        "revealed": revealed_payload,
        "session_ranking": rank_session([c.pk for c in rows.criteria], rankings)
        if rankings
        else [],
        # Alpha, its 95% interval and a reading per criterion and interaction (revealed only).
        "agreement": live_agreement(session=session) if rankings else {},
        "rule": DISAGREEMENT_RULE,
        "figures_help": FIGURES_HELP,
        "action_items": [
            {
                "id": action.pk,
                "text": action.text,
                "owner": display_name(action.owner) if action.owner else None,
            }
            for action in rows.actions
        ],
    }
