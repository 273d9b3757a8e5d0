from django.utils.functional import SimpleLazyObject

from .selectors import membership_for

SESSION_KEY = "current_team_id"


class CurrentTeamMiddleware:
    """Sets request.membership (and request.team): the team the user is working in now."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        def load():
            return membership_for(user=request.user, team_id=request.session.get(SESSION_KEY))

        request.membership = SimpleLazyObject(load)
        return self.get_response(request)
