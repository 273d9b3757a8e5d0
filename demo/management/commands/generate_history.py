"""`manage.py generate_history --sessions N`: years of realistic closed sessions for benchmarks.

Writes into the demo team (run `seed_demo` first) or `--team`, spread evenly over `--years`
up to yesterday, with the demo's reviewers (their bias, noise and the one who improves) and
criteria (their difficulty). Bulk inserts in batches, each batch one transaction with its
report summaries; 10,000 sessions × 8 interactions × 4 reviewers × 10 criteria is about 3.2
million ratings.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo import history
from interactions.models import Interaction
from scorecards.selectors import current_version
from teams.models import Membership, Role, Team

from .seed_demo import TEAM_NAME

BATCH_SESSIONS = 250


class Command(BaseCommand):
    help = "Generates closed calibration sessions with realistic ratings, for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--sessions", type=int, required=True)
        parser.add_argument("--team", default=TEAM_NAME)
        parser.add_argument("--years", type=float, default=5.0)
        parser.add_argument("--per-session", type=int, default=8, help="Interactions each.")
        parser.add_argument(
            "--resamples", type=int, default=200, help="Bootstrap resamples per session alpha."
        )
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, **options):
        count = options["sessions"]
        if count < 1:
            raise CommandError("--sessions must be at least 1.")
        team = Team.objects.filter(name__iexact=options["team"]).first()
        if team is None:
            raise CommandError(f"No team named {options['team']!r}; run seed_demo first.")
        scorecard = team.scorecards.order_by("pk").first()
        version = current_version(scorecard=scorecard) if scorecard else None
        if version is None or not version.criteria.exists():
            raise CommandError(f"Team {team.name!r} has no scorecard with criteria.")
        members = Membership.objects.filter(team=team).select_related("user")
        facilitator = next(
            (m.user for m in members if m.role in (Role.FACILITATOR, Role.ADMIN)), None
        )
        reviewers = [m.user for m in members if m.role == Role.REVIEWER]
        if facilitator is None or len(reviewers) < 2:
            raise CommandError("The team needs a facilitator and at least two reviewers.")
        known = {rater.username: rater for rater in history.DEMO_RATERS}
        rng = random.Random(options["seed"])
        raters = [
            (
                user,
                known.get(user.username)
                or history.Rater(
                    user.username, (rng.uniform(-0.1, 0.1),) * 2, (rng.uniform(0.03, 0.12),) * 2
                ),
            )
            for user in reviewers
        ]
        baseline = next((u for u in reviewers if u.username == "maria"), None)
        interactions = list(Interaction.objects.filter(team=team))
        if len(interactions) < options["per_session"]:
            raise CommandError(
                f"The team has {len(interactions)} interactions; --per-session needs "
                f"{options['per_session']}."
            )
        end = timezone.localdate() - timedelta(days=1)
        start = end - timedelta(days=round(365 * options["years"]))
        dates = history.session_dates(start, end, count)
        began = time.perf_counter()
        for offset in range(0, count, BATCH_SESSIONS):
            history.write_history(
                team=team,
                facilitator=facilitator,
                raters=raters,
                baseline=baseline,
                versions=[(start, version)],
                interactions=interactions,
                dates=dates[offset : offset + BATCH_SESSIONS],
                per_session=options["per_session"],
                seed=options["seed"] + offset,
                title="Generated calibration",
                n_resamples=options["resamples"],
            )
            self.stdout.write(
                f"  {min(offset + BATCH_SESSIONS, count):,} of {count:,} sessions "
                f"({time.perf_counter() - began:.0f} s)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {count:,} sessions for {team.name} from {start} to {end} "
                f"in {time.perf_counter() - began:.0f} s."
            )
        )
