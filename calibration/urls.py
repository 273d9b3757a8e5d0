from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from .forms import AdminLoginForm
from .health import healthz
from .views import LoginView, LogoutClearingStorageView

# The admin's log-in page counts failures with the same limits as the site's.
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="sessions:list"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutClearingStorageView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("team/", include("teams.urls")),
    path("scorecards/", include("scorecards.urls")),
    path("interactions/", include("interactions.urls")),
    path("sessions/", include("sessions.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]
