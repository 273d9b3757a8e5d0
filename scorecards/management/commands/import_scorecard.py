"""`manage.py import_scorecard FILE [--team NAME]`: imports scorecards from CSV or JSON."""

from django.core.management.base import BaseCommand, CommandError

from datafiles import ImportFailed, detect_format, read_bytes
from scorecards.importing import import_scorecards
from teams.models import Team


def team_named(name: str | None) -> Team:
    """The team called `name`; without a name, the only team there is."""
    if name:
        team = Team.objects.filter(name__iexact=name.strip()).first()
        if team is None:
            raise CommandError(f"No team is called “{name}”.")
        return team
    teams = list(Team.objects.order_by("name")[:2])
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise CommandError("There is no team yet: create one first.")
    names = ", ".join(Team.objects.order_by("name").values_list("name", flat=True))
    raise CommandError(f"There are several teams: choose one with --team ({names}).")


class Command(BaseCommand):
    help = (
        "Imports scorecards from a .csv or .json file (see docs/import-scorecards.md). "
        "The whole file is checked first; if any row is wrong nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .csv or .json file.")
        parser.add_argument("--team", help="Team name (may be left out when there is one team).")

    def handle(self, *args, **options):
        team = team_named(options["team"])
        path = options["file"]
        try:
            result = import_scorecards(
                team=team, data=read_bytes(path), fmt=detect_format(path), user=None
            )
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(f"  {error}")
            raise CommandError(_failure_message(path, failure.errors)) from None
        self.stdout.write(self.style.SUCCESS(f"{team.name}: {result.summary}"))


def _failure_message(path: str, errors: list) -> str:
    if len(errors) == 1:
        return f"{path}: {str(errors[0]).rstrip('.')}. Nothing was imported."
    return f"{path}: {len(errors)} problems; nothing was imported."
