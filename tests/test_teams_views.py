import pytest

from teams.middleware import SESSION_KEY
from teams.models import Membership, Role

from .factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_team_page_lists_members_of_the_current_team_only(client):
    admin = MembershipFactory(role=Role.ADMIN)
    colleague = MembershipFactory(team=admin.team)
    stranger = MembershipFactory()
    client.force_login(admin.user)

    html = client.get("/team/").content.decode()

    assert colleague.user.username in html
    assert stranger.user.username not in html


def test_reviewer_cannot_add_members(client):
    reviewer = MembershipFactory(role=Role.REVIEWER)
    client.force_login(reviewer.user)

    response = client.post(
        "/team/members/add/", {"username": "x", "role": Role.ADMIN, "password": "long-pass-42x"}
    )

    assert response.status_code == 403
    assert Membership.objects.count() == 1


def test_admin_adding_an_unknown_user_without_password_sees_the_reason(client):
    admin = MembershipFactory(role=Role.ADMIN)
    client.force_login(admin.user)

    response = client.post("/team/members/add/", {"username": "ghost", "role": Role.REVIEWER})

    assert response.status_code == 400
    assert "No user is called" in response.content.decode()
    assert Membership.objects.count() == 1


def test_changing_the_role_of_another_teams_member_is_404(client):
    admin = MembershipFactory(role=Role.ADMIN)
    foreign = MembershipFactory()
    client.force_login(admin.user)

    response = client.post(f"/team/members/{foreign.pk}/role/", {"role": Role.ADMIN})

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == Role.REVIEWER


def test_switching_to_a_team_you_are_not_in_is_404(client):
    member = MembershipFactory()
    other_team = TeamFactory()
    client.force_login(member.user)

    response = client.post("/team/switch/", {"team": other_team.pk})

    assert response.status_code == 404
    assert client.session.get(SESSION_KEY) is None


def test_switching_team_changes_what_the_pages_show(client):
    first = MembershipFactory(team__name="Alpha")
    second = MembershipFactory(user=first.user, team__name="Bravo", role=Role.FACILITATOR)
    client.force_login(first.user)

    client.post("/team/switch/", {"team": second.team.pk})

    assert "<h1>Bravo</h1>" in client.get("/team/").content.decode()


def test_user_without_a_team_gets_a_clear_page(client):
    from .factories import UserFactory

    client.force_login(UserFactory())

    response = client.get("/sessions/")

    assert response.status_code == 403
    assert "not in a team yet" in response.content.decode()


def test_the_user_name_in_the_top_bar_leads_to_changing_the_password(client):
    member = MembershipFactory(role=Role.REVIEWER)
    client.force_login(member.user)

    html = client.get("/team/").content.decode()
    assert 'class="user-name" href="/accounts/password_change/"' in html

    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "pw",
            "new_password1": "a-new-long-password-42",
            "new_password2": "a-new-long-password-42",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/accounts/password_change/done/"
    assert "Password changed" in response.content.decode()
    member.user.refresh_from_db()
    assert member.user.check_password("a-new-long-password-42")


def test_a_wrong_current_password_changes_nothing(client):
    member = MembershipFactory()
    client.force_login(member.user)

    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "nope",
            "new_password1": "x-long-pass-99",
            "new_password2": "x-long-pass-99",
        },
    )

    assert response.status_code == 200
    assert "Change your password" in response.content.decode()
    member.user.refresh_from_db()
    assert member.user.check_password("pw")


def test_the_add_member_form_links_its_help_texts(client):
    admin = MembershipFactory(role=Role.ADMIN)
    client.force_login(admin.user)

    html = client.get("/team/").content.decode()

    assert 'aria-describedby="id_password_helptext"' in html
    assert 'id="id_password_helptext"' in html
    assert "Change your password" in html
