from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Membership, Role, Team

User = get_user_model()


class TeamError(Exception):
    """A team change that cannot be made; the message is shown to the user."""


def team_create(*, name: str, owner=None) -> Team:
    name = name.strip()
    if not name:
        raise TeamError("A team needs a name.")
    with transaction.atomic():
        if Team.objects.filter(name__iexact=name).exists():
            raise TeamError(f"A team called {name!r} already exists.")
        team = Team.objects.create(name=name)
        if owner is not None:
            Membership.objects.create(team=team, user=owner, role=Role.ADMIN)
    return team


def membership_add(
    *,
    team: Team,
    username: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    password: str = "",
) -> Membership:
    """Adds an existing user to the team, or creates the user when a password is given."""
    username = username.strip()
    if role not in Role.values:
        raise TeamError(f"Unknown role {role!r}.")
    if not username:
        raise TeamError("Give a username.")
    with transaction.atomic():
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            if not password:
                raise TeamError(
                    f"No user is called {username!r}. Give a password to create the account."
                )
            candidate = User(username=username, first_name=first_name, last_name=last_name)
            try:
                validate_password(password, user=candidate)
            except ValidationError as error:
                raise TeamError(" ".join(error.messages)) from None
            user = User.objects.create_user(
                username=username,
                password=password,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                email=email.strip(),
            )
        if Membership.objects.filter(team=team, user=user).exists():
            raise TeamError(f"{user.username} is already a member of {team.name}.")
        return Membership.objects.create(team=team, user=user, role=role)


def _ensure_an_admin_remains(*, team: Team, leaving: Membership) -> None:
    if leaving.role != Role.ADMIN:
        return
    others = Membership.objects.filter(team=team, role=Role.ADMIN).exclude(pk=leaving.pk)
    if not others.exists():
        raise TeamError("A team needs at least one admin: make someone else admin first.")


def membership_set_role(*, team: Team, membership_id: int, role: str) -> Membership:
    if role not in Role.values:
        raise TeamError(f"Unknown role {role!r}.")
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().filter(team=team, pk=membership_id).first()
        )
        if membership is None:
            raise Membership.DoesNotExist
        if role != Role.ADMIN:
            _ensure_an_admin_remains(team=team, leaving=membership)
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def membership_remove(*, team: Team, membership_id: int) -> None:
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().filter(team=team, pk=membership_id).first()
        )
        if membership is None:
            raise Membership.DoesNotExist
        _ensure_an_admin_remains(team=team, leaving=membership)
        membership.delete()


def users_create_inactive(*, usernames: list[str]) -> list:
    """Accounts for people known only by their username, such as the reviewers of imported
    past sessions: inactive, with no usable password and in no team, so they cannot log in
    until an admin activates them. The usernames must be new; one insert per thousand."""
    validator = UnicodeUsernameValidator()
    new = []
    for username in usernames:
        try:
            validator(username)
        except ValidationError:
            raise TeamError(f"{username!r} is not a valid username.") from None
        user = User(**{User.USERNAME_FIELD: username}, is_active=False)
        user.set_unusable_password()
        new.append(user)
    with transaction.atomic():
        return User.objects.bulk_create(new, batch_size=1000)
