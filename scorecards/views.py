from django.shortcuts import render

from teams.permissions import team_required

from .models import Scorecard


@team_required
def scorecard_list(request):
    scorecards = Scorecard.objects.filter(team=request.membership.team)
    return render(request, "scorecards/list.html", {"scorecards": scorecards})
