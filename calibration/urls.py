from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from .health import healthz
from .views import LogoutClearingStorageView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="sessions:list"), name="home"),
    path("healthz", healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
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
