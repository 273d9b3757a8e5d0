from .selectors import teams_for_user


def current_team(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = request.membership
    return {
        "current_membership": membership if membership else None,
        "current_team": membership.team if membership else None,
        "user_teams": teams_for_user(user=user),
    }
