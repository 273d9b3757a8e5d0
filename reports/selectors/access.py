"""Who sees which report: the one rule every report page and download asks.

Managers and admins see their team's reports; facilitators their team's history; reviewers
the sessions they took part in and their own profile. Everything is scoped to the viewer's
current team, so another team's session or person is simply not found (404).
"""

from __future__ import annotations

from dataclasses import dataclass

from teams.models import Role

REPORT_ROLES = frozenset({Role.ADMIN, Role.MANAGER})
HISTORY_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.FACILITATOR})
NAV_ROLES = HISTORY_ROLES


@dataclass(frozen=True)
class ReportAccess:
    team: object
    user: object
    role: str

    @classmethod
    def for_request(cls, request) -> ReportAccess:
        membership = request.membership
        return cls(team=membership.team, user=request.user, role=membership.role)

    @property
    def sees_team_reports(self) -> bool:
        """Trends, criterion health and everyone's profile."""
        return self.role in REPORT_ROLES

    @property
    def sees_team_history(self) -> bool:
        """Every session of the team in the history; otherwise only one's own sessions."""
        return self.role in HISTORY_ROLES

    def may_see_profile(self, user_id: int) -> bool:
        return self.sees_team_reports or user_id == self.user.pk

    def sees_anonymous_figures_of(self, user_id: int) -> bool:
        """An anonymous session's figures are kept out of a profile shown to anyone but its
        owner: per-session or per-period figures would line up with the session's aliases."""
        return user_id == self.user.pk
