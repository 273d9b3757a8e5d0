import pytest

from .factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_pages_carry_a_strict_content_security_policy(client):
    client.force_login(MembershipFactory().user)

    policy = client.get("/sessions/")["Content-Security-Policy"]

    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_login_page_has_the_policy_too(client):
    assert "default-src 'self'" in client.get("/accounts/login/")["Content-Security-Policy"]


def assert_clean_not_found_page(response):
    """The site's own page: no inline style or script for the policy to refuse."""
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "<style" not in body and " style=" not in body
    assert "<script>" not in body and "onclick" not in body
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_an_unknown_address_gets_the_sites_own_404_page_with_debug_on(client, settings):
    settings.DEBUG = True
    client.force_login(MembershipFactory().user)

    response = client.get("/no-such-page/")

    assert_clean_not_found_page(response)
    assert "No page matches /no-such-page/." in response.content.decode()


def test_a_view_raising_not_found_gets_the_sites_own_page_with_debug_on(client, settings):
    settings.DEBUG = True
    client.force_login(MembershipFactory().user)

    response = client.get("/sessions/999999/")

    assert_clean_not_found_page(response)


def test_without_debug_the_404_page_names_no_reason(client, settings):
    settings.DEBUG = False
    client.force_login(MembershipFactory().user)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Development" not in response.content.decode()
