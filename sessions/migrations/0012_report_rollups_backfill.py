"""Writes the weekly and monthly rollups of a database upgraded with summary rows already in it
(0011 creates the tables empty). The same sums as `sessions.services.summaries.rollups_write`,
spelled out on the historical models so that this migration keeps working as the code moves
on. The stored statistics of the summary page (SessionSummary.report) are left to
`rebuild_report_summaries`, which computes them; pages compute them until then."""

from django.db import migrations
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek

BATCH = 2000
TRUNC = {"week": TruncWeek, "month": TruncMonth}
REVIEWER_SUMS = ("n", "dev_sum", "dev_sq", "abs_sum", "match", "n_compared")


def backfill(apps, schema_editor):
    model = lambda name: apps.get_model("calibration_sessions", name)  # noqa: E731
    patterns, criteria, reviewers = (
        model("SessionPatternSummary"),
        model("SessionCriterionSummary"),
        model("SessionReviewerSummary"),
    )
    pattern_rollup, criterion_rollup, reviewer_rollup = (
        model("PatternRollup"),
        model("CriterionRollup"),
        model("ReviewerRollup"),
    )
    team_ids = set(patterns.objects.values_list("team_id", flat=True).distinct())
    team_ids |= set(reviewers.objects.values_list("team_id", flat=True).distinct())
    for team_id in sorted(team_ids):
        pattern_rollup.objects.filter(team_id=team_id).delete()
        criterion_rollup.objects.filter(team_id=team_id).delete()
        reviewer_rollup.objects.filter(team_id=team_id).delete()
        for span, trunc in TRUNC.items():
            start = trunc("held_on_date")
            pattern_rollup.objects.bulk_create(
                [
                    pattern_rollup(team_id=team_id, span=span, **row)
                    for row in patterns.objects.filter(team_id=team_id)
                    .annotate(start=start)
                    .values("criterion_id", "channel", "start", "pattern")
                    .annotate(n_units=Sum("n_units"))
                    .order_by()
                ],
                batch_size=BATCH,
            )
            criterion_rollup.objects.bulk_create(
                [
                    criterion_rollup(team_id=team_id, span=span, **row)
                    for row in criteria.objects.filter(team_id=team_id)
                    .annotate(start=start)
                    .values("criterion_id", "channel", "start")
                    .annotate(
                        n_sessions=Count("session_id"),
                        n_units=Sum("n_units"),
                        n_ratings=Sum("n_ratings"),
                        n_na=Sum("n_na"),
                        n_fail=Sum("n_fail"),
                        n_disputed=Count("pk", filter=Q(most_disputed=True)),
                    )
                    .order_by()
                ],
                batch_size=BATCH,
            )
        reviewer_rollup.objects.bulk_create(
            [
                reviewer_rollup(team_id=team_id, **row)
                for row in reviewers.objects.filter(team_id=team_id)
                .annotate(start=TruncMonth("held_on_date"))
                .values("user_id", "criterion_id", "reference", "anonymous", "start")
                .annotate(**{name: Sum(name) for name in REVIEWER_SUMS})
                .order_by()
            ],
            batch_size=BATCH,
        )


class Migration(migrations.Migration):
    dependencies = [("calibration_sessions", "0011_report_rollups")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
