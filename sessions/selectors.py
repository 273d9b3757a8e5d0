from django.db.models import Count, QuerySet

from .models import CalibrationSession


def sessions_for_team(*, team) -> QuerySet[CalibrationSession]:
    return (
        CalibrationSession.objects.filter(team=team)
        .select_related("scorecard_version__scorecard")
        .annotate(item_count=Count("items", distinct=True))
        .order_by("-created_at", "-id")
    )
