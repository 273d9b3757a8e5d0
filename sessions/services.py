"""Writes for live calibration sessions.

Every state change happens here, in a transaction, and ends by scheduling a small
"look again" event for after the commit. Events never carry rating values: each consumer
re-reads what its own viewer may see through `selectors.session_snapshot`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from interactions.models import Channel, Interaction
from scorecards.models import Criterion, ScorecardVersion
from scorecards.services import scorecard_version_lock
from teams.models import Membership

from . import selectors
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
    UnsubmittedPolicy,
    normalize_join_code,
    reviewer_alias,
)

MAX_INTERACTIONS = 20
MAX_COMMENT_LENGTH = 5000


class SessionError(Exception):
    """A session action that cannot be done; the message is shown to the person."""


class SessionPermissionError(SessionError):
    pass


class SessionNotFound(SessionError):
    pass


# --- broadcasting -------------------------------------------------------------------------


def group_name_for(session_id: int) -> str:
    return f"calibration-session-{session_id}"


def _send_after_commit(session_id: int, message: dict) -> None:
    def send():
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group_name_for(session_id), message)

    transaction.on_commit(send)


def _announce_change(session_id: int, reason: str) -> None:
    # Only the id and a reason: consumers re-read the database for what their viewer may see.
    _send_after_commit(
        session_id, {"type": "session.changed", "session_id": session_id, "reason": reason}
    )


# --- lookups used by every action ----------------------------------------------------------


def _locked_session(session_id: int) -> CalibrationSession:
    # Row lock: two facilitators revealing or closing at once act one after the other.
    session = CalibrationSession.objects.select_for_update().filter(pk=session_id).first()
    if session is None:
        raise SessionNotFound("This session does not exist.")
    return session


def _participant(session: CalibrationSession, user) -> Participant:
    participant = selectors.participant_for(session_id=session.pk, user=user)
    if participant is None:
        raise SessionPermissionError("You are not a participant of this session.")
    return participant


def _require_facilitator(session: CalibrationSession, user) -> Participant:
    participant = _participant(session, user)
    if participant.role != ParticipantRole.FACILITATOR:
        raise SessionPermissionError("Only the facilitator can do this.")
    return participant


def _item(session: CalibrationSession, item_id) -> SessionInteraction:
    item = SessionInteraction.objects.filter(session=session, pk=_as_int(item_id, "item")).first()
    if item is None:
        raise SessionError("That interaction is not part of this session.")
    return item


def _criterion(session: CalibrationSession, criterion_id) -> Criterion:
    criterion = session.criteria.filter(pk=_as_int(criterion_id, "criterion")).first()
    if criterion is None:
        raise SessionError("That criterion is not part of this session.")
    return criterion


def _as_int(value, what: str) -> int:
    if isinstance(value, bool):
        raise SessionError(f"Invalid {what} id.")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SessionError(f"Invalid {what} id.") from None


def _require_not_closed(session: CalibrationSession) -> None:
    if session.status == SessionStatus.CLOSED:
        raise SessionError("This session is closed: it is read-only.")


def _checked_rating(criterion: Criterion, value, is_na: bool) -> int | None:
    """The integer code to store, or an error naming what is wrong."""
    if is_na:
        if not criterion.na_allowed:
            raise SessionError(f"N/A is not allowed for “{criterion.name}”.")
        return None
    if value is None or value == "":
        raise SessionError(f"Choose a rating for “{criterion.name}”.")
    scale = criterion.scale
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SessionError(f"Invalid rating for “{criterion.name}”.")
    try:
        code = int(value)
    except (TypeError, ValueError):
        raise SessionError(f"Invalid rating for “{criterion.name}”.") from None
    if code not in scale.values:
        raise SessionError(
            f"{value!r} is not on the scale of “{criterion.name}” ({scale.describe()})."
        )
    return code


def _clean_comment(comment) -> str:
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise SessionError("A comment must be text.")
    if len(comment) > MAX_COMMENT_LENGTH:
        raise SessionError(f"Comments are limited to {MAX_COMMENT_LENGTH} characters.")
    return comment.strip()


def _record_transition(session, from_status, to_status, actor, detail="") -> None:
    Transition.objects.create(
        session=session, from_status=from_status, to_status=to_status, actor=actor, detail=detail
    )


# --- creating sessions ---------------------------------------------------------------------


@dataclass(frozen=True)
class SessionOptions:
    anonymous: bool = False
    facilitator_scores: bool = False
    baseline_user_id: int | None = None
    timer_minutes: int | None = None
    due_at: datetime | None = None


def session_create(
    *,
    team,
    facilitator,
    title: str,
    scorecard_version: ScorecardVersion,
    interactions: list[Interaction],
    reviewers: list,
    criteria: list[Criterion] | None = None,
    options: SessionOptions | None = None,
    template: SessionTemplate | None = None,
) -> CalibrationSession:
    if scorecard_version.scorecard.team_id != team.pk:
        raise SessionError("That scorecard belongs to another team.")
    with transaction.atomic():
        # Lock the version first: a used version is frozen, so the criteria read below are
        # the ones the session keeps (an edit in between starts a new version instead).
        scorecard_version_lock(version=scorecard_version)
        return _session_create(
            team=team,
            facilitator=facilitator,
            title=title,
            scorecard_version=scorecard_version,
            interactions=interactions,
            reviewers=reviewers,
            criteria=criteria,
            options=options or SessionOptions(),
            template=template,
        )


def _session_create(
    *,
    team,
    facilitator,
    title,
    scorecard_version,
    interactions,
    reviewers,
    criteria,
    options,
    template,
) -> CalibrationSession:
    title = (title or "").strip()
    if not title:
        raise SessionError("Give the session a title.")
    if scorecard_version.scorecard.team_id != team.pk:
        raise SessionError("That scorecard belongs to another team.")
    interactions = list(dict.fromkeys(interactions))
    if not 1 <= len(interactions) <= MAX_INTERACTIONS:
        raise SessionError(f"Choose between 1 and {MAX_INTERACTIONS} interactions.")
    if any(interaction.team_id != team.pk for interaction in interactions):
        raise SessionError("Every interaction must belong to this team.")
    member_ids = set(Membership.objects.filter(team=team).values_list("user_id", flat=True))
    reviewers = [user for user in dict.fromkeys(reviewers) if user.pk != facilitator.pk]
    if any(user.pk not in member_ids for user in reviewers):
        raise SessionError("Every reviewer must be a member of this team.")
    if not reviewers and not options.facilitator_scores:
        raise SessionError("Choose at least one reviewer (or let the facilitator score).")
    available = list(scorecard_version.criteria.filter(is_active=True))
    if criteria is None:
        chosen = available
    else:
        allowed = {criterion.pk for criterion in available}
        if any(criterion.pk not in allowed for criterion in criteria):
            raise SessionError("Every criterion must be an active criterion of that scorecard.")
        chosen = list(dict.fromkeys(criteria))
    if not chosen:
        raise SessionError("The session needs at least one criterion to calibrate.")
    baseline_id = options.baseline_user_id
    scorer_ids = {user.pk for user in reviewers}
    if options.facilitator_scores:
        scorer_ids.add(facilitator.pk)
    if baseline_id is not None and baseline_id not in scorer_ids:
        raise SessionError("The baseline reviewer must be one of the people scoring.")
    if options.timer_minutes is not None and not 1 <= options.timer_minutes <= 240:
        raise SessionError("The scoring timer must be between 1 and 240 minutes.")

    with transaction.atomic():
        session = CalibrationSession.objects.create(
            team=team,
            title=title,
            scorecard_version=scorecard_version,
            anonymous=options.anonymous,
            facilitator_scores=options.facilitator_scores,
            baseline_id=baseline_id,
            timer_minutes=options.timer_minutes,
            due_at=options.due_at,
            template=template,
            created_by=facilitator,
        )
        session.criteria.set(chosen)
        SessionInteraction.objects.bulk_create(
            SessionInteraction(session=session, interaction=interaction, position=index)
            for index, interaction in enumerate(interactions)
        )
        scorers = ([facilitator] if options.facilitator_scores else []) + reviewers
        aliases = {user.pk: reviewer_alias(index) for index, user in enumerate(scorers)}
        Participant.objects.bulk_create(
            [
                Participant(
                    session=session,
                    user=facilitator,
                    role=ParticipantRole.FACILITATOR,
                    alias=aliases.get(facilitator.pk, "Facilitator"),
                )
            ]
            + [
                Participant(
                    session=session,
                    user=user,
                    role=ParticipantRole.REVIEWER,
                    alias=aliases[user.pk],
                )
                for user in reviewers
            ]
        )
        _record_transition(session, "", SessionStatus.DRAFT, facilitator, "Created")
    return session


def session_join(*, join_code: str, user) -> CalibrationSession:
    """A team member who follows the join link becomes a reviewer of the session."""
    code = normalize_join_code(join_code)
    with transaction.atomic():
        session = CalibrationSession.objects.select_for_update().filter(join_code=code).first()
        if session is None:
            raise SessionNotFound("No session has this join code. Check the link.")
        if not Membership.objects.filter(team=session.team, user=user).exists():
            raise SessionPermissionError(
                "This session belongs to a team you are not a member of. "
                "Ask the facilitator's team admin to add you."
            )
        if Participant.objects.filter(session=session, user=user).exists():
            return session
        if session.status in (SessionStatus.REVEALED, SessionStatus.CLOSED):
            raise SessionError("The scores of this session are already revealed: it is too late.")
        taken = Participant.objects.filter(session=session, alias__startswith="Reviewer ").count()
        Participant.objects.create(
            session=session, user=user, role=ParticipantRole.REVIEWER, alias=reviewer_alias(taken)
        )
        _announce_change(session.pk, "joined")
    return session


# --- the state machine -------------------------------------------------------------------


def _move_session(
    session_id: int, actor, *, source: str, target: str, stamp: str, refusal: str, reason: str
) -> CalibrationSession:
    """One step of draft → scoring → revealed → closed, by the facilitator, recorded once."""
    with transaction.atomic():
        session = _locked_session(session_id)
        _require_facilitator(session, actor)
        if session.status == target:
            return session
        if session.status != source:
            raise SessionError(refusal)
        session.status = target
        setattr(session, stamp, timezone.now())
        session.save(update_fields=["status", stamp])
        _record_transition(session, source, target, actor)
        _announce_change(session.pk, reason)
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
        session = _locked_session(session_id)
        _require_facilitator(session, actor)
        if session.status == SessionStatus.DRAFT:
            raise SessionError("Open the session for scoring before revealing.")
        _require_not_closed(session)
        items = SessionInteraction.objects.filter(session=session, revealed_at__isnull=True)
        if item_id is not None:
            items = items.filter(pk=_item(session, item_id).pk)
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
            _record_transition(session, previous, SessionStatus.REVEALED, actor, detail)
        else:
            _record_transition(
                session, session.status, session.status, actor, f"Revealed: {detail}"
            )
        _announce_change(session.pk, "revealed")
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


def session_close(*, session_id: int, actor) -> CalibrationSession:
    return _move_session(
        session_id,
        actor,
        source=SessionStatus.REVEALED,
        target=SessionStatus.CLOSED,
        stamp="closed_at",
        refusal="Reveal every interaction before closing the session.",
        reason="closed",
    )


# --- scoring -------------------------------------------------------------------------------


def _locked_scorer(
    session_id: int, user, *, refusal: str = "You are facilitating this session, not scoring it."
) -> tuple[CalibrationSession, Participant]:
    # Same row lock as the reveal: a save in flight lands before it or is refused after.
    session = _locked_session(session_id)
    participant = _participant(session, user)
    if not participant.scores_in(session):
        raise SessionPermissionError(refusal)
    _require_not_closed(session)
    return session, participant


def _unrevealed_item(session: CalibrationSession, item_id, *, revealed: str) -> SessionInteraction:
    if session.status == SessionStatus.DRAFT:
        raise SessionError("Scoring has not started yet.")
    item = _item(session, item_id)
    if item.is_revealed:
        raise SessionError(revealed)
    return item


@dataclass(frozen=True)
class SaveResult:
    score: Score
    applied: bool  # False when a newer change had already been saved (a stale re-send)


def score_save(
    *,
    session_id: int,
    user,
    item_id,
    criterion_id,
    value=None,
    is_na: bool = False,
    comment: str | None = "",
    client_ts: int = 0,
) -> SaveResult:
    """Saves a reviewer's own blind rating. Repeats are harmless: the newest client_ts wins."""
    if not isinstance(is_na, bool):
        raise SessionError("N/A must be true or false.")
    if isinstance(client_ts, bool) or not isinstance(client_ts, int) or client_ts < 0:
        raise SessionError("Invalid change timestamp.")
    with transaction.atomic():
        session, participant = _locked_scorer(session_id, user)
        item = _unrevealed_item(
            session,
            item_id,
            revealed="The scores of this interaction are revealed: "
            "change your rating as a revision.",
        )
        criterion = _criterion(session, criterion_id)
        text = _clean_comment(comment)
        if value in (None, "") and not is_na and text:
            code = None  # a comment written before the rating is a draft too: keep it
        else:
            code = _checked_rating(criterion, value, is_na)
        score = (
            Score.objects.select_for_update()
            .filter(participant=participant, item=item, criterion=criterion)
            .first()
        )
        if score is not None and client_ts and score.client_ts > client_ts:
            return SaveResult(score=score, applied=False)
        if score is None:
            try:
                with transaction.atomic():
                    score = Score.objects.create(
                        participant=participant,
                        item=item,
                        criterion=criterion,
                        value=code,
                        is_na=is_na,
                        comment=text,
                        client_ts=client_ts,
                    )
            except IntegrityError:
                # Two tabs created it at once: the other one won the insert; update it instead.
                score = Score.objects.select_for_update().get(
                    participant=participant, item=item, criterion=criterion
                )
            else:
                return SaveResult(score=score, applied=True)
        score.value, score.is_na, score.comment = code, is_na, text
        score.client_ts = max(score.client_ts, client_ts)
        score.save(update_fields=["value", "is_na", "comment", "client_ts", "updated_at"])
    return SaveResult(score=score, applied=True)


def submission_create(*, session_id: int, user, item_id) -> Submission:
    with transaction.atomic():
        session, participant = _locked_scorer(session_id, user)
        item = _unrevealed_item(session, item_id, revealed="This interaction is already revealed.")
        rated = set(
            Score.objects.filter(participant=participant, item=item)
            .filter(Q(is_na=True) | Q(value__isnull=False))
            .values_list("criterion_id", flat=True)
        )
        missing = [c.name for c in session.criteria.all() if c.pk not in rated]
        if missing:
            raise SessionError(
                "Rate every criterion (or mark it N/A) before submitting. Missing: "
                + ", ".join(missing)
                + "."
            )
        submission, created = Submission.objects.get_or_create(participant=participant, item=item)
        if created:
            _announce_change(session.pk, "submitted")
    return submission


# --- after the reveal ----------------------------------------------------------------------


def revision_create(
    *, session_id: int, user, item_id, criterion_id, value=None, is_na=False, comment=""
) -> Revision:
    """A reviewer changes their mind after the discussion; the blind rating stays as it was."""
    with transaction.atomic():
        session, participant = _locked_scorer(
            session_id, user, refusal="Only people who scored can revise a rating."
        )
        item = _item(session, item_id)
        if not item.is_revealed:
            raise SessionError("Revisions start after the reveal; until then just change it.")
        criterion = _criterion(session, criterion_id)
        code = _checked_rating(criterion, value, bool(is_na))
        score = Score.objects.filter(
            participant=participant, item=item, criterion=criterion, included=True
        ).first()
        if score is None or not score.is_rated:
            raise SessionError(
                "You have no blind rating in the revealed results for this criterion, "
                "so there is nothing to revise."
            )
        revision = Revision.objects.create(
            score=score,
            value=code,
            is_na=bool(is_na),
            comment=_clean_comment(comment),
            revised_by=user,
        )
        _announce_change(session.pk, "revised")
    return revision


def consensus_save(
    *, session_id: int, actor, item_id, criterion_id, value=None, is_na=False, note=""
) -> Consensus:
    with transaction.atomic():
        session = _locked_session(session_id)
        _require_facilitator(session, actor)
        _require_not_closed(session)
        item = _item(session, item_id)
        if not item.is_revealed:
            raise SessionError("Record the consensus after revealing this interaction.")
        criterion = _criterion(session, criterion_id)
        note = _clean_comment(note)
        if value in (None, "") and not is_na:
            code = None  # a note alone is allowed while the group is still deciding
        else:
            code = _checked_rating(criterion, value, bool(is_na))
        consensus, _ = Consensus.objects.update_or_create(
            item=item,
            criterion=criterion,
            defaults={"value": code, "is_na": bool(is_na), "note": note, "decided_by": actor},
        )
        _announce_change(session.pk, "consensus")
    return consensus


def action_item_add(*, session_id: int, actor, text: str, owner_id=None) -> ActionItem:
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text:
        raise SessionError("Write the action item first.")
    if len(text) > 500:
        raise SessionError("Keep action items under 500 characters.")
    with transaction.atomic():
        session = _locked_session(session_id)
        _require_facilitator(session, actor)
        _require_not_closed(session)
        owner = None
        if owner_id not in (None, ""):
            membership = Membership.objects.filter(
                team=session.team, user_id=_as_int(owner_id, "owner")
            ).first()
            if membership is None:
                raise SessionError("The owner must be a member of this team.")
            owner = membership.user
        item = ActionItem.objects.create(session=session, text=text, owner=owner, created_by=actor)
        _announce_change(session.pk, "action")
    return item


def action_item_remove(*, session_id: int, actor, action_id) -> None:
    with transaction.atomic():
        session = _locked_session(session_id)
        _require_facilitator(session, actor)
        _require_not_closed(session)
        deleted, _ = ActionItem.objects.filter(
            session=session, pk=_as_int(action_id, "action item")
        ).delete()
        if not deleted:
            raise SessionError("That action item does not exist.")
        _announce_change(session.pk, "action")


def participant_nudge(*, session_id: int, actor, participant_id) -> Participant:
    """A gentle reminder to one reviewer; no database change, a direct event."""
    session = CalibrationSession.objects.filter(pk=session_id).first()
    if session is None:
        raise SessionNotFound("This session does not exist.")
    _require_facilitator(session, actor)
    if session.status != SessionStatus.SCORING:
        raise SessionError("Nudges are for the scoring phase.")
    target = Participant.objects.filter(
        session=session, pk=_as_int(participant_id, "participant")
    ).first()
    if target is None:
        raise SessionError("That person is not in this session.")
    with transaction.atomic():
        _send_after_commit(
            session.pk,
            {"type": "session.nudge", "session_id": session.pk, "user_id": target.user_id},
        )
    return target


# --- presence ------------------------------------------------------------------------------


def connection_open(*, session_id: int, user, channel_name: str) -> Participant:
    with transaction.atomic():
        session = CalibrationSession.objects.filter(pk=session_id).first()
        if session is None:
            raise SessionNotFound("This session does not exist.")
        participant = _participant(session, user)
        Connection.objects.update_or_create(
            channel_name=channel_name, defaults={"participant": participant}
        )
        _announce_change(session.pk, "presence")
    return participant


def connection_touch(*, channel_name: str) -> None:
    Connection.objects.filter(channel_name=channel_name).update(last_seen_at=timezone.now())


def connection_close(*, session_id: int, channel_name: str) -> None:
    with transaction.atomic():
        deleted, _ = Connection.objects.filter(channel_name=channel_name).delete()
        if deleted:
            _announce_change(session_id, "presence")


# --- templates and sampling ----------------------------------------------------------------


def interactions_sample(
    *,
    team,
    size: int,
    channel: str | None = None,
    occurred_from: date | None = None,
    occurred_to: date | None = None,
    not_calibrated: bool = True,
    seed: int | None = None,
) -> list[Interaction]:
    queryset = Interaction.objects.filter(team=team)
    if channel:
        queryset = queryset.filter(channel=channel)
    if occurred_from:
        queryset = queryset.filter(occurred_at__date__gte=occurred_from)
    if occurred_to:
        queryset = queryset.filter(occurred_at__date__lte=occurred_to)
    if not_calibrated:
        queryset = queryset.exclude(session_items__isnull=False)
    ids = list(queryset.values_list("pk", flat=True))
    if not ids:
        raise SessionError("No interactions match this filter: widen it or import more.")
    if size < 1 or size > MAX_INTERACTIONS:
        raise SessionError(f"Pick between 1 and {MAX_INTERACTIONS} interactions.")
    picked = random.Random(seed).sample(ids, min(size, len(ids)))
    by_id = Interaction.objects.in_bulk(picked)
    return [by_id[pk] for pk in picked]


def session_template_create(
    *,
    team,
    creator,
    name: str,
    scorecard,
    reviewers: list,
    channel_rotation: list[str],
    sample_size: int,
    anonymous: bool = False,
    facilitator_scores: bool = False,
    baseline=None,
    timer_minutes: int | None = None,
) -> SessionTemplate:
    name = (name or "").strip()
    if not name:
        raise SessionError("Give the template a name.")
    if scorecard.team_id != team.pk:
        raise SessionError("That scorecard belongs to another team.")
    if not 1 <= sample_size <= MAX_INTERACTIONS:
        raise SessionError(f"Sample between 1 and {MAX_INTERACTIONS} interactions.")
    with transaction.atomic():
        if SessionTemplate.objects.filter(team=team, name__iexact=name).exists():
            raise SessionError(f"A template called {name!r} already exists.")
        template = SessionTemplate.objects.create(
            team=team,
            name=name,
            scorecard=scorecard,
            channel_rotation=list(channel_rotation),
            sample_size=sample_size,
            anonymous=anonymous,
            facilitator_scores=facilitator_scores,
            baseline=baseline,
            timer_minutes=timer_minutes,
            created_by=creator,
        )
        template.reviewers.set(reviewers)
    return template


def _sample_for_rotation(template: SessionTemplate, *, team, seed):
    """The next channel in the rotation that still has uncalibrated interactions, and a sample.

    A channel with nothing left is skipped rather than blocking the series on it forever.
    """
    rotation = template.channel_rotation
    if not rotation:
        return None, interactions_sample(team=team, size=template.sample_size, seed=seed)
    start = template.next_rotation_index % len(rotation)
    order = rotation[start:] + rotation[:start]
    for channel in order:
        try:
            return channel, interactions_sample(
                team=team, size=template.sample_size, channel=channel, seed=seed
            )
        except SessionError:
            continue
    labels = ", ".join(Channel(channel).label for channel in order)
    raise SessionError(
        f"No uncalibrated interactions left in any channel of the rotation ({labels})."
    )


def session_create_from_template(*, template_id: int, team, facilitator, seed=None):
    """Creates the next session of a recurring series: next channel, fresh sample."""
    with transaction.atomic():
        template = (
            SessionTemplate.objects.select_for_update().filter(pk=template_id, team=team).first()
        )
        if template is None:
            raise SessionNotFound("This template does not exist.")
        version = template.scorecard.versions.order_by("-number").first()
        if version is None:
            raise SessionError("The template's scorecard has no criteria yet.")
        channel, sample = _sample_for_rotation(template, team=team, seed=seed)
        baseline_id = template.baseline_id
        reviewers = list(template.reviewers.all())
        session = session_create(
            team=team,
            facilitator=facilitator,
            title=f"{template.name} · {timezone.localdate():%d %b %Y}"
            + (f" · {Channel(channel).label}" if channel else ""),
            scorecard_version=version,
            interactions=sample,
            reviewers=reviewers,
            options=SessionOptions(
                anonymous=template.anonymous,
                facilitator_scores=template.facilitator_scores,
                baseline_user_id=baseline_id,
                timer_minutes=template.timer_minutes,
            ),
            template=template,
        )
        if template.channel_rotation:
            used = template.channel_rotation.index(channel)
            template.next_rotation_index = (used + 1) % len(template.channel_rotation)
            template.save(update_fields=["next_rotation_index"])
    return session


@dataclass(frozen=True)
class SampleRequest:
    size: int
    channel: str | None = None
    occurred_from: date | None = None
    occurred_to: date | None = None
    not_calibrated: bool = True


@dataclass(frozen=True)
class PastedInteraction:
    channel: str
    url: str = ""
    subject: str = ""
    conversation_text: str = ""


def session_create_from_sources(
    *,
    team,
    facilitator,
    title: str,
    scorecard,
    picked: list[Interaction],
    sample: SampleRequest | None,
    pasted: PastedInteraction | None,
    reviewers: list,
    criteria: list[Criterion] | None,
    options: SessionOptions,
) -> CalibrationSession:
    """The create page in one call: chosen + sampled + pasted interactions, all or nothing."""
    from interactions.services import InteractionError, interaction_create

    version = scorecard.versions.order_by("-number").first()
    if version is None:
        raise SessionError("That scorecard has no version yet: add criteria first.")
    if criteria and any(c.version_id != version.pk for c in criteria):
        raise SessionError(
            f"Tick criteria of “{scorecard.name}” only (its current version {version.number})."
        )
    with transaction.atomic():
        interactions = list(picked)
        if sample is not None and sample.size:
            pool = interactions_sample(
                team=team,
                size=MAX_INTERACTIONS,
                channel=sample.channel,
                occurred_from=sample.occurred_from,
                occurred_to=sample.occurred_to,
                not_calibrated=sample.not_calibrated,
            )
            fresh = [i for i in pool if i not in interactions]
            interactions += fresh[: sample.size]
        if pasted is not None:
            try:
                interactions.append(
                    interaction_create(
                        team=team,
                        channel=pasted.channel,
                        url=pasted.url,
                        subject=pasted.subject,
                        conversation_text=pasted.conversation_text,
                    )
                )
            except InteractionError as error:
                raise SessionError(f"Pasted conversation: {error}") from None
        return session_create(
            team=team,
            facilitator=facilitator,
            title=title,
            scorecard_version=version,
            interactions=interactions,
            reviewers=reviewers,
            criteria=criteria or None,
            options=options,
        )
