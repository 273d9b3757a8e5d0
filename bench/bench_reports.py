"""Server time of the report pages on PostgreSQL, beside a plain SQL aggregate over the same
ratings in the same run.

Prepare once (about 15 minutes on the 2-core CI machine), then measure:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/concord_bench
    python manage.py migrate && python manage.py seed_demo
    python manage.py generate_history --sessions 10000
    python -m bench.bench_reports [--runs 5]

Each page is requested in-process through Django's test client as the demo manager (megan),
so the time is the server's (middleware, queries, statistics, template), without a network.
Targets (issue 8): every page under 300 ms; the trends page at most 2x the plain SQL baseline.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calibration.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from sessions.models import (  # noqa: E402
    CalibrationSession,
    Score,
    SessionInteraction,
    SessionStatus,
    TrendPoint,
)
from teams.models import Team  # noqa: E402

TEAM = "Northwind Support"


def baseline_sql() -> str:
    """Ratings per month and criterion with their mean and spread: the plain aggregate a
    trends page could be replaced by, over every rating of the team."""
    score, item = Score._meta.db_table, SessionInteraction._meta.db_table
    session = CalibrationSession._meta.db_table
    return f"""
        SELECT date_trunc('month', s.held_on_date) AS month, sc.criterion_id,
               count(*), avg(sc.value), stddev_samp(sc.value)
        FROM {score} sc
        JOIN {item} i ON i.id = sc.item_id
        JOIN {session} s ON s.id = i.session_id
        WHERE s.team_id = %s AND sc.included AND i.revealed_at IS NOT NULL
          AND sc.value IS NOT NULL
        GROUP BY 1, 2
    """


def timed(call, runs: int) -> tuple[float, float, float]:
    """(median, min, first) in ms; the first call warms imports, templates, the database's
    caches and, for trends, computes and keeps the periods' points."""
    start = time.perf_counter()
    call()
    first = time.perf_counter() - start
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, min(times) * 1000, first * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--team", default=TEAM)
    parser.add_argument(
        "--cold", action="store_true", help="Forget the kept trend points first (see 'first')."
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("Set DATABASE_URL to a PostgreSQL database (see the docstring).", file=sys.stderr)
        return 2
    team = Team.objects.get(name=args.team)
    User = get_user_model()
    manager, reviewer = User.objects.get(username="megan"), User.objects.get(username="rahul")
    session = (
        CalibrationSession.objects.filter(team=team, status=SessionStatus.CLOSED)
        .order_by("-held_on_date")
        .first()
    )
    sessions = CalibrationSession.objects.filter(team=team, status=SessionStatus.CLOSED).count()
    # A range that cuts a week and a month: its edges are read from the session rows.
    year_ago = session.held_on_date - datetime.timedelta(days=365)
    ratings = Score.objects.filter(item__session__team=team).count()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(manager)
    pages = {
        "history": reverse("reports:history"),
        "trends (monthly)": reverse("reports:trends") + "?period=month",
        "trends (weekly, one year)": reverse("reports:trends")
        + f"?period=week&date_from={year_ago:%Y-%m-%d}",
        "trends (by criterion, quarterly)": reverse("reports:trends")
        + "?group=criterion&period=quarter",
        "reviewer profile": reverse("reports:reviewer", args=[reviewer.pk]),
        "reviewer overview": reverse("reports:reviewers"),
        "criterion health": reverse("reports:criteria"),
        "session report": reverse("sessions:summary", args=[session.pk]),
    }
    if args.cold:
        TrendPoint.objects.filter(team=team).delete()  # the first trends request computes all
    print(f"{team.name}: {sessions:,} closed sessions, {ratings:,} ratings; {args.runs} runs")
    print(f"  load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (a shared machine)")
    with connection.cursor() as cursor:
        sql = baseline_sql()
        base, base_min, _ = timed(
            lambda: cursor.execute(sql, [team.pk]) or cursor.fetchall(), args.runs
        )
    label = "plain SQL aggregate (month x criterion)"
    print(f"  {label:<40} median {base:7.1f} ms  min {base_min:7.1f} ms")
    for name, url in pages.items():

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        median, low, first = timed(get, args.runs)
        ratio = f"  ({median / base:.2f}x the SQL)" if name.startswith("trends") else ""
        cold = f"  first {first:7.1f} ms" if name.startswith("trends") else ""
        print(f"  {name:<40} median {median:7.1f} ms  min {low:7.1f} ms{ratio}{cold}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
