import logging

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from . import ratelimit

logger = logging.getLogger(__name__)


def _guarded(call, **kwargs):
    """The counters' store being down must not take log-in down with it: the attempt goes on
    unlimited, and the outage is logged."""
    try:
        return call(**kwargs)
    except Exception:
        logger.exception("Log-in rate limit unavailable (%s)", ratelimit.CACHE_ALIAS)
        return None


class RateLimitedLoginMixin:
    """Refuses a log-in while its account or address is locked out (even with the right
    password), counts each failed one, and clears the account's count on success."""

    lockout: ratelimit.Lockout | None = None

    def clean(self):
        username = self.cleaned_data.get("username")
        if username is None or not self.cleaned_data.get("password"):
            return super().clean()  # a missing field is a form error, not a guess
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        self.lockout = _guarded(ratelimit.check, username=username, address=address)
        if self.lockout is not None:
            raise ValidationError(self.lockout.message, code="rate_limited")
        try:
            cleaned = super().clean()
        except ValidationError as error:
            if error.code == "invalid_login":
                _guarded(ratelimit.record_failure, username=username, address=address)
            raise
        _guarded(ratelimit.reset_account, username=username)
        return cleaned


class LoginForm(RateLimitedLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(RateLimitedLoginMixin, AdminAuthenticationForm):
    pass
