from django.core.management.base import CommandError

from teams.models import Team


def team_from_option(name: str | None) -> Team:
    """The team named by --team, or the only team when there is exactly one."""
    if name:
        team = Team.objects.filter(name__iexact=name.strip()).first()
        if team is None:
            raise CommandError(f"No team is called {name!r}. Teams: {_names()}.")
        return team
    teams = list(Team.objects.all()[:2])
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise CommandError("There is no team yet: create one first.")
    raise CommandError(f"There are several teams: choose one with --team NAME ({_names()}).")


def _names() -> str:
    names = list(Team.objects.order_by("name").values_list("name", flat=True)[:20])
    return ", ".join(repr(name) for name in names) or "none"
