from django.apps import AppConfig


class CalibrationSessionsConfig(AppConfig):
    # The folder is `sessions`, but `django.contrib.sessions` owns that label.
    name = "sessions"
    label = "calibration_sessions"
    verbose_name = "Calibration sessions"
    default_auto_field = "django.db.models.BigAutoField"
