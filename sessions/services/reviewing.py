"""Criterion reviews (issue 9): the second kind of session.

The same lobby → in progress → closed states, join link, presence and facilitator as a scoring
session; what is answered is not a rating of an interaction but, for each criterion of the
scorecard version (and each new criterion proposed during the session), three questions and a
proposal. Answers are blind until the facilitator reveals their item, like scores; the
facilitator then records a decision with a rationale, and closing writes the decisions as the
scorecard's next version (scorecards.services.scorecard_apply_review).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from scorecards.models import Criterion, ScorecardVersion
from scorecards.scales import Scale
from scorecards.services import (
    ReviewChange,
    ScorecardError,
    scorecard_apply_review,
    scorecard_version_lock,
)
from scorecards.specs import (
    CriterionData,
    ScaleInput,
    SpecError,
    build_scale,
    parse_fail_text,
    parse_weight,
    split_list,
)
from teams.models import Membership

from ..models import (
    CalibrationSession,
    Participant,
    ParticipantRole,
    ReviewAnswer,
    ReviewAnswerChoice,
    ReviewDecision,
    ReviewItem,
    ReviewProposal,
    SessionKind,
    SessionStatus,
    reviewer_alias,
)
from .common import (
    SessionError,
    SessionPermissionError,
    announce_change,
    as_int,
    clean_comment,
    locked_session,
    participant_of,
    record_transition,
    require_facilitator,
)
from .lifecycle import UndecidedCriteria

MAX_PROPOSALS = 30
SHORT_TEXT = 200
QUESTIONS = ("relevant", "trending", "mistakes")
CRITERION_DECISIONS = (ReviewDecision.KEEP, ReviewDecision.CHANGE, ReviewDecision.DELETE)
PROPOSAL_DECISIONS = (ReviewDecision.ADD, ReviewDecision.REJECT)


def _review_session(session_id: int) -> CalibrationSession:
    session = locked_session(session_id)
    if session.kind != SessionKind.CRITERION_REVIEW:
        raise SessionError("This is not a criterion review.")
    return session


def _in_progress(session: CalibrationSession) -> None:
    if session.status == SessionStatus.DRAFT:
        raise SessionError("The review has not started yet.")
    if session.status == SessionStatus.CLOSED:
        raise SessionError("This review is closed: it is read-only.")


def _review_item(session: CalibrationSession, item_id) -> ReviewItem:
    item = (
        ReviewItem.objects.select_related("criterion")
        .filter(session=session, pk=as_int(item_id, "item"))
        .first()
    )
    if item is None:
        raise SessionError("That criterion is not part of this review.")
    return item


# --- creating --------------------------------------------------------------------------------


def review_create(
    *,
    team,
    facilitator,
    title: str,
    scorecard_version: ScorecardVersion,
    reviewers: list,
    criteria: list[Criterion] | None = None,
    anonymous: bool = False,
    facilitator_answers: bool = False,
) -> CalibrationSession:
    """A criterion review of one scorecard version, in the lobby, with its participants."""
    title = (title or "").strip()
    if not title:
        raise SessionError("Give the review a title.")
    if scorecard_version.scorecard.team_id != team.pk:
        raise SessionError("That scorecard belongs to another team.")
    member_ids = set(Membership.objects.filter(team=team).values_list("user_id", flat=True))
    reviewers = [user for user in dict.fromkeys(reviewers) if user.pk != facilitator.pk]
    if any(user.pk not in member_ids for user in reviewers):
        raise SessionError("Every participant must be a member of this team.")
    if not reviewers and not facilitator_answers:
        raise SessionError("Choose at least one participant (or let the facilitator answer).")
    with transaction.atomic():
        # The reviewed version is frozen from now on: the decisions start the next one.
        scorecard_version_lock(version=scorecard_version)
        available = list(scorecard_version.criteria.filter(is_active=True))
        if criteria is None:
            chosen = available
        else:
            allowed = {criterion.pk for criterion in available}
            if any(criterion.pk not in allowed for criterion in criteria):
                raise SessionError("Every criterion must be an active criterion of that scorecard.")
            chosen = [c for c in available if c in set(criteria)]
        if not chosen:
            raise SessionError("The review needs at least one criterion.")
        session = CalibrationSession.objects.create(
            team=team,
            title=title,
            kind=SessionKind.CRITERION_REVIEW,
            scorecard_version=scorecard_version,
            anonymous=anonymous,
            facilitator_scores=facilitator_answers,
            created_by=facilitator,
        )
        session.criteria.set(chosen)
        ReviewItem.objects.bulk_create(
            ReviewItem(session=session, criterion=criterion, position=index)
            for index, criterion in enumerate(chosen)
        )
        answering = ([facilitator] if facilitator_answers else []) + reviewers
        aliases = {user.pk: reviewer_alias(index) for index, user in enumerate(answering)}
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
        record_transition(session, "", SessionStatus.DRAFT, facilitator, "Created")
    return session


# --- answers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerResult:
    answer: ReviewAnswer
    applied: bool  # False when a newer change had already been saved (a stale re-send)


def _choice(value, allowed, what: str) -> str:
    if value in (None, ""):
        return ""
    if value not in allowed:
        raise SessionError(f"Answer {what} with one of: {', '.join(allowed)}.")
    return value


def _short(value, what: str, limit: int = SHORT_TEXT) -> str:
    text = clean_comment(value)
    if len(text) > limit:
        raise SessionError(f"Keep the {what} under {limit} characters.")
    return text


def is_complete(answer: ReviewAnswer) -> bool:
    return all(getattr(answer, name) for name in QUESTIONS) and bool(answer.proposal)


def review_answer_save(
    *,
    session_id: int,
    user,
    item_id,
    relevant=None,
    trending=None,
    mistakes=None,
    proposal=None,
    new_wording="",
    new_guidance="",
    new_scale="",
    new_weight="",
    new_critical=None,
    comment="",
    client_ts: int = 0,
) -> AnswerResult:
    """Saves a participant's own blind answer on one item, as they type. The newest client_ts
    wins, so re-sends after a reconnect are harmless. Only a first complete answer is
    announced (the progress count changes); the values never are."""
    if isinstance(client_ts, bool) or not isinstance(client_ts, int) or client_ts < 0:
        raise SessionError("Invalid change timestamp.")
    if new_critical is not None and not isinstance(new_critical, bool):
        raise SessionError("The critical flag must be true or false.")
    answers = ReviewAnswerChoice.values
    values = {
        "relevant": _choice(relevant, answers, "“is it relevant?”"),
        "trending": _choice(trending, answers, "“is it trending?”"),
        "mistakes": _choice(mistakes, answers, "“do agents make mistakes on it?”"),
        "proposal": _choice(proposal, ReviewProposal.values, "the proposal"),
        "new_wording": clean_comment(new_wording),
        "new_guidance": clean_comment(new_guidance),
        "new_scale": _short(new_scale, "proposed scale"),
        "new_weight": _short(new_weight, "proposed weight", 20),
        "new_critical": new_critical,
        "comment": clean_comment(comment),
    }
    if values["new_weight"]:
        try:
            parse_weight(values["new_weight"])
        except SpecError as error:
            raise SessionError(f"Proposed weight: {error.message}") from None
    with transaction.atomic():
        session = _review_session(session_id)
        participant = participant_of(session, user)
        if not participant.scores_in(session):
            raise SessionPermissionError("You are facilitating this review, not answering it.")
        _in_progress(session)
        item = _review_item(session, item_id)
        if item.is_revealed:
            raise SessionError("The answers on this criterion are revealed: they are final.")
        answer = (
            ReviewAnswer.objects.select_for_update()
            .filter(participant=participant, item=item)
            .first()
        )
        if answer is not None and client_ts and answer.client_ts > client_ts:
            return AnswerResult(answer=answer, applied=False)
        was_complete = answer is not None and is_complete(answer)
        if answer is None:
            try:
                with transaction.atomic():
                    answer = ReviewAnswer.objects.create(
                        participant=participant, item=item, client_ts=client_ts, **values
                    )
            except IntegrityError:  # two tabs created it at once: update the winner's row
                answer = ReviewAnswer.objects.select_for_update().get(
                    participant=participant, item=item
                )
            else:
                if is_complete(answer):
                    announce_change(session.pk, "answered")
                return AnswerResult(answer=answer, applied=True)
        for name, value in values.items():
            setattr(answer, name, value)
        answer.client_ts = max(answer.client_ts, client_ts)
        answer.save()
        if is_complete(answer) != was_complete:
            announce_change(session.pk, "answered")
    return AnswerResult(answer=answer, applied=True)


# --- the facilitator's steps -----------------------------------------------------------------


def review_focus(*, session_id: int, actor, item_id) -> ReviewItem:
    """Moves everyone (and present mode) to one criterion: the one focused last is current."""
    with transaction.atomic():
        session = _review_session(session_id)
        require_facilitator(session, actor)
        _in_progress(session)
        item = _review_item(session, item_id)
        item.focused_at = timezone.now()
        item.save(update_fields=["focused_at"])
        announce_change(session.pk, "focused")
    return item


def review_reveal(*, session_id: int, actor, item_id) -> ReviewItem:
    """Shows everyone the answers on one item. Idempotent; answers are final from now on."""
    with transaction.atomic():
        session = _review_session(session_id)
        require_facilitator(session, actor)
        _in_progress(session)
        item = _review_item(session, item_id)
        if item.is_revealed:
            return item
        item.revealed_at = timezone.now()
        item.save(update_fields=["revealed_at"])
        record_transition(session, session.status, session.status, actor, f"Revealed: {item}")
        announce_change(session.pk, "revealed")
    return item


def review_propose(
    *,
    session_id: int,
    user,
    name,
    description="",
    guidance_right="",
    guidance_wrong="",
    scale="",
) -> ReviewItem:
    """A participant proposes a new criterion; the group reviews it like the others."""
    with transaction.atomic():
        session = _review_session(session_id)
        participant = participant_of(session, user)
        _in_progress(session)
        name = _short(name, "name")
        if not name:
            raise SessionError("Give the proposed criterion a name.")
        items = ReviewItem.objects.filter(session=session)
        if items.filter(criterion__isnull=True).count() >= MAX_PROPOSALS:
            raise SessionError(f"A review takes at most {MAX_PROPOSALS} proposed criteria.")
        taken = {i.name.casefold() for i in items.select_related("criterion")}
        if name.casefold() in taken:
            raise SessionError(f"“{name}” is already on the review.")
        position = (items.aggregate(top=Max("position"))["top"] or 0) + 1
        item = ReviewItem.objects.create(
            session=session,
            proposal={
                "name": name,
                "description": clean_comment(description),
                "guidance_right": clean_comment(guidance_right),
                "guidance_wrong": clean_comment(guidance_wrong),
                "scale": _short(scale, "scale"),
            },
            proposed_by=participant,
            position=position,
        )
        announce_change(session.pk, "proposed")
    return item


@dataclass(frozen=True)
class DecisionInput:
    """The criterion as decided, as typed by the facilitator (for change and add)."""

    name: str = ""
    description: str = ""
    guidance_right: str = ""
    guidance_wrong: str = ""
    scale_kind: str = ""
    scale_points: int | None = None
    scale_labels: str = ""
    fail_values: str = ""
    weight: str = ""
    critical: bool = False
    na_allowed: bool = False


def decision_criterion(raw: DecisionInput) -> CriterionData:
    """The CriterionData a decision describes; SessionError names what is wrong."""
    if not (raw.scale_kind or "").strip():
        raise SessionError("Choose the criterion's scale.")
    try:
        labels = split_list(raw.scale_labels or "")
        scale = build_scale(
            ScaleInput(
                kind=raw.scale_kind,
                points=raw.scale_points,
                labels=labels,
                fail_values=parse_fail_text(raw.fail_values or "", labels),
            )
        )
        return CriterionData(
            name=raw.name or "",
            scale=scale,
            description=(raw.description or "").strip(),
            guidance_right=(raw.guidance_right or "").strip(),
            guidance_wrong=(raw.guidance_wrong or "").strip(),
            weight=parse_weight(raw.weight),
            critical=bool(raw.critical),
            na_allowed=bool(raw.na_allowed),
        )
    except SpecError as error:
        raise SessionError(error.message) from None


def _data_json(data: CriterionData) -> dict:
    scale = data.scale
    return {
        "name": data.name,
        "description": data.description,
        "guidance_right": data.guidance_right,
        "guidance_wrong": data.guidance_wrong,
        "scale": {
            "kind": scale.kind,
            "points": scale.points,
            "labels": list(scale.labels),
            "ordered": scale.ordered,
            "fail_values": list(scale.fail_values),
        },
        "weight": str(data.weight),
        "critical": data.critical,
        "na_allowed": data.na_allowed,
    }


def _data_from_json(values: dict) -> CriterionData:
    scale = values["scale"]
    return CriterionData(
        name=values["name"],
        scale=Scale(
            kind=scale["kind"],
            points=scale["points"],
            labels=tuple(scale["labels"]),
            ordered=scale["ordered"],
            fail_values=tuple(scale["fail_values"]),
        ),
        description=values["description"],
        guidance_right=values["guidance_right"],
        guidance_wrong=values["guidance_wrong"],
        weight=Decimal(values["weight"]),
        critical=values["critical"],
        na_allowed=values["na_allowed"],
    )


def _check_name_free(session: CalibrationSession, item: ReviewItem, name: str) -> None:
    """Criterion names are unique on a scorecard: refuse a decided name another criterion of
    the version, or another decision, already has (closing would otherwise fail)."""
    others = item.criterion.key if item.criterion_id else None
    taken = {
        criterion.name.casefold()
        for criterion in session.scorecard_version.criteria.all()
        if criterion.key != others
    }
    for other in ReviewItem.objects.filter(session=session).exclude(pk=item.pk):
        if other.decision in (ReviewDecision.CHANGE, ReviewDecision.ADD):
            taken.add(other.decision_data["name"].casefold())
        if other.decision == ReviewDecision.CHANGE and other.criterion_id:
            taken.discard(other.criterion.name.casefold())
    if name.casefold() in taken:
        raise SessionError(f"There is already a criterion called “{name}” on this scorecard.")


def review_decide(
    *,
    session_id: int,
    actor,
    item_id,
    decision: str,
    rationale: str,
    criterion: DecisionInput | None = None,
) -> ReviewItem:
    """Records the facilitator's decision on a revealed item, with its rationale: keep, change
    (with the criterion as decided) or delete a criterion; add (as decided) or reject a
    proposal. Deciding again replaces the decision; nothing reaches the scorecard before the
    review closes."""
    rationale = clean_comment(rationale)
    with transaction.atomic():
        session = _review_session(session_id)
        require_facilitator(session, actor)
        _in_progress(session)
        item = _review_item(session, item_id)
        if not item.is_revealed:
            raise SessionError("Reveal the answers on this criterion before deciding.")
        allowed = PROPOSAL_DECISIONS if item.is_proposal else CRITERION_DECISIONS
        if decision not in allowed:
            words = [str(choice.label).lower() for choice in allowed]
            raise SessionError(f"Decide {', '.join(words[:-1])} or {words[-1]} for “{item.name}”.")
        if not rationale:
            raise SessionError("Give the rationale for this decision.")
        data = {}
        if decision in (ReviewDecision.CHANGE, ReviewDecision.ADD):
            if criterion is None:
                raise SessionError("Say what the criterion should be.")
            decided = decision_criterion(criterion)
            if decision == ReviewDecision.CHANGE:
                old = CriterionData.from_criterion(item.criterion)
                # The group and whether it is active are not the review's to change.
                if replace(decided, group=old.group, is_active=old.is_active) == old:
                    raise SessionError(
                        "Nothing in the criterion changes: decide keep, or change something."
                    )
            _check_name_free(session, item, decided.name)
            data = _data_json(decided)
        item.decision = decision
        item.decision_data = data
        item.rationale = rationale
        item.decided_by = actor
        item.decided_at = timezone.now()
        item.save(
            update_fields=["decision", "decision_data", "rationale", "decided_by", "decided_at"]
        )
        announce_change(session.pk, "decided")
    return item


def review_close(*, session_id: int, actor, confirm_undecided: bool = True) -> CalibrationSession:
    """Closes the review and writes its decisions as the scorecard's next version.

    Without ``confirm_undecided`` it refuses while items are undecided, naming how many (the
    room asks first); undecided criteria then stay as they are, undecided proposals are not
    added. A review whose decisions change nothing closes without a new version."""
    with transaction.atomic():
        session = _review_session(session_id)
        require_facilitator(session, actor)
        if session.status == SessionStatus.CLOSED:
            return session
        if session.status != SessionStatus.SCORING:
            raise SessionError("Start the review before closing it.")
        items = list(
            ReviewItem.objects.filter(session=session)
            .select_related("criterion")
            .order_by("position", "id")
        )
        undecided = sum(1 for item in items if not item.decision)
        if undecided and not confirm_undecided:
            raise UndecidedCriteria(undecided)
        changes = []
        for item in items:
            if item.decision in (ReviewDecision.CHANGE, ReviewDecision.ADD):
                data = _data_from_json(item.decision_data)
            else:
                data = None
            if item.decision in (ReviewDecision.CHANGE, ReviewDecision.DELETE):
                changes.append(
                    ReviewChange(
                        action=item.decision,
                        key=item.criterion.key,
                        data=data,
                        rationale=item.rationale,
                    )
                )
            elif item.decision == ReviewDecision.ADD:
                changes.append(ReviewChange(action="add", data=data, rationale=item.rationale))
        try:
            edit = scorecard_apply_review(
                scorecard=session.scorecard_version.scorecard,
                changes=changes,
                session_id=session.pk,
                session_title=session.title,
                user=actor,
            )
        except ScorecardError as error:
            raise SessionError(f"The decisions cannot be applied: {error}") from None
        previous = session.status
        session.status = SessionStatus.CLOSED
        session.closed_at = timezone.now()
        session.resulting_version = edit.version if edit.changed else None
        session.save(update_fields=["status", "closed_at", "resulting_version"])
        detail = f"Version {edit.version.number}" if edit.changed else "No changes"
        record_transition(session, previous, SessionStatus.CLOSED, actor, detail)
        announce_change(session.pk, "closed")
    return session
