"""A criterion review world for the review tests: SessionWorld's team, people and scorecard,
with a criterion review of its version (the scoring session locked it)."""

from __future__ import annotations

from sessions.models import ReviewItem
from sessions.services import reviewing

from .factories import SessionWorld


class ReviewWorld:
    def __init__(self, *, reviewers=2, anonymous=False, facilitator_answers=False):
        self.base = SessionWorld(reviewers=reviewers, interactions=1)
        self.team = self.base.team
        self.facilitator = self.base.facilitator
        self.reviewers = self.base.reviewers
        self.version = self.base.version
        self.criteria = self.base.criteria
        self.session = reviewing.review_create(
            team=self.team,
            facilitator=self.facilitator,
            title="Quarterly review",
            scorecard_version=self.version,
            reviewers=self.reviewers,
            anonymous=anonymous,
            facilitator_answers=facilitator_answers,
        )
        self.items = list(ReviewItem.objects.filter(session=self.session).order_by("position"))

    def start(self):
        from sessions import services

        services.session_start(session_id=self.session.pk, actor=self.facilitator)
        return self

    def answer(self, user, item, **fields):
        values = {"relevant": "yes", "trending": "no", "mistakes": "unsure", "proposal": "keep"}
        values.update(fields)
        return reviewing.review_answer_save(
            session_id=self.session.pk, user=user, item_id=item.pk, **values
        )

    def reveal(self, item):
        return reviewing.review_reveal(
            session_id=self.session.pk, actor=self.facilitator, item_id=item.pk
        )

    def decide(self, item, decision, rationale="Because the group agreed.", criterion=None):
        return reviewing.review_decide(
            session_id=self.session.pk,
            actor=self.facilitator,
            item_id=item.pk,
            decision=decision,
            rationale=rationale,
            criterion=criterion,
        )
