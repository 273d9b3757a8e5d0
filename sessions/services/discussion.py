"""The discussion after the reveal: consensus, reviewers' flags, the time box of the criterion
under discussion, action items, and nudges during scoring."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from scorecards import services as scorecard_services
from teams.models import Membership

from ..models import (
    TIMEBOX_MAX_MINUTES,
    ActionItem,
    CalibrationSession,
    Consensus,
    DiscussionFlag,
    DiscussionTimebox,
    Participant,
    Score,
    SessionStatus,
)
from .common import (
    SessionError,
    SessionNotFound,
    SessionPermissionError,
    announce_change,
    as_int,
    checked_rating,
    clean_comment,
    locked_session,
    participant_of,
    require_facilitator,
    require_not_closed,
    send_after_commit,
    session_criterion,
    session_item,
)


def consensus_save(
    *, session_id: int, actor, item_id, criterion_id, value=None, is_na=False, note=""
) -> Consensus:
    with transaction.atomic():
        session = locked_session(session_id)
        require_facilitator(session, actor)
        require_not_closed(session)
        item = session_item(session, item_id)
        if not item.is_revealed:
            raise SessionError("Record the consensus after revealing this interaction.")
        criterion = session_criterion(session, criterion_id)
        note = clean_comment(note)
        if value in (None, "") and not is_na:
            code = None  # a note alone is allowed while the group is still deciding
        else:
            code = checked_rating(criterion, value, bool(is_na))
        consensus, _ = Consensus.objects.update_or_create(
            item=item,
            criterion=criterion,
            defaults={"value": code, "is_na": bool(is_na), "note": note, "decided_by": actor},
        )
        calibration_note_write(consensus=consensus, session=session, item=item)
        announce_change(session.pk, "consensus")
    return consensus


def consensus_accept_unanimous(*, session_id: int, actor, item_id, criterion_id=None) -> int:
    """Records the unanimous answer as the consensus of every undecided criterion of one
    revealed interaction on which all its included ratings (at least two) are the same, or of
    the one ``criterion_id``. A note already written stays. Returns how many were recorded."""
    with transaction.atomic():
        session = locked_session(session_id)
        require_facilitator(session, actor)
        require_not_closed(session)
        item = session_item(session, item_id)
        if not item.is_revealed:
            raise SessionError("Record the consensus after revealing this interaction.")
        criteria = (
            [session_criterion(session, criterion_id)]
            if criterion_id is not None
            else list(session.criteria.order_by("position", "id"))
        )
        existing = {record.criterion_id: record for record in Consensus.objects.filter(item=item)}
        answers: dict[int, set] = defaultdict(set)
        counts: dict[int, int] = defaultdict(int)
        for crit_id, value, is_na in Score.objects.filter(item=item, included=True).values_list(
            "criterion_id", "value", "is_na"
        ):
            if is_na or value is not None:
                answers[crit_id].add("na" if is_na else value)
                counts[crit_id] += 1
        recorded = 0
        for criterion in criteria:
            record = existing.get(criterion.pk)
            if record and (record.is_na or record.value is not None):
                continue  # already decided: accepting again changes nothing
            if counts[criterion.pk] < 2 or len(answers[criterion.pk]) != 1:
                if criterion_id is not None:
                    raise SessionError(
                        f"Reviewers did not all give the same answer on {criterion.name}."
                    )
                continue
            (answer,) = answers[criterion.pk]
            consensus, _ = Consensus.objects.update_or_create(
                item=item,
                criterion=criterion,
                defaults={
                    "value": None if answer == "na" else answer,
                    "is_na": answer == "na",
                    "note": record.note if record else "",
                    "decided_by": actor,
                },
            )
            calibration_note_write(consensus=consensus, session=session, item=item)
            recorded += 1
        if recorded:
            announce_change(session.pk, "consensus")
    return recorded


def calibration_note_write(*, consensus: Consensus, session=None, item=None) -> None:
    """Keeps the criterion's calibration note in step with this consensus (same transaction).

    Only what the consensus states is copied: the interaction and the agreed rating. No
    reviewer's rating, comment or name, and not who decided, so an anonymous session's note
    names nobody."""
    item = item or consensus.item
    session = session or item.session
    criterion = consensus.criterion
    if consensus.is_na:
        rating = "N/A"
    elif consensus.value is None:
        rating = ""  # a note recorded before the group settled on a rating
    else:
        rating = criterion.scale.label_for(consensus.value)
    source = scorecard_services.NoteSource(
        source_id=consensus.pk,
        session_id=session.pk,
        session_title=session.title,
        recorded_at=consensus.decided_at,
        interaction_id=item.interaction_id,
        interaction_label=str(item.interaction),
        rating_label=rating,
    )
    scorecard_services.calibration_note_record(
        criterion=criterion, text=consensus.note, source=source
    )


def calibration_notes_backfill() -> int:
    """Writes the note of every revealed consensus recorded before notes were kept (or by an
    import that bypassed `consensus_save`). Idempotent; returns how many notes exist after."""
    written = 0
    records = (
        Consensus.objects.exclude(note="")
        .filter(item__revealed_at__isnull=False)
        .select_related("item__session", "item__interaction", "criterion__version")
        .order_by("pk")
    )
    for consensus in records.iterator(chunk_size=500):
        with transaction.atomic():
            calibration_note_write(consensus=consensus)
        written += 1
    return written


def discussion_flag_set(*, session_id: int, user, item_id, criterion_id, flagged: bool) -> bool:
    """A reviewer flags (or unflags) one criterion of one interaction for the discussion, before
    or after the reveal. Setting what is already set changes nothing (a re-sent frame is
    harmless). Returns whether it is flagged now."""
    with transaction.atomic():
        session = locked_session(session_id)
        participant = participant_of(session, user)
        if not participant.scores_in(session):
            raise SessionPermissionError("Only the people who rate flag criteria to discuss.")
        require_not_closed(session)
        item = session_item(session, item_id)
        criterion = session_criterion(session, criterion_id)
        existing = DiscussionFlag.objects.filter(
            participant=participant, item=item, criterion=criterion
        )
        if flagged and not existing.exists():
            DiscussionFlag.objects.create(participant=participant, item=item, criterion=criterion)
            announce_change(session.pk, "flag")
        elif not flagged and existing.delete()[0]:
            announce_change(session.pk, "flag")
    return bool(flagged)


def discussion_timebox_start(
    *, session_id: int, actor, item_id, criterion_id, minutes
) -> DiscussionTimebox:
    """The facilitator gives the criterion under discussion a few minutes, starting now. A new
    time box replaces the session's current one (one criterion is discussed at a time)."""
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not 1 <= minutes <= TIMEBOX_MAX_MINUTES
    ):
        raise SessionError(f"A time box lasts 1 to {TIMEBOX_MAX_MINUTES} minutes.")
    with transaction.atomic():
        session = locked_session(session_id)
        require_facilitator(session, actor)
        require_not_closed(session)
        item = session_item(session, item_id)
        if not item.is_revealed:
            raise SessionError("Time boxes are for the discussion after the reveal.")
        criterion = session_criterion(session, criterion_id)
        timebox, _ = DiscussionTimebox.objects.update_or_create(
            session=session,
            defaults={
                "item": item,
                "criterion": criterion,
                "minutes": minutes,
                "started_at": timezone.now(),
                "started_by": actor,
            },
        )
        announce_change(session.pk, "timebox")
    return timebox


def discussion_timebox_stop(*, session_id: int, actor) -> None:
    """Ends the current time box; ending none changes nothing."""
    with transaction.atomic():
        session = locked_session(session_id)
        require_facilitator(session, actor)
        if DiscussionTimebox.objects.filter(session=session).delete()[0]:
            announce_change(session.pk, "timebox")


def action_item_add(*, session_id: int, actor, text: str, owner_id=None) -> ActionItem:
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text:
        raise SessionError("Write the action item first.")
    if len(text) > 500:
        raise SessionError("Keep action items under 500 characters.")
    with transaction.atomic():
        session = locked_session(session_id)
        require_facilitator(session, actor)
        require_not_closed(session)
        owner = None
        if owner_id not in (None, ""):
            membership = Membership.objects.filter(
                team=session.team, user_id=as_int(owner_id, "owner")
            ).first()
            if membership is None:
                raise SessionError("The owner must be a member of this team.")
            owner = membership.user
        item = ActionItem.objects.create(session=session, text=text, owner=owner, created_by=actor)
        announce_change(session.pk, "action")
    return item


def action_item_remove(*, session_id: int, actor, action_id) -> None:
    with transaction.atomic():
        session = locked_session(session_id)
        require_facilitator(session, actor)
        require_not_closed(session)
        deleted, _ = ActionItem.objects.filter(
            session=session, pk=as_int(action_id, "action item")
        ).delete()
        if not deleted:
            raise SessionError("That action item does not exist.")
        announce_change(session.pk, "action")


def participant_nudge(*, session_id: int, actor, participant_id) -> Participant:
    """A gentle reminder to one reviewer; no database change, a direct event."""
    session = CalibrationSession.objects.filter(pk=session_id).first()
    if session is None:
        raise SessionNotFound("This session does not exist.")
    require_facilitator(session, actor)
    if session.status != SessionStatus.SCORING:
        raise SessionError("Nudges are for the scoring phase.")
    target = Participant.objects.filter(
        session=session, pk=as_int(participant_id, "participant")
    ).first()
    if target is None:
        raise SessionError("That person is not in this session.")
    with transaction.atomic():
        send_after_commit(
            session.pk,
            {"type": "session.nudge", "session_id": session.pk, "user_id": target.user_id},
        )
    return target
