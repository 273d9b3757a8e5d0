import pytest

from teams.models import Role

from .factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_shows_the_sessions_page(new_page, login):
    user = UserFactory(username="fiona", first_name="Fiona")
    MembershipFactory(user=user, role=Role.FACILITATOR)
    page = new_page()
    login(page, "fiona")
    assert page.get_by_role("heading", name="Calibration sessions").is_visible()
