from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import services
from .forms import MemberAddForm, RoleForm
from .middleware import SESSION_KEY
from .models import Membership, Role
from .permissions import member_manager_required, team_required
from .selectors import team_members, teams_for_user


@team_required
def team_detail(request):
    team = request.membership.team
    return render(
        request,
        "teams/detail.html",
        {
            "team": team,
            "members": team_members(team=team),
            "add_form": MemberAddForm(),
            "roles": Role.choices,
        },
    )


@member_manager_required
@require_POST
def member_add(request):
    team = request.membership.team
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            membership = services.membership_add(team=team, **form.cleaned_data)
        except services.TeamError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{membership.user.username} joined {team.name}.")
            return redirect("teams:detail")
    return render(
        request,
        "teams/detail.html",
        {
            "team": team,
            "members": team_members(team=team),
            "add_form": form,
            "roles": Role.choices,
        },
        status=400,
    )


@member_manager_required
@require_POST
def member_role(request, membership_id: int):
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid role.")
        return redirect("teams:detail")
    try:
        membership = services.membership_set_role(
            team=request.membership.team,
            membership_id=membership_id,
            role=form.cleaned_data["role"],
        )
    except Membership.DoesNotExist:
        raise Http404("No such member in this team.") from None
    except services.TeamError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"{membership.user.username} is now {membership.get_role_display()}."
        )
    return redirect("teams:detail")


@member_manager_required
@require_POST
def member_remove(request, membership_id: int):
    try:
        services.membership_remove(team=request.membership.team, membership_id=membership_id)
    except Membership.DoesNotExist:
        raise Http404("No such member in this team.") from None
    except services.TeamError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Member removed.")
    return redirect("teams:detail")


@login_required
@require_POST
def team_switch(request):
    try:
        team_id = int(request.POST.get("team", ""))
    except ValueError:
        raise Http404("No such team.") from None
    if not teams_for_user(user=request.user).filter(pk=team_id).exists():
        raise Http404("No such team.")
    request.session[SESSION_KEY] = team_id
    return redirect("home")
