from django.contrib.auth import views as auth_views

from .forms import LoginForm


class LoginView(auth_views.LoginView):
    """The log-in page, rate limited (calibration.ratelimit): a locked-out attempt is
    answered 429 with the time to wait, in the page and in Retry-After."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.lockout is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.lockout.retry_after)
        return response


class LogoutClearingStorageView(auth_views.LogoutView):
    """Logging out also clears this site's browser storage: unsent drafts kept in
    localStorage must not stay behind for the next person on a shared computer."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"storage"'
        return response
