"""`manage.py rebuild_report_summaries`: (re)writes the reports' precomputed rows.

Sessions close with their rows written: the per-session summary tables, the stored report of
the summary page, and the weekly and monthly rollups of their periods. This backfills sessions
closed before a table existed (the default: sessions with no summary, or with no stored
report), rewrites all of them (`--all`), or only rewrites the rollups from the session rows
(`--rollups`, fast: after deleting closed sessions, say). In batches, each in one transaction.
Safe to run at any time: rows are replaced, never added to.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from sessions.models import CalibrationSession, SessionKind, SessionStatus
from sessions.services import session_summaries_write
from sessions.services.summaries import SESSION_RESAMPLES, rollups_write
from teams.models import Team

BATCH = 200


class Command(BaseCommand):
    help = "Writes the reports' per-session summary rows and period rollups for closed sessions."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Rewrite every closed session.")
        parser.add_argument(
            "--rollups", action="store_true", help="Only rewrite the period rollups."
        )
        parser.add_argument("--team", help="Only this team (by name).")
        parser.add_argument(
            "--resamples",
            type=int,
            default=SESSION_RESAMPLES,
            help="Bootstrap resamples per alpha of the rewritten sessions.",
        )

    def handle(self, *args, **options):
        teams = Team.objects.all()
        if options["team"]:
            teams = teams.filter(name__iexact=options["team"])
            if not teams.exists():
                raise CommandError(f"No team named {options['team']!r}.")
        if options["rollups"]:
            with transaction.atomic():
                rollups_write(team_ids=list(teams.values_list("pk", flat=True)))
            self.stdout.write(f"Period rollups rewritten for {teams.count()} team(s).")
            return
        # Criterion reviews have no ratings, hence no summary rows.
        sessions = CalibrationSession.objects.filter(
            status=SessionStatus.CLOSED, kind=SessionKind.SCORING, team__in=teams
        )
        if not options["all"]:
            sessions = sessions.filter(Q(summary__isnull=True) | Q(summary__report__isnull=True))
        ids = list(sessions.order_by("-held_on_date", "-pk").values_list("pk", flat=True))
        written = 0
        for start in range(0, len(ids), BATCH):
            written += session_summaries_write(
                session_ids=ids[start : start + BATCH], n_resamples=options["resamples"]
            )
            if options["verbosity"] > 1:
                self.stdout.write(f"  {written:,} of {len(ids):,}")
        self.stdout.write(f"Report summaries written for {written} closed session(s).")
