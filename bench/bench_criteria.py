"""Server time of criterion health, a scorecard's version history and the review's evidence
on PostgreSQL with five years of data, read-only.

Prepare the data as for bench_reports (seed_demo, then generate_history --sessions 10000), then:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/concord_bench
    PGOPTIONS="-c default_transaction_read_only=on" python -m bench.bench_criteria [--runs 5]

Pages are requested in-process through Django's test client as the demo manager (megan), with
signed-cookie sessions and no last-login update, so the run writes nothing (PGOPTIONS makes
the database refuse any write). The evidence is timed as the function the review room calls.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calibration.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model, user_logged_in  # noqa: E402
from django.contrib.auth.models import update_last_login  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.bench_reports import TEAM, timed  # noqa: E402
from scorecards.models import Scorecard  # noqa: E402
from sessions.models import SessionCriterionSummary, SessionPatternSummary  # noqa: E402
from sessions.selectors.evidence import criterion_evidence  # noqa: E402
from teams.models import Team  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--team", default=TEAM)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("Set DATABASE_URL to a PostgreSQL database (see the docstring).", file=sys.stderr)
        return 2
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
    team = Team.objects.get(name=args.team)
    scorecard = Scorecard.objects.filter(team=team).order_by("pk").first()
    rows = SessionCriterionSummary.objects.filter(team=team).count()
    patterns = SessionPatternSummary.objects.filter(team=team).count()
    sessions = SessionCriterionSummary.objects.filter(team=team).values("session").distinct()
    print(
        f"{team.name}: {sessions.count():,} summarised sessions, {rows:,} criterion rows, "
        f"{patterns:,} pattern rows; {args.runs} runs"
    )
    client = Client()
    client.force_login(get_user_model().objects.get(username="megan"))
    pages = {
        "criterion health": reverse("reports:criteria"),
        "criterion health (last year)": reverse("reports:criteria")
        + "?date_from="
        + _year_ago(team),
        "version history": reverse("reports:versions", args=[scorecard.pk]),
    }
    for name, url in pages.items():

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        report(name, get, args.runs)
    report(
        "review evidence (all criteria)", lambda: criterion_evidence(scorecard=scorecard), args.runs
    )
    return 0


def report(name: str, call, runs: int) -> None:
    """The first call of the process (cold: the figures' memo is empty), then the median and
    minimum of ``runs`` more (bench_reports.timed)."""
    median, low, cold = timed(call, runs)
    print(f"  {name:<40} median {median:7.1f} ms  min {low:7.1f} ms  cold {cold:7.1f} ms")


def _year_ago(team) -> str:
    newest = SessionCriterionSummary.objects.filter(team=team).aggregate(d=Max("held_on_date"))
    return (newest["d"].replace(year=newest["d"].year - 1)).isoformat()


if __name__ == "__main__":
    sys.exit(main())
