from django.shortcuts import render

from teams.permissions import team_required

from . import selectors


@team_required
def session_list(request):
    sessions = selectors.sessions_for_team(team=request.membership.team)
    return render(request, "sessions/list.html", {"sessions": sessions})
