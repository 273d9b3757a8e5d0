"""`manage.py seed_demo`: loads the Northwind Support demo team once.

`make run` calls this on every start, so it must be cheap and change nothing when the demo
team already exists. Everything is written in one transaction: a failed import leaves no
half-made team behind.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from datafiles import ImportFailed, read_bytes
from demo import INTERACTIONS_FILE, SCORECARD_FILE, history
from interactions.importing import import_interactions
from interactions.models import Interaction
from scorecards import services as scorecard_services
from scorecards.importing import import_scorecards
from scorecards.models import Criterion, ScorecardVersion
from scorecards.selectors import current_version
from scorecards.specs import fail_text_for_input
from sessions import services as session_services
from sessions.models import (
    CalibrationSession,
    Participant,
    ReviewAnswer,
    ReviewItem,
    Score,
    SessionStatus,
    Transition,
)
from sessions.services import reviewing
from teams.models import Membership, Role, Team

TEAM_NAME = "Northwind Support"
HISTORY_WEEKS = 52
PASSWORD = "concord-demo"
EMAIL_DOMAIN = "northwind.example"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    superuser: bool = False


USERS = [
    DemoUser("admin", "Alex", "Admin", Role.ADMIN, superuser=True),
    DemoUser("fiona", "Fiona", "Walsh", Role.FACILITATOR),
    DemoUser("rahul", "Rahul", "Mehta", Role.REVIEWER),
    DemoUser("maria", "María", "García", Role.REVIEWER),
    DemoUser("tom", "Tom", "Becker", Role.REVIEWER),
    DemoUser("aisha", "Aisha", "Bello", Role.REVIEWER),
    DemoUser("megan", "Megan", "O'Connor", Role.MANAGER),
]
FACILITATOR = "fiona"


class Command(BaseCommand):
    help = (
        f"Loads the demo team “{TEAM_NAME}” with its users, scorecard and interactions. "
        "Does nothing if the team already exists."
    )

    def handle(self, *args, **options):
        if Team.objects.filter(name__iexact=TEAM_NAME).exists():
            self.stdout.write("Demo data already loaded.")
            return
        try:
            team, kept = self._load()
        except ImportFailed as error:
            for problem in error.errors:
                self.stderr.write(f"  {problem}")
            raise CommandError("The demo data could not be loaded; nothing was changed.") from None
        for username in kept:
            self.stderr.write(
                f"User “{username}” already existed: added to the team, password left unchanged."
            )
        self._summary(team)

    @transaction.atomic
    def _load(self) -> tuple[Team, list[str]]:
        team = Team.objects.create(name=TEAM_NAME)
        users, kept = {}, []
        for person in USERS:
            user, created = _get_or_create_user(person)
            if not created:
                kept.append(person.username)
            Membership.objects.create(team=team, user=user, role=person.role)
            users[person.username] = user
        import_scorecards(
            team=team, data=read_bytes(SCORECARD_FILE), fmt="json", user=users[FACILITATOR]
        )
        import_interactions(team=team, data=read_bytes(INTERACTIONS_FILE), fmt="json")
        _past_session(team, users)
        _year_of_history(team, users)
        _weekly_template(team, users)
        return team, kept

    def _summary(self, team: Team) -> None:
        memberships = team.memberships.select_related("user").order_by("role", "user__username")
        current = [current_version(scorecard=s) for s in team.scorecards.all()]
        criteria = Criterion.objects.filter(version__in=current)
        channels = Counter(Interaction.objects.filter(team=team).values_list("channel", flat=True))
        by_channel = ", ".join(f"{count} {channel}" for channel, count in sorted(channels.items()))
        self.stdout.write(self.style.SUCCESS(f"Demo team “{team.name}” created."))
        self.stdout.write(f"  Users (password {PASSWORD}):")
        for membership in memberships:
            user = membership.user
            extra = " + Django superuser" if user.is_superuser else ""
            self.stdout.write(
                f"    {user.username:<8} {user.get_full_name():<18} "
                f"{membership.get_role_display()}{extra}"
            )
        self.stdout.write(
            f"  Scorecards: {team.scorecards.count()} ({criteria.count()} criteria in "
            f"{criteria.values('group').distinct().count()} groups)"
        )
        self.stdout.write(f"  Interactions: {sum(channels.values())} ({by_channel})")


# A closed session, so the summary and reports have something to show on the first visit.
# Each reviewer leans a little differently: Tom is lenient, Aisha harsh, María is the QA lead.
LEANINGS = {"rahul": 0, "maria": 0, "tom": 1, "aisha": -1}
PAST_SESSION_NOTES = {
    "Correct information given": "Quoting a policy that does not exist fails, even if polite.",
    "Verified identity before account changes": (
        "Any change to the login email needs the code first; no exceptions for angry customers."
    ),
}


def _demo_value(criterion, base_index: int, leaning: int, rng: random.Random):
    values = criterion.scale.values
    if criterion.scale.kind == "binary":
        return 1 if (base_index + leaning + rng.choice([0, 0, 1])) % 3 else 0
    index = min(max(base_index + leaning + rng.choice([-1, 0, 0, 1]), 0), len(values) - 1)
    return sorted(values)[index]


def _past_session(team: Team, users: dict) -> None:
    scorecard = team.scorecards.get()
    interactions = list(
        Interaction.objects.filter(team=team, channel="email").order_by("occurred_at")[:2]
    )
    reviewers = [users[name] for name in LEANINGS]
    held_on = _first_friday_nine_months_ago()
    session = session_services.session_create(
        team=team,
        facilitator=users[FACILITATOR],
        title=f"Calibration · email · first week of {held_on:%B}",
        scorecard_version=scorecard.versions.get(),
        interactions=interactions,
        reviewers=reviewers,
        options=session_services.SessionOptions(baseline_user_id=users["maria"].pk),
    )
    session_services.session_start(session_id=session.pk, actor=users[FACILITATOR])
    criteria = list(session.criteria.order_by("position"))
    rng = random.Random(2026)
    for item in session.items.order_by("position"):
        for name, leaning in LEANINGS.items():
            for position, criterion in enumerate(criteria):
                base = (position + item.position) % len(criterion.scale.values)
                session_services.score_save(
                    session_id=session.pk,
                    user=users[name],
                    item_id=item.pk,
                    criterion_id=criterion.pk,
                    value=_demo_value(criterion, base, leaning, rng),
                )
            session_services.submission_create(
                session_id=session.pk, user=users[name], item_id=item.pk
            )
    session_services.session_reveal(session_id=session.pk, actor=users[FACILITATOR])
    # The group mostly agreed with the QA lead: her blind ratings become the consensus.
    lead_scores = Score.objects.filter(item__session=session, participant__user=users["maria"])
    for score in lead_scores.order_by("item__position", "criterion__position"):
        note = PAST_SESSION_NOTES.get(score.criterion.name) if score.item.position == 0 else ""
        session_services.consensus_save(
            session_id=session.pk,
            actor=users[FACILITATOR],
            item_id=score.item_id,
            criterion_id=score.criterion_id,
            value=score.value,
            is_na=score.is_na,
            note=note or "",
        )
    session_services.action_item_add(
        session_id=session.pk,
        actor=users[FACILITATOR],
        text="Add a worked example of identity verification to the guidance",
        owner_id=users["maria"].pk,
    )
    # Held when its title says, so it sits in the history among the weekly sessions.
    CalibrationSession.objects.filter(pk=session.pk).update(held_on_date=held_on)
    session_services.session_close(session_id=session.pk, actor=users[FACILITATOR])


def _first_friday_nine_months_ago():
    """The first Friday of the month nine months back: inside the year of weekly history and
    before its rewording (halfway), so this session used the version of its day."""
    today = timezone.localdate()
    month = today.month - 9
    first = today.replace(year=today.year + (month - 1) // 12, month=(month - 1) % 12 + 1, day=1)
    return first + timedelta(days=(4 - first.weekday()) % 7)


def _year_of_history(team: Team, users: dict) -> None:
    """A year of weekly sessions before today (demo/history.py), so the reports have something
    to show over time: the scorecard is reworded halfway, on its hardest criterion."""
    scorecard = team.scorecards.get()
    today = timezone.localdate()
    end = today - timedelta(days=7)
    start = end - timedelta(weeks=HISTORY_WEEKS - 1)
    dates = history.session_dates(start, end, HISTORY_WEEKS)
    first_version = scorecard.versions.get()
    reworded_on = dates[HISTORY_WEEKS // 2]
    # The rewording is what the team decided in a criterion review the day before.
    second_version = _criterion_review(
        team,
        users,
        version=first_version,
        held_on=reworded_on - timedelta(days=1),
        first_used=start,
    )
    history.write_history(
        team=team,
        facilitator=users[FACILITATOR],
        raters=[(users[rater.username], rater) for rater in history.DEMO_RATERS],
        baseline=users["maria"],
        versions=[(start, first_version), (reworded_on, second_version)],
        interactions=list(Interaction.objects.filter(team=team)),
        dates=dates,
    )


# The quarterly criterion review of the Communication criteria, held halfway through the year:
# the group rewrites "Tone and empathy", whose agreement had been the worst on the scorecard.
# Answers per criterion: (relevant, trending, mistakes, proposal, comment) by reviewer.
REVIEW_TITLE = "Criterion review · Communication"
REVIEW_ANSWERS = {
    history.REWORDED: {
        "rahul": (
            "yes",
            "yes",
            "unsure",
            "change",
            "I mark down for one sharp sentence; Tom looks at the overall feel. We are both "
            "following the guidance, that's the problem.",
        ),
        "maria": (
            "yes",
            "yes",
            "yes",
            "change",
            "Our widest spread every week. Score how the customer would describe the way they "
            "were treated, across the whole conversation.",
        ),
        "tom": (
            "yes",
            "no",
            "unsure",
            "keep",
            "I'd keep it as it is and just talk it through more in the weekly sessions.",
        ),
        "aisha": (
            "yes",
            "yes",
            "yes",
            "change",
            "Customers mention tone in nearly every bad CSAT comment. The examples are fine, "
            "the 3 is what nobody agrees on: polite but generic should be a 3.",
        ),
    },
    "Clarity and structure": {
        "rahul": ("yes", "no", "yes", "keep", "Long chat replies are still the usual mistake."),
        "maria": ("yes", "no", "yes", "keep", "We mostly agree here; the examples work."),
        "tom": ("yes", "no", "unsure", "keep", ""),
        "aisha": ("yes", "unsure", "yes", "keep", "Fine as it is."),
    },
    "Set expectations on timing": {
        "rahul": ("yes", "yes", "yes", "keep", ""),
        "maria": (
            "yes",
            "yes",
            "yes",
            "keep",
            "Refund timing questions are up since the payment provider change; keep it.",
        ),
        "tom": ("yes", "yes", "unsure", "keep", ""),
        "aisha": ("yes", "yes", "yes", "keep", "Agents still say 'soon' instead of a date."),
    },
}
REVIEW_RATIONALES = {
    history.REWORDED: (
        "Three of four want it reworded. Rahul and Tom were both reading the old guidance "
        "correctly and still a point apart: one judged the worst line, the other the overall "
        "feel. The new wording anchors 5, 3 and 1 on what the customer would say and asks for "
        "the whole conversation. Revisit after a quarter of weekly sessions."
    ),
    "Clarity and structure": "Keep: relevant, agreement is fine and the examples work.",
    "Set expectations on timing": (
        "Keep: refund timing questions are trending and agents still get it wrong."
    ),
}


def _criterion_review(team: Team, users: dict, *, version, held_on, first_used):
    """Runs the review through the services and returns the version it closed into, dated
    the day it was held (the services stamp now)."""
    facilitator = users[FACILITATOR]
    criteria = list(version.criteria.filter(name__in=REVIEW_ANSWERS).order_by("position"))
    session = reviewing.review_create(
        team=team,
        facilitator=facilitator,
        title=REVIEW_TITLE,
        scorecard_version=version,
        reviewers=[users[name] for name in LEANINGS],
        criteria=criteria,
    )
    session_services.session_start(session_id=session.pk, actor=facilitator)
    items = list(session.review_items.select_related("criterion").order_by("position"))
    for item in items:
        answers = REVIEW_ANSWERS[item.criterion.name]
        for name, (relevant, trending, mistakes, proposal, comment) in answers.items():
            reviewing.review_answer_save(
                session_id=session.pk,
                user=users[name],
                item_id=item.pk,
                relevant=relevant,
                trending=trending,
                mistakes=mistakes,
                proposal=proposal,
                new_guidance=history.REWORDING if name == "maria" and proposal == "change" else "",
                comment=comment,
            )
        reviewing.review_reveal(session_id=session.pk, actor=facilitator, item_id=item.pk)
        criterion = item.criterion
        changed = None
        if criterion.name == history.REWORDED:
            scale = criterion.scale
            changed = reviewing.DecisionInput(
                name=criterion.name,
                description=criterion.description,
                guidance_right=history.REWORDING,
                guidance_wrong=criterion.guidance_wrong,
                scale_kind=scale.kind,
                scale_points=scale.points,
                scale_labels=" | ".join(scale.labels),
                fail_values=fail_text_for_input(scale),
                weight=str(criterion.weight),
                critical=criterion.critical,
                na_allowed=criterion.na_allowed,
            )
        reviewing.review_decide(
            session_id=session.pk,
            actor=facilitator,
            item_id=item.pk,
            decision="change" if changed else "keep",
            rationale=REVIEW_RATIONALES[criterion.name],
            criterion=changed,
        )
    session = reviewing.review_close(
        session_id=session.pk, actor=facilitator, confirm_undecided=False
    )
    second = session.resulting_version
    # Used by the weekly sessions from the next day on, as a session would lock it.
    scorecard_services.scorecard_version_lock(version=second)
    _backdate_review(session, items, version, second, held_on, first_used=first_used)
    return second


def _backdate_review(session, items, first, second, day, *, first_used) -> None:
    """Moves the review's stamps to the afternoon it was held, and the reviewed version's to
    the eve of the first weekly session that used it (versions read in date order)."""
    at = history.at
    CalibrationSession.objects.filter(pk=session.pk).update(
        held_on_date=day,
        created_at=at(day, 13),
        scoring_started_at=at(day, 14),
        closed_at=at(day, 15),
    )
    for index, item in enumerate(items):
        ReviewItem.objects.filter(pk=item.pk).update(
            created_at=at(day, 13),
            revealed_at=at(day, 14, 10 + 15 * index),
            decided_at=at(day, 14, 12 + 15 * index),
        )
    ReviewAnswer.objects.filter(item__session=session).update(updated_at=at(day, 14))
    Participant.objects.filter(session=session).update(joined_at=at(day, 13, 55))
    Transition.objects.filter(session=session).update(at=at(day, 14))
    for index, item in enumerate(items):
        Transition.objects.filter(session=session, detail=f"Revealed: {item}").update(
            at=at(day, 14, 10 + 15 * index)
        )
    Transition.objects.filter(session=session, to_status=SessionStatus.DRAFT).update(at=at(day, 13))
    Transition.objects.filter(session=session, to_status=SessionStatus.CLOSED).update(
        at=at(day, 15)
    )
    eve = first_used - timedelta(days=1)
    ScorecardVersion.objects.filter(pk=first.pk).update(
        created_at=at(eve, 16), updated_at=at(eve, 16), locked_at=at(first_used, 10)
    )
    ScorecardVersion.objects.filter(pk=second.pk).update(
        created_at=at(day, 15), updated_at=at(day, 15), locked_at=at(day, 15)
    )


def _weekly_template(team: Team, users: dict) -> None:
    session_services.session_template_create(
        team=team,
        creator=users[FACILITATOR],
        name="Weekly calibration",
        scorecard=team.scorecards.get(),
        reviewers=[users[name] for name in LEANINGS],
        channel_rotation=["phone", "chat", "expert_session", "email"],
        sample_size=2,
        baseline=users["maria"],
        timer_minutes=20,
    )


def _get_or_create_user(person: DemoUser):
    """Creates the demo account; an existing account of that name is reused untouched."""
    User = get_user_model()
    user = User.objects.filter(username__iexact=person.username).first()
    if user is not None:
        return user, False
    user = User(
        username=person.username,
        first_name=person.first_name,
        last_name=person.last_name,
        email=f"{person.username}@{EMAIL_DOMAIN}",
        is_staff=person.superuser,
        is_superuser=person.superuser,
    )
    user.set_password(PASSWORD)
    user.save()
    return user, True
