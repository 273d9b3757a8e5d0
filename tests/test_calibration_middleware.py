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
