from django.shortcuts import render

from teams.permissions import team_required

from .models import Interaction


@team_required
def interaction_list(request):
    interactions = Interaction.objects.filter(team=request.membership.team)
    return render(request, "interactions/list.html", {"interactions": interactions})
