"""`manage.py backfill_calibration_notes`: copies consensus notes recorded before the scorecards
kept them (or written by an import that bypassed the service) onto their criteria."""

from django.core.management.base import BaseCommand

from sessions.services.discussion import calibration_notes_backfill


class Command(BaseCommand):
    help = (
        "Gives every criterion the calibration notes of its revealed consensus ratings. "
        "Safe to run again: each consensus has one note."
    )

    def handle(self, *args, **options):
        count = calibration_notes_backfill()
        self.stdout.write(f"{count} calibration note{'s' if count != 1 else ''} in step.")
