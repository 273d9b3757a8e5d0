"""What one viewer of a criterion review sees: the review's live frame and its summary.

Like the scoring snapshot, the part every viewer shares (the items, their progress, revealed
tallies and comments, the evidence beside each criterion) is built once per session version
from revealed answers only (`visible_review_answers` with no viewer); each viewer's frame adds
their own answers (through the same function, with them as the viewer) and who is online.
Nothing unrevealed is ever in the shared part.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from scorecards.specs import fail_text_for_input, format_number

from ..models import (
    CalibrationSession,
    Participant,
    ParticipantRole,
    ReviewAnswer,
    ReviewAnswerChoice,
    ReviewDecision,
    ReviewItem,
    ReviewProposal,
    SessionStatus,
)
from .evidence import criterion_evidence
from .snapshot import iso_time, online_participants
from .visibility import ViewerPolicy, display_name, viewer_context, visible_review_answers

STATUS_LABELS = {
    SessionStatus.DRAFT: "Lobby",
    SessionStatus.SCORING: "In progress",
    SessionStatus.REVEALED: "In progress",
    SessionStatus.CLOSED: "Closed",
}
QUESTIONS = [
    ("relevant", "Is this problem really relevant?"),
    ("trending", "Is it currently trending, and does it affect the customer's experience?"),
    ("mistakes", "Do agents make mistakes on it?"),
]
ANSWER_FIELDS = (
    "relevant",
    "trending",
    "mistakes",
    "proposal",
    "new_wording",
    "new_guidance",
    "new_scale",
    "new_weight",
    "new_critical",
    "comment",
)

_KEPT = 128  # reviews × recent versions held per process
_lock = threading.Lock()


@dataclass(frozen=True)
class _Shared:
    participants: list[Participant]
    body: dict  # items (revealed answers labelled later, per viewer), focus, decided, version


_shared: OrderedDict[tuple, _Shared] = OrderedDict()


def _criterion_block(item: ReviewItem) -> dict:
    if item.criterion_id is None:
        proposal = item.proposal
        return {
            "name": proposal.get("name", ""),
            "description": proposal.get("description", ""),
            "guidance_right": proposal.get("guidance_right", ""),
            "guidance_wrong": proposal.get("guidance_wrong", ""),
            "scale": proposal.get("scale", ""),
            "weight": None,
            "critical": False,
        }
    criterion = item.criterion
    scale = criterion.scale
    return {
        "name": criterion.name,
        "description": criterion.description,
        "guidance_right": criterion.guidance_right,
        "guidance_wrong": criterion.guidance_wrong,
        "scale": scale.describe(),
        "weight": format_number(criterion.weight),
        "critical": criterion.critical,
        # The decision form starts from the criterion as it is.
        "form": {
            "scale_kind": scale.kind,
            "scale_points": scale.points,
            "scale_labels": " | ".join(scale.labels),
            "fail_values": fail_text_for_input(scale),
            "na_allowed": criterion.na_allowed,
        },
    }


def _decision_block(item: ReviewItem) -> dict | None:
    if not item.decision:
        return None
    return {
        "decision": item.decision,
        "label": ReviewDecision(item.decision).label,
        "rationale": item.rationale,
        "criterion": item.decision_data or None,
    }


def _tallies(rows: list[dict]) -> dict:
    tallies = {}
    for name, _ in QUESTIONS:
        counts = Counter(row[name] for row in rows if row[name])
        tallies[name] = {choice: counts.get(choice, 0) for choice in ReviewAnswerChoice.values}
    counts = Counter(row["proposal"] for row in rows if row["proposal"])
    tallies["proposal"] = {choice: counts.get(choice, 0) for choice in ReviewProposal.values}
    return tallies


def _answer_row(answer: ReviewAnswer) -> dict:
    return {name: getattr(answer, name) for name in ANSWER_FIELDS}


EVIDENCE_KEPT_SECONDS = 300
_evidence_cache: OrderedDict[tuple, tuple[float, dict]] = OrderedDict()


def _evidence(session: CalibrationSession, items: list[ReviewItem]) -> dict:
    """The team's own history beside each criterion, by criterion key (sessions.selectors.
    evidence, closed scoring sessions only). It does not change with the review's answers, so
    it is kept a few minutes per review instead of being rebuilt at every version."""
    key = (session.pk, session.created_at)
    now = time.monotonic()
    with _lock:
        cached = _evidence_cache.get(key)
        if cached is not None and now - cached[0] < EVIDENCE_KEPT_SECONDS:
            return cached[1]
    keys = [item.criterion.key for item in items if item.criterion_id is not None]
    found = criterion_evidence(scorecard=session.scorecard_version.scorecard, keys=keys)
    payload = {
        str(criterion_key): _evidence_payload(found.get(criterion_key)) for criterion_key in keys
    }
    with _lock:
        _evidence_cache[key] = (now, payload)
        while len(_evidence_cache) > _KEPT:
            _evidence_cache.popitem(last=False)
    return payload


def _evidence_payload(evidence) -> dict:
    """One criterion's evidence in words, each figure with the count behind it."""
    if evidence is None:
        return {
            "shortfall": "No closed scoring session has used this criterion yet.",
            "figures": [],
            "basis": "",
            "notes": [],
        }
    figures = []
    if evidence.enough_history:
        alpha = evidence.alpha
        figures.append(
            [
                "Agreement (alpha)",
                f"{alpha['alpha_text']} (95% interval {alpha['ci_text']}) over "
                f"{alpha['n_units']} interactions",
            ]
        )
        if alpha.get("reading"):
            figures.append(["Reading", alpha["reading"]])
    figures += [
        ["Spread", evidence.spread_text],
        ["Rated failed", evidence.fail_text],
        ["Rated N/A", evidence.na_text],
        ["Most disputed criterion", evidence.disputed_text],
    ]
    basis = ""
    if evidence.n_sessions:
        sessions = (
            "its one scoring session"
            if evidence.n_sessions == 1
            else f"its {evidence.n_sessions} most recent scoring sessions"
        )
        basis = (
            f"From {sessions} on its current scale ({evidence.scale}), "
            f"{evidence.first_held:%-d %b %Y} to {evidence.last_held:%-d %b %Y}."
        )
    if evidence.earlier_sessions:
        count = evidence.earlier_sessions
        earlier = "1 earlier session is" if count == 1 else f"{count} earlier sessions are"
        basis += f"{' ' if basis else ''}{earlier} on another scale, not pooled."
    return {
        "shortfall": evidence.shortfall,
        "figures": figures,
        "basis": basis,
        "flags": list(evidence.flags),
        "notes": [
            {
                "id": note.pk,
                "text": note.text,
                "session": note.session_title,
                "date": timezone.localdate(note.recorded_at).isoformat(),
                "interaction": note.interaction_label,
                "rating": note.rating_label,
            }
            for note in evidence.open_notes
        ],
    }


def _build_shared(session: CalibrationSession) -> _Shared:
    participants = list(
        Participant.objects.filter(session=session)
        .select_related("user")
        .order_by("role", "user__first_name", "user__username", "id")
    )
    answering = [p for p in participants if p.scores_in(session)]
    items = list(
        ReviewItem.objects.filter(session=session)
        .select_related("criterion", "proposed_by__user")
        .order_by("position", "id")
    )
    # Progress needs how many answers are complete, never their values: counted in the
    # database, so no unrevealed value is read into this shared state.
    complete = dict(
        ReviewAnswer.objects.filter(item__session=session)
        .exclude(relevant="")
        .exclude(trending="")
        .exclude(mistakes="")
        .exclude(proposal="")
        .order_by()
        .values("item_id")
        .annotate(n=Count("id"))
        .values_list("item_id", "n")
    )
    revealed_rows: dict[int, list[tuple[Participant, dict]]] = {}
    by_pk = {p.pk: p for p in participants}
    for answer in visible_review_answers(session=session, viewer=None).order_by("id"):
        revealed_rows.setdefault(answer.item_id, []).append(
            (by_pk[answer.participant_id], _answer_row(answer))
        )
    evidence = _evidence(session, items)
    focused = max(
        (item for item in items if item.focused_at is not None),
        key=lambda item: item.focused_at,
        default=None,
    )
    rows = []
    for item in items:
        answers = revealed_rows.get(item.pk, [])
        key = str(item.criterion.key) if item.criterion_id else None
        rows.append(
            {
                "id": item.pk,
                "kind": "proposal" if item.is_proposal else "criterion",
                "criterion_id": item.criterion_id,
                "criterion_key": key,
                "number": len(rows) + 1,
                **_criterion_block(item),
                "proposed_by": item.proposed_by,  # labelled per viewer
                "revealed": item.is_revealed,
                "answered": complete.get(item.pk, 0),
                "total": len(answering),
                # Which answers are here is the visibility function's decision alone.
                "tallies": _tallies([row for _, row in answers]) if item.is_revealed else None,
                "answers": answers,
                "decision": _decision_block(item),
                "evidence": evidence.get(key) if key else None,
            }
        )
    return _Shared(
        participants=participants,
        body={
            "items": rows,
            "focus": focused.pk if focused else (items[0].pk if items else None),
            "decided": sum(1 for item in items if item.decision),
            "version": session.version,
        },
    )


def _shared_for(session: CalibrationSession) -> _Shared:
    key = (session.pk, session.created_at, session.version)
    with _lock:
        state = _shared.get(key)
        if state is not None:
            _shared.move_to_end(key)
            return state
    state = _build_shared(session)
    with _lock:
        _shared[key] = state
        while len(_shared) > _KEPT:
            _shared.popitem(last=False)
    return state


def _label_items(rows: list[dict], policy: ViewerPolicy) -> list[dict]:
    items = []
    for row in rows:
        proposer = row["proposed_by"]
        answers = [
            {
                "label": policy.rating_label(participant),
                "is_me": policy.is_viewer(participant),
                **values,
            }
            for participant, values in row["answers"]
        ]
        answers.sort(key=lambda entry: (not entry["is_me"], entry["label"]))
        items.append(
            {
                **row,
                "proposed_by": policy.rating_label(proposer) if proposer else None,
                "answers": answers,
            }
        )
    return items


def _my_answers(session: CalibrationSession, participant: Participant | None, user) -> dict:
    if participant is None:
        return {}
    rows = visible_review_answers(session=session, viewer=user).filter(participant=participant)
    return {str(answer.item_id): {**_answer_row(answer), "ts": answer.client_ts} for answer in rows}


def review_snapshot(*, session: CalibrationSession, user) -> dict:
    """Everything one viewer's review page shows, and nothing they may not see."""
    shared = _shared_for(session)
    viewer = viewer_context(session=session, participants=shared.participants, user=user)
    policy = ViewerPolicy.for_viewer(session, user)
    online = online_participants(session)
    me = viewer.participant
    items = _label_items(shared.body["items"], policy)
    return {
        "type": "snapshot",
        "kind": "criterion_review",
        "version": shared.body["version"],
        "session": {
            "id": session.pk,
            "title": session.title,
            "status": session.status,
            "status_label": STATUS_LABELS[session.status],
            "anonymous": session.anonymous,
            "scorecard": session.scorecard_version.scorecard.name,
            "scorecard_version": session.scorecard_version.number,
            "server_time": iso_time(timezone.now()),
        },
        "me": {
            "participant": me.pk if me else None,
            "role": me.role if me else None,
            "is_facilitator": viewer.is_facilitator,
            "can_answer": viewer.can_score,
        },
        "participants": [
            {
                "id": p.pk,
                "name": policy.name(p),
                "role": p.role,
                "answers": p.scores_in(session),
                "online": p.pk in online,
            }
            for p in shared.participants
        ],
        "questions": [{"name": name, "text": text} for name, text in QUESTIONS],
        "items": items,
        "focus": shared.body["focus"],
        "decided": shared.body["decided"],
        "my_answers": _my_answers(session, me, user),
    }


# --- after the review -------------------------------------------------------------------------


def review_summary(*, session: CalibrationSession, user) -> dict:
    """The closed (or running) review as a page: each item with its tallies, comments and
    decision, and the version the decisions were written to."""
    frame = review_snapshot(session=session, user=user)
    facilitator = (
        Participant.objects.filter(session=session, role=ParticipantRole.FACILITATOR)
        .select_related("user")
        .first()
    )
    items = [
        {
            **item,
            "question_rows": [{"text": text, **item["tallies"][name]} for name, text in QUESTIONS]
            if item["tallies"]
            else [],
        }
        for item in frame["items"]
    ]
    return {
        "frame": frame,
        "items": items,
        "resulting_version": session.resulting_version,
        "changes": [
            entry
            for entry in (session.resulting_version.changes if session.resulting_version else [])
            if isinstance(entry, dict) and entry.get("session_id") == session.pk
        ],
        "facilitator": display_name(facilitator.user) if facilitator else "",
    }
