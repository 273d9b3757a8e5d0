"""`manage.py seed_demo`: loads the Northwind Support demo team once.

`make run` calls this on every start, so it must be cheap and change nothing when the demo
team already exists. Everything is written in one transaction: a failed import leaves no
half-made team behind.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from calibration.importing import ImportFailed, read_bytes
from demo import INTERACTIONS_FILE, SCORECARD_FILE
from interactions.importing import import_interactions
from interactions.models import Interaction
from scorecards.importing import import_scorecards
from scorecards.models import Criterion
from teams.models import Membership, Role, Team

TEAM_NAME = "Northwind Support"
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
        return team, kept

    def _summary(self, team: Team) -> None:
        memberships = team.memberships.select_related("user").order_by("role", "user__username")
        criteria = Criterion.objects.filter(version__scorecard__team=team)
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
