from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from datafiles import ImportFailed, detect_format, read_bytes
from interactions.importing import import_interactions

from ._team import team_from_option


class Command(BaseCommand):
    help = (
        "Imports interactions from a .json or .csv file into a team (upsert by external id). "
        "The whole file is checked first: if any row is wrong, nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .json or .csv file.")
        parser.add_argument("--team", help="Team name (optional when there is only one team).")

    def handle(self, *args, file, team=None, **options):
        target = team_from_option(team)
        try:
            fmt = detect_format(file)
            data = read_bytes(Path(file))
            result = import_interactions(team=target, data=data, fmt=fmt)
        except ImportFailed as failure:
            if len(failure.errors) == 1 and failure.errors[0].row is None:
                raise CommandError(f"Nothing was imported: {failure.errors[0]}") from None
            for error in failure.errors:
                self.stderr.write(str(error))
            count = len(failure.errors)
            raise CommandError(
                f"Nothing was imported: {count} problem{'s' if count != 1 else ''} in {file}."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"{target.name}: {result.summary}"))
