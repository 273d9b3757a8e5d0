from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("import-history/", views.import_history, name="import_history"),
    path(
        "sessions/<int:session_id>/report.<str:fmt>",
        views.session_report_download,
        name="session_report",
    ),
]
