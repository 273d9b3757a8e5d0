from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    FACILITATOR = "facilitator", "Facilitator"
    REVIEWER = "reviewer", "Reviewer"
    MANAGER = "manager", "Manager"


# Who may do what, in one place: views and services ask these sets, never raw role strings.
MANAGE_CONTENT_ROLES = frozenset({Role.ADMIN, Role.FACILITATOR})
MANAGE_MEMBERS_ROLES = frozenset({Role.ADMIN})


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.REVIEWER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_team_user"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} in {self.team} ({self.get_role_display()})"

    @property
    def can_manage_content(self) -> bool:
        return self.role in MANAGE_CONTENT_ROLES

    @property
    def can_manage_members(self) -> bool:
        return self.role in MANAGE_MEMBERS_ROLES
