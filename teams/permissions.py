"""View decorators: who may open a page. Object access is checked by scoping every query to
request.membership.team, so another team's id is simply not found (404)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from .models import MANAGE_CONTENT_ROLES, MANAGE_MEMBERS_ROLES


def team_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.membership:
            return render(request, "teams/no_team.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def roles_required(roles):
    def decorator(view):
        @team_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.membership.role not in roles:
                raise PermissionDenied("Your role in this team does not allow this.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


content_manager_required = roles_required(MANAGE_CONTENT_ROLES)
member_manager_required = roles_required(MANAGE_MEMBERS_ROLES)
