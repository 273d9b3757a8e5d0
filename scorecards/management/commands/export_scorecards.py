"""`manage.py export_scorecards [--team NAME] [--format json|csv] [--output FILE]`."""

from pathlib import Path

from django.core.management.base import BaseCommand

from scorecards.importing import FORMATS, export_scorecards

from .import_scorecard import team_named


class Command(BaseCommand):
    help = (
        "Exports a team's scorecards (their current versions) in the import format, "
        "to standard output or a file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--team", help="Team name (may be left out when there is one team).")
        parser.add_argument("--format", choices=FORMATS, default="json", dest="fmt")
        parser.add_argument("--output", help="File to write; standard output if left out.")

    def handle(self, *args, **options):
        team = team_named(options["team"])
        data = export_scorecards(team=team, fmt=options["fmt"])
        if options["output"]:
            Path(options["output"]).write_bytes(data)
            self.stderr.write(f"Wrote {options['output']} ({team.name}).")
        else:
            self.stdout.write(data.decode(), ending="")
