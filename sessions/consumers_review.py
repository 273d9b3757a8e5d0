"""The live criterion review over a websocket: /ws/reviews/<session id>/.

A sibling of the scoring consumer with the same connection handling, pacing, error frames and
"look again" events (it subclasses SessionConsumer); only the message table and the snapshot
differ. Answers are blind like scores: the frame each viewer gets comes from
`selectors.review.review_snapshot`, which reads answers only through the visibility function.
"""

from __future__ import annotations

from . import selectors
from .consumers import SessionConsumer
from .hub import db
from .models import (
    CalibrationSession,
    ReviewAnswerChoice,
    ReviewDecision,
    ReviewProposal,
    SessionKind,
)
from .protocol import FLAG, ID, RATING, TEXT, TIMESTAMP, Message, choice, optional, required
from .selectors.review import review_snapshot
from .services import reviewing

ANSWER = optional(choice(*ReviewAnswerChoice.values))


class ReviewConsumer(SessionConsumer):
    HANDLERS = {
        "ping": Message("handle_ping"),
        "sync": Message("handle_sync"),
        "start": Message("handle_start"),
        "answer.save": Message(
            "handle_answer_save",
            {
                "item": required(ID),
                "relevant": ANSWER,
                "trending": ANSWER,
                "mistakes": ANSWER,
                "proposal": optional(choice(*ReviewProposal.values)),
                "new_wording": optional(TEXT),
                "new_guidance": optional(TEXT),
                "new_scale": optional(TEXT),
                "new_weight": optional(TEXT),
                "new_critical": optional(FLAG),
                "comment": optional(TEXT),
                "ts": optional(TIMESTAMP),
            },
        ),
        "focus": Message("handle_focus", {"item": required(ID)}),
        "reveal": Message("handle_reveal", {"item": required(ID)}),
        "propose": Message(
            "handle_propose",
            {
                "name": required(TEXT),
                "description": optional(TEXT),
                "guidance_right": optional(TEXT),
                "guidance_wrong": optional(TEXT),
                "scale": optional(TEXT),
            },
        ),
        "decide": Message(
            "handle_decide",
            {
                "item": required(ID),
                "decision": required(choice(*ReviewDecision.values)),
                "rationale": optional(TEXT),
                "name": optional(TEXT),
                "description": optional(TEXT),
                "guidance_right": optional(TEXT),
                "guidance_wrong": optional(TEXT),
                "scale_kind": optional(TEXT),
                "scale_points": optional(RATING),
                "scale_labels": optional(TEXT),
                "fail_values": optional(TEXT),
                "weight": optional(TEXT),
                "critical": optional(FLAG),
                "na_allowed": optional(FLAG),
            },
        ),
        "close": Message("handle_close", {"confirm_undecided": optional(FLAG)}),
    }
    # After a reconnect the outbox re-sends one answer per criterion at once.
    BURST = 80

    async def _is_participant(self) -> bool:
        return await db(self._reviews)()

    def _reviews(self) -> bool:
        participant = selectors.participant_for(session_id=self.session_id, user=self.user)
        return participant is not None and participant.session.kind == SessionKind.CRITERION_REVIEW

    def _build_snapshot(self):
        session = (
            CalibrationSession.objects.filter(pk=self.session_id)
            .select_related("scorecard_version__scorecard")
            .first()
        )
        if session is None:
            return None
        return review_snapshot(session=session, user=self.user)

    async def handle_answer_save(self, values, ref):
        result = await db(reviewing.review_answer_save)(
            session_id=self.session_id,
            user=self.user,
            item_id=values["item"],
            relevant=values["relevant"],
            trending=values["trending"],
            mistakes=values["mistakes"],
            proposal=values["proposal"],
            new_wording=values["new_wording"] or "",
            new_guidance=values["new_guidance"] or "",
            new_scale=values["new_scale"] or "",
            new_weight=values["new_weight"] or "",
            new_critical=values["new_critical"],
            comment=values["comment"] or "",
            client_ts=values["ts"] or 0,
        )
        return {"saved": "answer", "item": result.answer.item_id, "applied": result.applied}

    async def handle_focus(self, values, ref):
        await db(reviewing.review_focus)(
            session_id=self.session_id, actor=self.user, item_id=values["item"]
        )
        return {"saved": "focus"}

    async def handle_reveal(self, values, ref):
        await db(reviewing.review_reveal)(
            session_id=self.session_id, actor=self.user, item_id=values["item"]
        )
        return {"saved": "reveal"}

    async def handle_propose(self, values, ref):
        item = await db(reviewing.review_propose)(
            session_id=self.session_id,
            user=self.user,
            name=values["name"],
            description=values["description"] or "",
            guidance_right=values["guidance_right"] or "",
            guidance_wrong=values["guidance_wrong"] or "",
            scale=values["scale"] or "",
        )
        return {"saved": "proposal", "item": item.pk}

    async def handle_decide(self, values, ref):
        criterion = None
        if values["decision"] in (ReviewDecision.CHANGE, ReviewDecision.ADD):
            criterion = reviewing.DecisionInput(
                name=values["name"] or "",
                description=values["description"] or "",
                guidance_right=values["guidance_right"] or "",
                guidance_wrong=values["guidance_wrong"] or "",
                scale_kind=values["scale_kind"] or "",
                scale_points=values["scale_points"],
                scale_labels=values["scale_labels"] or "",
                fail_values=values["fail_values"] or "",
                weight=values["weight"] or "",
                critical=bool(values["critical"]),
                na_allowed=bool(values["na_allowed"]),
            )
        await db(reviewing.review_decide)(
            session_id=self.session_id,
            actor=self.user,
            item_id=values["item"],
            decision=values["decision"],
            rationale=values["rationale"] or "",
            criterion=criterion,
        )
        return {"saved": "decision"}

    async def handle_close(self, values, ref):
        await db(reviewing.review_close)(
            session_id=self.session_id,
            actor=self.user,
            confirm_undecided=bool(values.get("confirm_undecided")),
        )
        return {"saved": "close"}
