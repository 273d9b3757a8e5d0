import csv
import io
import json

from django.core.management.base import BaseCommand, CommandError

from reports.selectors import REPORT_CSV_COLUMNS, report_csv_rows, session_report_document
from sessions.models import CalibrationSession


class Command(BaseCommand):
    help = (
        "Prints every agreement figure of one session (revealed ratings only) as JSON or CSV. "
        "The JSON layout is documented in README."
    )

    def add_arguments(self, parser):
        parser.add_argument("session_id", type=int)
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output", help="Write to this file instead of standard output.")
        parser.add_argument(
            "--resamples", type=int, default=1000, help="Bootstrap resamples per alpha."
        )

    def handle(self, *args, session_id, format, output, resamples, **options):
        session = (
            CalibrationSession.objects.filter(pk=session_id)
            .select_related("scorecard_version__scorecard")
            .first()
        )
        if session is None:
            raise CommandError(f"No session with id {session_id}.")
        if resamples < 0 or resamples > 100_000:
            raise CommandError("--resamples must be between 0 and 100000.")
        document = session_report_document(session=session, n_resamples=resamples)
        if document["statistics"] is None:
            self.stderr.write("Nothing is revealed in this session yet: no figures to report.")
        if format == "json":
            text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        else:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(REPORT_CSV_COLUMNS)
            writer.writerows(report_csv_rows(document))
            text = buffer.getvalue()
        if output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            self.stdout.write(self.style.SUCCESS(f"Report written to {output}"))
        else:
            self.stdout.write(text, ending="")
