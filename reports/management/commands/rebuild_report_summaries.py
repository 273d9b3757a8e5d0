"""`manage.py rebuild_report_summaries`: (re)writes the reports' summary rows of closed sessions.

Sessions close with their rows written; this backfills sessions closed before the table existed
(`--missing`, the default) or rewrites all of them (`--all`), in batches, each in one
transaction. Safe to run at any time: a session's rows are replaced, never added to.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from sessions.models import CalibrationSession, SessionKind, SessionStatus
from sessions.services import session_summaries_write
from teams.models import Team

BATCH = 200


class Command(BaseCommand):
    help = "Writes the reports' per-session summary rows for closed sessions."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Rewrite every closed session.")
        parser.add_argument("--team", help="Only this team (by name).")

    def handle(self, *args, **options):
        # Criterion reviews have no ratings, hence no summary rows.
        sessions = CalibrationSession.objects.filter(
            status=SessionStatus.CLOSED, kind=SessionKind.SCORING
        )
        if options["team"]:
            team = Team.objects.filter(name__iexact=options["team"]).first()
            if team is None:
                raise CommandError(f"No team named {options['team']!r}.")
            sessions = sessions.filter(team=team)
        if not options["all"]:
            sessions = sessions.filter(summary__isnull=True)
        ids = list(sessions.order_by("pk").values_list("pk", flat=True))
        written = 0
        for start in range(0, len(ids), BATCH):
            written += session_summaries_write(session_ids=ids[start : start + BATCH])
        self.stdout.write(f"Report summaries written for {written} closed session(s).")
