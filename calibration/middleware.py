"""A strict Content-Security-Policy: pages load scripts, styles and sockets from this origin
only, and no inline script or style can run, so injected markup stays inert."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Django's admin is staff-only and ships its own inline snippets; leave it as it is.
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


class NotFoundPageMiddleware:
    """The site's own 404 page in development too.

    With DEBUG on, Django answers a 404 with its technical page, whose inline style and script
    the policy above refuses (a broken page and console errors). This answers with templates/
    404.html instead, as production does, and names the reason for the developer. A view that
    returns its own 404 response deliberately is left alone; with DEBUG off Django's handler
    already renders 404.html."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and not request.path.startswith("/admin/")
        ):
            # No URL matched: Django's resolver already answered with its technical page.
            return self.page(request, f"No page matches {request.path}.")
        return response

    def process_exception(self, request, exception):
        admin = request.path.startswith("/admin/")
        if settings.DEBUG and isinstance(exception, Http404) and not admin:
            return self.page(request, str(exception) or "The view raised Http404.")
        return None

    @staticmethod
    def page(request, reason: str):
        return render(request, "404.html", {"debug_reason": reason}, status=404)
