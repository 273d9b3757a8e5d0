"""`manage.py export_history --team NAME [--from DATE --to DATE] [--output FILE]`: a team's
closed sessions in the `import_history` long format, one row per rating."""

import csv

from django.core.management.base import BaseCommand, CommandError

from sessions.history import parse_date
from sessions.selectors.history import HISTORY_COLUMNS, history_rows
from teams.models import Team


def _date(option: str, text: str | None):
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError as error:
        raise CommandError(f"{option}: {error}.") from None


class Command(BaseCommand):
    help = (
        "Writes every rating of a team's closed sessions (held between --from and --to, both "
        "included) as a CSV that import_history reads back (see docs/import-history.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="Team name (case-insensitive).")
        parser.add_argument("--from", dest="date_from", help="First day held (YYYY-MM-DD).")
        parser.add_argument("--to", dest="date_to", help="Last day held (YYYY-MM-DD).")
        parser.add_argument("--output", help="File to write; standard output if left out.")

    def handle(self, *args, **options):
        team = Team.objects.filter(name__iexact=options["team"].strip()).first()
        if team is None:
            teams = Team.objects.order_by("name").values_list("name", flat=True)[:20]
            names = ", ".join(repr(name) for name in teams)
            raise CommandError(f"No team is called {options['team']!r}. Teams: {names or 'none'}.")
        date_from = _date("--from", options["date_from"])
        date_to = _date("--to", options["date_to"])
        if date_from and date_to and date_from > date_to:
            raise CommandError("--from must not be after --to.")
        rows = history_rows(team=team, date_from=date_from, date_to=date_to)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as handle:
                count = self._write(handle, rows)
            self.stderr.write(f"Wrote {count:,} ratings of {team.name} to {options['output']}.")
        else:
            self._write(self.stdout, rows)

    @staticmethod
    def _write(handle, rows) -> int:
        writer = csv.writer(handle)
        writer.writerow(HISTORY_COLUMNS)
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
        return count
