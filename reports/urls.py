from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.reports_home, name="home"),
    path("history/", views.history, name="history"),
    path("trends/", views.trends, name="trends"),
    path("reviewers/", views.reviewers, name="reviewers"),
    path("reviewers/<int:user_id>/", views.reviewer_profile, name="reviewer"),
    path("criteria/", views.criterion_health, name="criteria"),
    path("scorecards/<int:scorecard_id>/versions/", views.version_history, name="versions"),
    path("import-history/", views.import_history, name="import_history"),
    path(
        "sessions/<int:session_id>/report.<str:fmt>",
        views.session_report_download,
        name="session_report",
    ),
]
