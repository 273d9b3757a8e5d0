"""Joining and the state machine draft → scoring → revealed → closed."""

from __future__ import annotations

import random

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import selectors
from ..models import (
    CalibrationSession,
    Consensus,
    Participant,
    ParticipantRole,
    Score,
    SessionInteraction,
    SessionStatus,
    Submission,
    UnsubmittedPolicy,
    normalize_join_code,
    reviewer_alias,
)
from .common import (
    SessionError,
    SessionNotFound,
    announce_change,
    locked_session,
    record_transition,
    require_facilitator,
    require_not_closed,
    session_item,
)
from .summaries import session_summaries_write


def session_join(*, join_code: str, user) -> CalibrationSession:
    """A team member who follows the join link becomes a reviewer of the session."""
    with transaction.atomic():
        session = (
            CalibrationSession.objects.select_for_update()
            .filter(join_code=normalize_join_code(join_code))
            .first()
        )
        preview = selectors.join_preview_for(session=session, user=user)
        if preview.error:
            raise SessionNotFound(preview.error)
        if preview.already_participant:
            return session
        if preview.too_late:
            raise SessionError(preview.too_late)
        taken = Participant.objects.filter(session=session, alias__startswith="Reviewer ").count()
        Participant.objects.create(
            session=session, user=user, role=ParticipantRole.REVIEWER, alias=reviewer_alias(taken)
        )
        announce_change(session.pk, "joined")
    return session


def _move_session(
    session_id: int, actor, *, source: str, target: str, stamp: str, refusal: str, reason: str
) -> CalibrationSession:
    """One step of draft → scoring → revealed → closed, by the facilitator, recorded once."""
    with transaction.atomic():
        session = locked_session(session_id)
        require_facilitator(session, actor)
        if session.status == target:
            return session
        if session.status != source:
            raise SessionError(refusal)
        session.status = target
        setattr(session, stamp, timezone.now())
        session.save(update_fields=["status", stamp])
        record_transition(session, source, target, actor)
        announce_change(session.pk, reason)
    return session


def session_start(*, session_id: int, actor) -> CalibrationSession:
    return _move_session(
        session_id,
        actor,
        source=SessionStatus.DRAFT,
        target=SessionStatus.SCORING,
        stamp="scoring_started_at",
        refusal="Only a draft session can be opened for scoring.",
        reason="started",
    )


def session_reveal(
    *, session_id: int, actor, item_id=None, unsubmitted_policy: str = UnsubmittedPolicy.EXCLUDE
) -> CalibrationSession:
    """Freezes the blind ratings of one interaction (or all) and only then tells everyone.

    Idempotent: revealing what is already revealed changes nothing, so a double click or two
    facilitators at once reveal once.
    """
    if unsubmitted_policy not in UnsubmittedPolicy.values:
        raise SessionError("Choose whether to exclude or include reviewers who did not submit.")
    with transaction.atomic():
        session = locked_session(session_id)
        require_facilitator(session, actor)
        if session.status == SessionStatus.DRAFT:
            raise SessionError("Open the session for scoring before revealing.")
        require_not_closed(session)
        items = SessionInteraction.objects.filter(session=session, revealed_at__isnull=True)
        if item_id is not None:
            items = items.filter(pk=session_item(session, item_id).pk)
        items = list(items)
        if not items:
            return session
        if (
            session.anonymous
            and not SessionInteraction.objects.filter(
                session=session, revealed_at__isnull=False
            ).exists()
        ):
            _shuffle_aliases(session)
        now = timezone.now()
        scorers = [
            participant
            for participant in Participant.objects.filter(session=session)
            if participant.scores_in(session)
        ]
        submitted = set(
            Submission.objects.filter(item__in=items).values_list("participant_id", "item_id")
        )
        for item in items:
            missing = [p.pk for p in scorers if (p.pk, item.pk) not in submitted]
            included = unsubmitted_policy == UnsubmittedPolicy.INCLUDE_DRAFTS
            Score.objects.filter(item=item, participant_id__in=missing).update(included=included)
            item.revealed_at = now
            item.unsubmitted_policy = unsubmitted_policy
        SessionInteraction.objects.bulk_update(items, ["revealed_at", "unsubmitted_policy"])
        all_revealed = not SessionInteraction.objects.filter(
            session=session, revealed_at__isnull=True
        ).exists()
        detail = "All interactions" if item_id is None else f"Interaction {items[0].position + 1}"
        if all_revealed:
            previous = session.status
            session.status = SessionStatus.REVEALED
            session.revealed_at = now
            session.save(update_fields=["status", "revealed_at"])
            record_transition(session, previous, SessionStatus.REVEALED, actor, detail)
        else:
            record_transition(session, session.status, session.status, actor, f"Revealed: {detail}")
        announce_change(session.pk, "revealed")
    return session


def _shuffle_aliases(session: CalibrationSession) -> None:
    """Letters in the order people were added would name them (the facilitator first, the
    late joiner last): at the first reveal of an anonymous session they are dealt at random."""
    scorers = [
        participant
        for participant in Participant.objects.filter(session=session).order_by("id")
        if participant.scores_in(session)
    ]
    letters = [reviewer_alias(index) for index in range(len(scorers))]
    random.SystemRandom().shuffle(letters)
    for participant, alias in zip(scorers, letters, strict=True):
        participant.alias = alias
    Participant.objects.bulk_update(scorers, ["alias"])


class UndecidedCriteria(SessionError):
    """Closing would leave criteria without a consensus, and nobody said that is intended."""

    def __init__(self, count: int):
        self.count = count
        super().__init__(
            f"{count} {'criterion is' if count == 1 else 'criteria are'} still undecided. "
            "Confirm to close the session anyway."
        )


def undecided_count(session: CalibrationSession) -> int:
    """Revealed interaction × criterion pairs without an agreed rating (a note alone is not one)."""
    revealed = session.items.filter(revealed_at__isnull=False)
    decided = (
        Consensus.objects.filter(item__in=revealed)
        .filter(Q(is_na=True) | Q(value__isnull=False))
        .count()
    )
    return revealed.count() * session.criteria.count() - decided


def session_close(*, session_id: int, actor, confirm_undecided: bool = True) -> CalibrationSession:
    """Closes a revealed session. An interface a person uses passes their answer as
    ``confirm_undecided``: False refuses while criteria are still undecided, naming how many
    (the room asks first); scripts and imports close as they are."""
    with transaction.atomic():
        if not confirm_undecided:
            session = locked_session(session_id)
            require_facilitator(session, actor)
            if session.status == SessionStatus.REVEALED and (count := undecided_count(session)):
                raise UndecidedCriteria(count)
        session = _move_session(
            session_id,
            actor,
            source=SessionStatus.REVEALED,
            target=SessionStatus.CLOSED,
            stamp="closed_at",
            refusal="Reveal every interaction before closing the session.",
            reason="closed",
        )
        # The reports' figures, in the transaction that closes the session (README, Reports).
        session_summaries_write(session_ids=[session.pk])
    return session
