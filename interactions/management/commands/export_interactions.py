from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interactions.importing import FORMATS, export_interactions

from ._team import team_from_option


class Command(BaseCommand):
    help = "Exports a team's interactions and their messages as JSON or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--team", help="Team name (optional when there is only one team).")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="json or csv (default: from the --output extension, else json).",
        )
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args, team=None, format=None, output=None, **options):
        target = team_from_option(team)
        fmt = format
        if fmt is None:
            suffix = Path(output).suffix.lower().lstrip(".") if output else ""
            fmt = suffix if suffix in FORMATS else "json"
        data = export_interactions(team=target, fmt=fmt)
        if output:
            try:
                Path(output).write_bytes(data)
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
            self.stderr.write(f"Wrote {output} ({fmt}).")
        else:
            self.stdout.write(data.decode(), ending="")
