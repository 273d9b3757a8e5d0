"""The snapshot a page or websocket frame sends to one viewer: everything their page shows, and
nothing they may not see.

A change costs the same however many people watch: the session's **shared state** (people,
progress, the revealed ratings with their ranking and agreement figures, consensus, action
items) is built once per session version, from revealed ratings only (`visible_scores` with no
viewer), and kept in this process. Each viewer's frame is then derived from it through the
viewer policy (`viewer_frame`, no database), plus the two things only that viewer has: their own
ratings (`own_scores`, through `visible_scores`) and who is online. Nothing unrevealed is ever in
the shared state.

The agreement figures (bootstrap intervals: the slow part) hang off the shared state and are
computed once per set of revealed ratings: the live consumer sends a new version without them
(`figures_pending`) and the figures as a second, small frame, so a reveal reaches everyone
without waiting for the resampling. Pages and first frames wait for them.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.utils import timezone

from agreement import DISAGREEMENT_RULE, FIGURES_HELP, rank_criteria, rank_session
from agreement.display import alpha_or_words, format_shares, live_criterion_alpha
from agreement.ranking import discussion_queue
from scorecards.selectors import criterion_spec, open_notes_for_criteria

from ..models import (
    CONNECTION_EXPIRY,
    ActionItem,
    CalibrationSession,
    Connection,
    Consensus,
    DiscussionFlag,
    DiscussionTimebox,
    Participant,
    Revision,
    SessionInteraction,
    SessionStatus,
    Submission,
)
from .statistics import live_agreement
from .visibility import ViewerContext, ViewerPolicy, display_name, viewer_context, visible_scores

# Online = heard from recently; the heartbeat sweep (services.presence) deletes the rest.
PRESENCE_TIMEOUT = CONNECTION_EXPIRY


def iso_time(value):
    return value.isoformat() if value else None


SHARED_STATES_KEPT = 256  # live sessions × recent versions held per process
_shared_states: OrderedDict[tuple, SharedState] = OrderedDict()
# Agreement figures by (session, revealed ratings' fingerprint): most versions (a submission, a
# consensus, an action item) leave the revealed ratings alone and reuse the last figures.
_figures: OrderedDict[tuple, dict] = OrderedDict()
_shared_lock = threading.Lock()
shared_state_builds = 0  # how many times a shared state was built (benchmarks, tests)
figures_builds = 0  # how many times agreement figures were computed


@dataclass(frozen=True)
class SharedState:
    """What every viewer of one session version has in common (revealed data only)."""

    version: int
    session: dict
    participants: list[Participant]
    scorer_ids: frozenset[int]
    submitted_by_item: dict[int, frozenset[int]]
    revealed_ids: frozenset[int]
    criteria: list[dict]
    items: list[dict]  # progress; "excluded" holds Participants, labelled per viewer
    revealed: dict[int, dict]  # ratings hold (Participant, entry), labelled per viewer
    session_ranking: list[dict]
    action_items: list[dict]
    # Decided / total criteria of the revealed interactions, and the undecided ones in order
    # of disagreement (the facilitator's "Next undecided").
    consensus_progress: dict = field(default_factory=dict)
    # The revealed ratings as a reader outside the session sees them, sorted, per anonymity
    # (built at the first frame): each viewer's frame differs only in their own entries.
    outsider_ratings: dict = field(default_factory=dict, compare=False, repr=False)
    # What the agreement figures depend on (revealed interactions and their ratings), and the
    # figures once computed ({"agreement": …}): see shared_figures.
    fingerprint: tuple = ()
    figures: dict = field(default_factory=dict, compare=False, repr=False)
    # Reviewers' flags: (item id, criterion id) -> the Participants who flagged it, labelled
    # per viewer (never a rating); and the discussion's running time box, or None.
    flags: dict = field(default_factory=dict)
    timebox: dict | None = None

    @property
    def agreement(self) -> dict | None:
        """The figures, or None while they are being computed (see shared_figures)."""
        return self.figures.get("agreement")


def shared_state(session: CalibrationSession, *, figures: bool = True) -> SharedState:
    """The session's shared state for its current version, built once per process. With
    `figures=False` the agreement figures may be missing (None): the live consumer sends them
    when `shared_figures` has them."""
    global shared_state_builds
    # created_at guards against a reused id (SQLite may reuse the ids of rolled-back rows).
    key = (session.pk, session.created_at, session.version)
    with _shared_lock:
        state = _shared_states.get(key)
        if state is not None:
            _shared_states.move_to_end(key)
    if state is None:
        state = _build_shared_state(session)
        with _shared_lock:
            shared_state_builds += 1
            known = _figures.get(state.fingerprint)
            if known is not None:
                state.figures.setdefault("agreement", known)
            state = _shared_states.setdefault(key, state)
            while len(_shared_states) > SHARED_STATES_KEPT:
                _shared_states.popitem(last=False)
    if figures:
        shared_figures(state, session)
    return state


def shared_figures(shared: SharedState, session: CalibrationSession) -> dict:
    """The agreement figures of a shared state, computed once per set of revealed ratings
    (alpha with bootstrap intervals: about 0.1–0.3 s for a few hundred ratings)."""
    global figures_builds
    if shared.agreement is not None:
        return shared.agreement
    n_revealed = len(shared.revealed)
    agreement = _live_figures(live_agreement(session=session), n_revealed) if n_revealed else {}
    with _shared_lock:
        figures_builds += 1
        agreement = _figures.setdefault(shared.fingerprint, agreement)
        _figures.move_to_end(shared.fingerprint)
        while len(_figures) > SHARED_STATES_KEPT:
            _figures.popitem(last=False)
        shared.figures.setdefault("agreement", agreement)
    return shared.agreement


def _fingerprint(session: CalibrationSession, revealed: dict) -> tuple:
    """Everything the agreement figures read: the revealed interactions' included ratings and
    their revisions (values only), as a digest."""
    digest = hashlib.blake2b(digest_size=16)
    for item_id in sorted(revealed):
        for criterion_id in sorted(revealed[item_id]["ratings"]):
            for participant, entry in revealed[item_id]["ratings"][criterion_id]:
                digest.update(
                    json.dumps(
                        [
                            item_id,
                            criterion_id,
                            participant.pk,
                            entry["value"],
                            entry["na"],
                            [(r["value"], r["na"]) for r in entry["revisions"]],
                        ]
                    ).encode()
                )
        digest.update(f"item {item_id};".encode())
    return (session.pk, session.created_at, digest.hexdigest())


def shared_state_after_submissions(
    session: CalibrationSession, previous: SharedState
) -> SharedState:
    """The shared state of `session`'s version when the only changes since `previous` (an
    earlier version of the same session) are submissions: one query instead of a build.
    A submission changes progress only (never what is revealed: a revealed interaction takes
    none). A field added to the shared state that depends on submissions is updated here too."""
    global shared_state_builds
    key = (session.pk, session.created_at, session.version)
    with _shared_lock:
        state = _shared_states.get(key)
    if state is not None:
        return state
    submitted_by_item = _submissions(session)
    scorers = previous.scorer_ids
    items = [
        row
        if row["revealed"]
        else {**row, "submitted": len(submitted_by_item.get(row["id"], set()) & scorers)}
        for row in previous.items
    ]
    state = replace(
        previous,
        version=session.version,
        session=_session_section(session),
        submitted_by_item={k: frozenset(v) for k, v in submitted_by_item.items()},
        items=items,
    )
    with _shared_lock:
        shared_state_builds += 1
        state = _shared_states.setdefault(key, state)
    return state


def _submissions(session: CalibrationSession) -> dict[int, set[int]]:
    submitted_by_item: dict[int, set[int]] = defaultdict(set)
    for participant_id, item_id in Submission.objects.filter(item__session=session).values_list(
        "participant_id", "item_id"
    ):
        submitted_by_item[item_id].add(participant_id)
    return submitted_by_item


def _build_shared_state(session: CalibrationSession) -> SharedState:
    # Ordered by role and name, never by alias: the named list must not follow the letters.
    participants = list(
        Participant.objects.filter(session=session)
        .select_related("user")
        .order_by("role", "user__first_name", "user__last_name", "user__username", "id")
    )
    items = list(SessionInteraction.objects.filter(session=session).order_by("position", "id"))
    criteria = list(session.criteria.order_by("position", "id"))
    submitted_by_item = _submissions(session)
    scorer_ids = frozenset(p.pk for p in participants if p.scores_in(session))
    revealed_ids = frozenset(item.pk for item in items if item.is_revealed)
    by_pk = {p.pk: p for p in participants}

    revealed_scores: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    # No default ordering: it joins five tables, and every list is sorted per viewer anyway.
    # No related rows either: the participants are at hand, and a prefetch of the revisions
    # costs a queryset per rating; one plain query of the visible ratings' revisions instead.
    visible = visible_scores(session=session, viewer=None).order_by()
    revisions = _revisions_of(visible) if revealed_ids else {}
    rows = (
        visible.select_related(None)
        .prefetch_related(None)
        .values_list("pk", "participant_id", "item_id", "criterion_id", "value", "is_na", "comment")
    )
    for pk, participant_id, item_id, criterion_id, value, is_na, comment in rows:
        if (is_na or value is not None) and item_id in revealed_ids:  # rated, revealed
            participant = by_pk[participant_id]
            revealed_scores[item_id][criterion_id].append(
                (
                    participant,
                    {
                        "value": value,
                        "na": is_na,
                        "comment": comment,
                        "is_baseline": participant.user_id == session.baseline_id,
                        "revisions": list(revisions.get(pk, ())),
                    },
                )
            )
    consensus_by_item: dict[int, dict] = defaultdict(dict)
    for record in Consensus.objects.filter(item__session=session):
        consensus_by_item[record.item_id][str(record.criterion_id)] = {
            "value": record.value,
            "na": record.is_na,
            "note": record.note,
        }

    specs = {criterion.pk: criterion_spec(criterion) for criterion in criteria}
    scorers = [p for p in participants if p.pk in scorer_ids]
    item_rows, revealed, rankings, queue_input = [], {}, [], []
    for item in items:
        submitted = submitted_by_item.get(item.pk, set()) & scorer_ids
        # Someone who joined after this interaction was revealed never had it to score.
        expected = [p for p in scorers if not item.is_revealed or p.joined_at <= item.revealed_at]
        excluded = []
        if item.is_revealed and item.unsubmitted_policy == "exclude":
            excluded = [p for p in expected if p.pk not in submitted]
        item_rows.append(
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
        ratings = revealed_scores.get(item.pk, {})
        values = {
            c: [None if e["na"] else e["value"] for _, e in pairs] for c, pairs in ratings.items()
        }
        baseline = {
            c: "na" if e["na"] else e["value"]
            for c, pairs in ratings.items()
            for _, e in pairs
            if e["is_baseline"]
        }
        ranking = rank_criteria(specs, values, baseline)
        for row in ranking:
            row["distribution_shares"] = format_shares(row["distribution"])
            # Everyone gave the same answer: one click accepts it as the consensus.
            row["unanimous"] = row["n"] >= 2 and len(row["distribution"]) == 1
        rankings.append(ranking)
        revealed[item.pk] = {
            "ratings": dict(ratings),
            "ranking": ranking,
            "consensus": consensus_by_item.get(item.pk, {}),
        }
        agreed = {
            int(criterion_id)
            for criterion_id, record in revealed[item.pk]["consensus"].items()
            if record["na"] or record["value"] is not None
        }
        queue_input.append((item.pk, ranking, agreed))
    flags: dict[tuple[int, int], list[Participant]] = defaultdict(list)
    for item_id, criterion_id, participant_id in (
        DiscussionFlag.objects.filter(item__session=session)
        .order_by("created_at", "id")
        .values_list("item_id", "criterion_id", "participant_id")
    ):
        flags[(item_id, criterion_id)].append(by_pk[participant_id])
    actions = ActionItem.objects.filter(session=session).select_related("owner").order_by("id")
    notes = _notes_payload(session, criteria, items)
    return SharedState(
        version=session.version,
        session=_session_section(session),
        participants=participants,
        scorer_ids=scorer_ids,
        submitted_by_item={k: frozenset(v) for k, v in submitted_by_item.items()},
        revealed_ids=revealed_ids,
        criteria=[_criterion_payload(c, notes) for c in criteria],
        items=item_rows,
        revealed=revealed,
        session_ranking=rank_session([c.pk for c in criteria], rankings) if rankings else [],
        # Alpha, its 95% interval and a reading per criterion and interaction (revealed only)
        # follow from this: see shared_figures.
        fingerprint=_fingerprint(session, revealed),
        consensus_progress=discussion_queue(
            queue_input, {key: len(people) for key, people in flags.items()}
        ),
        flags=dict(flags),
        timebox=_timebox_section(session),
        action_items=[
            {
                "id": action.pk,
                "text": action.text,
                "owner": display_name(action.owner) if action.owner else None,
            }
            for action in actions
        ],
    )


def _live_figures(figures: dict, n_revealed: int) -> dict:
    """The agreement figures as the room and present mode show them, under the one
    minimum-data rule of agreement.display: no alpha, reading or colour without an interval
    (the units it rests on, in words, instead), and no per-criterion alpha over too few
    interactions (the agreement shares instead)."""
    if not figures:
        return {}
    pooled = figures.get("session", {})
    shares = figures.get("criteria_shares", {})
    return {
        "interactions": {k: alpha_or_words(v) for k, v in figures.get("interactions", {}).items()},
        "criteria": {
            k: live_criterion_alpha(
                v,
                **shares.get(k, {}),
                n_interactions=n_revealed,
                pooled=pooled.get(v["level"]) if v else None,
            )
            for k, v in figures.get("criteria", {}).items()
        },
        "session": {k: alpha_or_words(v) for k, v in pooled.items()},
    }


def _revisions_of(visible) -> dict[int, list[dict]]:
    """The revisions of the visible ratings, by rating, oldest first."""
    by_score: dict[int, list[dict]] = defaultdict(list)
    rows = (
        Revision.objects.filter(score__in=visible.values("pk"))
        .order_by("revised_at", "id")
        .values_list("score_id", "value", "is_na", "comment", "revised_at")
    )
    for score_id, value, is_na, comment, revised_at in rows:
        by_score[score_id].append(
            {"value": value, "na": is_na, "comment": comment, "at": iso_time(revised_at)}
        )
    return by_score


def _notes_payload(session, criteria, items) -> dict:
    """Each criterion's open calibration notes (from any session), by key, newest first.

    A note's agreed example is left out while its interaction waits to be rated blind here:
    the earlier consensus rating would tell reviewers the answer."""
    blind = {item.interaction_id for item in items if not item.is_revealed}
    notes = open_notes_for_criteria(
        scorecard_id=session.scorecard_version.scorecard_id, keys=[c.key for c in criteria]
    )
    return {
        key: [
            {
                "id": note.pk,
                "text": note.text,
                "session": note.session_title,
                "date": timezone.localdate(note.recorded_at).isoformat(),
                "interaction": None if note.interaction_id in blind else note.interaction_label,
                "rating": None if note.interaction_id in blind else note.rating_label,
            }
            for note in key_notes
        ]
        for key, key_notes in notes.items()
    }


def _criterion_payload(criterion, notes: dict | None = None) -> dict:
    scale = criterion.scale
    return {
        "notes": (notes or {}).get(criterion.key, []),
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


def _timebox_section(session: CalibrationSession) -> dict | None:
    """The running time box with its stored start: a reload shows the same time left."""
    if session.status == SessionStatus.CLOSED:
        return None
    timebox = DiscussionTimebox.objects.filter(session=session).first()
    if timebox is None:
        return None
    return {
        "item": timebox.item_id,
        "criterion": timebox.criterion_id,
        "minutes": timebox.minutes,
        "started_at": iso_time(timebox.started_at),
        "ends_at": iso_time(timebox.ends_at),
    }


def _flags_section(shared: SharedState, policy: ViewerPolicy, viewer: ViewerContext) -> dict:
    """{item: {criterion: {count, by, mine}}}. Everyone learns how many want to discuss a
    criterion and whether they do; only the facilitator learns who, named as their ratings are
    (aliases in an anonymous session, and only once the first reveal has dealt them: before it
    the letters follow the order people were added and would link alias to name)."""
    me = viewer.participant
    names = viewer.is_facilitator and (not policy.anonymous or bool(shared.revealed_ids))
    section: dict[str, dict] = defaultdict(dict)
    for (item_id, criterion_id), people in shared.flags.items():
        section[str(item_id)][str(criterion_id)] = {
            "count": len(people),
            "by": [policy.rating_label(p) for p in people] if names else [],
            "mine": me is not None and any(p.pk == me.pk for p in people),
        }
    return dict(section)


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
        "has_baseline": session.baseline_id is not None,
    }


# --- one viewer's frame, derived from the shared state --------------------------------------


def _me_section(viewer: ViewerContext, shared: SharedState) -> dict:
    me = viewer.participant
    return {
        "participant": me.pk if me else None,
        "role": me.role if me else None,
        "is_facilitator": viewer.is_facilitator,
        "can_score": viewer.can_score,
        "submitted": sorted(
            item_id for item_id, ids in shared.submitted_by_item.items() if me and me.pk in ids
        ),
    }


def _people_section(shared: SharedState, policy: ViewerPolicy, online: set[int]) -> list[dict]:
    return [
        {
            "id": p.pk,
            "name": policy.name(p),
            "full_name": display_name(p.user),
            "user_id": p.user_id,  # for choosing an action item's owner
            "role": p.role,
            "scores": p.pk in shared.scorer_ids,
            "online": p.pk in online,
            "submitted": sorted(
                item_id
                for item_id, ids in shared.submitted_by_item.items()
                if p.pk in ids and policy.shows_progress(revealed=item_id in shared.revealed_ids)
            ),
        }
        for p in shared.participants
    ]


def _items_section(shared: SharedState, policy: ViewerPolicy) -> list[dict]:
    items = []
    for row in shared.items:
        excluded = [policy.rating_label(p) for p in row["excluded"]]
        if policy.anonymous and excluded:
            # Aliases next to the named progress marks would give people away: a count.
            excluded = [f"{len(excluded)} reviewer{'s' if len(excluded) > 1 else ''}"]
        items.append({**row, "excluded": excluded})
    return items


def _outsider_ratings(shared: SharedState, anonymous: bool) -> dict:
    """{item: {criterion: sorted (user id, entry)}} labelled for a reader outside the session
    (never "You"); built once per version and anonymity, shared by every viewer's frame."""
    cached = shared.outsider_ratings.get(anonymous)
    if cached is not None:
        return cached
    outsider = ViewerPolicy(anonymous=anonymous, viewer_id=None)
    ratings = {}
    for item_id, block in shared.revealed.items():
        lists = {}
        for criterion_id, pairs in block["ratings"].items():
            entries = [
                (
                    p.user_id,
                    {
                        # In an anonymous session the alias is the key: a participant id would
                        # link the rating to the named presence list.
                        "participant": outsider.rating_key(p),
                        "label": outsider.rating_label(p),
                        **entry,
                        "is_me": False,
                    },
                )
                for p, entry in pairs
            ]
            entries.sort(key=lambda pair: _rating_order(pair[1]))
            lists[str(criterion_id)] = entries
        ratings[str(item_id)] = lists
    shared.outsider_ratings[anonymous] = ratings
    return ratings


def _rating_order(entry: dict) -> tuple:
    return (not entry["is_baseline"], entry["label"])


def _revealed_section(shared: SharedState, policy: ViewerPolicy) -> dict:
    # The outsider's entries as they are, except the viewer's own: "You", and sorted again.
    base = _outsider_ratings(shared, policy.anonymous)
    revealed = {}
    for item_id, block in shared.revealed.items():
        ratings = {}
        for criterion_id, pairs in base[str(item_id)].items():
            entries = [entry for _, entry in pairs]
            for index, (user_id, entry) in enumerate(pairs):
                if policy.viewer_id is not None and user_id == policy.viewer_id:
                    entries[index] = {**entry, "label": "You", "is_me": True}
                    entries.sort(key=_rating_order)
                    break
            ratings[criterion_id] = entries
        revealed[str(item_id)] = {
            "ratings": ratings,
            "ranking": block["ranking"],
            "consensus": block["consensus"],
        }
    return revealed


def own_scores(session: CalibrationSession, participant: Participant | None, user) -> dict:
    """The viewer's own ratings ({item: {criterion: rating}}): one plain query, through the
    visibility function. The live consumer keeps them between frames (only the viewer's own
    saves change them) and reads them again on connect and on sync."""
    if participant is None:
        return {}
    mine: dict[str, dict] = defaultdict(dict)
    # No revisions, no related rows, and no default ordering (which joins five tables and
    # costs more to plan than to run).
    rows = (
        visible_scores(session=session, viewer=user)
        .filter(participant=participant)
        .select_related(None)
        .prefetch_related(None)
        .order_by()
        .values_list("item_id", "criterion_id", "value", "is_na", "comment", "client_ts")
    )
    for item_id, criterion_id, value, is_na, comment, client_ts in rows:
        mine[str(item_id)][str(criterion_id)] = own_rating(value, is_na, comment, client_ts)
    return dict(mine)


def own_rating(value, is_na: bool, comment: str, client_ts: int) -> dict:
    """One entry of `own_scores` (also what the consumer records after the viewer's own save)."""
    return {"value": value, "na": is_na, "comment": comment, "ts": client_ts}


def online_participants(session: CalibrationSession | int) -> set[int]:
    cutoff = timezone.now() - PRESENCE_TIMEOUT
    session_id = getattr(session, "pk", session)
    return set(
        Connection.objects.filter(participant__session_id=session_id, last_seen_at__gte=cutoff)
        .order_by()
        .values_list("participant_id", flat=True)
        .distinct()
    )


def presence_frame(online: set[int]) -> dict:
    """Who is online, for everyone at once: participant ids, which every viewer's frame already
    lists with their names (never a rating or a progress mark)."""
    return {"type": "presence", "online": sorted(online)}


def figures_frame(shared: SharedState) -> dict:
    """The agreement figures of a version sent without them (revealed ratings only)."""
    return {"type": "figures", "version": shared.version, "agreement": shared.agreement or {}}


def viewer_frame(
    *, session: CalibrationSession, shared: SharedState, user, online: set[int], mine: dict
) -> dict:
    """One viewer's frame from the shared state: no database access. `mine` is the viewer's
    own ratings (`own_scores`), `online` who is online (`online_participants`)."""
    viewer = viewer_context(session=session, participants=shared.participants, user=user)
    policy = ViewerPolicy.for_viewer(session, user)
    agreement = shared.agreement
    return {
        "type": "snapshot",
        "version": shared.version,
        "session": {**shared.session, "server_time": iso_time(timezone.now())},
        "me": _me_section(viewer, shared),
        "participants": _people_section(shared, policy, online),
        "criteria": shared.criteria,
        "items": _items_section(shared, policy),
        "my_scores": mine if viewer.participant is not None else {},
        "revealed": _revealed_section(shared, policy),
        "session_ranking": shared.session_ranking,
        "agreement": agreement or {},
        # The figures follow in a "figures" frame of the same version.
        "figures_pending": agreement is None,
        "rule": DISAGREEMENT_RULE,
        "figures_help": FIGURES_HELP,
        "action_items": shared.action_items,
        "consensus_progress": shared.consensus_progress,
        "flags": _flags_section(shared, policy, viewer),
        "timebox": shared.timebox,
    }


def session_snapshot(*, session: CalibrationSession, user) -> dict:
    """Everything one viewer's page shows, and nothing they may not see."""
    shared = shared_state(session)
    participant = next((p for p in shared.participants if p.user_id == user.pk), None)
    return viewer_frame(
        session=session,
        shared=shared,
        user=user,
        online=online_participants(session),
        mine=own_scores(session, participant, user),
    )
