from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from datafiles import ImportFailed, read_bytes
from interactions.importing import IMPORT_FORMATS, detect_import_format, import_interactions

from ._team import team_from_option


class Command(BaseCommand):
    help = (
        "Imports interactions from a .json or .csv file, or a Zendesk JSON ticket export, into "
        "a team (upsert by external id). The whole file is checked first: if any row is "
        "wrong, nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .json, .csv or Zendesk export file.")
        parser.add_argument("--team", help="Team name (optional when there is only one team).")
        parser.add_argument(
            "--format",
            choices=IMPORT_FORMATS,
            help="json, csv or zendesk (default: told from the file).",
        )
        parser.add_argument(
            "--mask",
            action="store_true",
            help="Mask customer emails, phone numbers and card numbers before storing.",
        )
        parser.add_argument(
            "--hide-agent-name",
            action="store_true",
            help="Hide the agent's name from reviewers while scoring.",
        )

    def handle(self, *args, file, team=None, **options):
        target = team_from_option(team)
        try:
            data = read_bytes(Path(file))
            fmt = detect_import_format(file, data, chosen=options.get("format") or "")
            result = import_interactions(
                team=target,
                data=data,
                fmt=fmt,
                mask=options.get("mask", False),
                hide_agent_name=options.get("hide_agent_name", False),
            )
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
