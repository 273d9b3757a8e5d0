"""`manage.py import_history FILE [--team NAME] [--create-missing]`: past sessions from a CSV."""

from django.core.management.base import BaseCommand, CommandError

from datafiles import ImportFailed, read_bytes
from sessions.history import import_history


class Command(BaseCommand):
    help = (
        "Imports past calibration sessions from a long-format CSV, one row per rating "
        "(see docs/import-history.md). The whole file is checked first; if any row is wrong "
        "nothing is imported. Importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .csv file.")
        parser.add_argument("--team", help="Team name (may be left out when there is one team).")
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help=(
                "Create the team, scorecards and criteria the file names but the database "
                "lacks, inferring each new criterion's scale from its values."
            ),
        )

    def handle(self, *args, **options):
        path = options["file"]
        try:
            result = import_history(
                data=read_bytes(path),
                team_name=options["team"],
                create_missing=options["create_missing"],
            )
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(f"  {error}")
            count = len(failure.errors)
            raise CommandError(
                f"{path}: {count} problem{'s' if count != 1 else ''}; nothing was imported."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"{result.team_name}: {result.summary}"))
        if result.inferred_scales:
            self.stdout.write("Inferred scales (check them on the scorecard):")
            for line in result.inferred_scales:
                self.stdout.write(f"  {line}")
