"""From a (fake) Zendesk to the room, in real browsers: an admin connects the helpdesk, a
facilitator creates a session by sampling from it, a reviewer reads the fetched thread. And a
call from a (fake) Intercom: brought in by link on the session form, read by the reviewer as a
transcript with its recording link.

The helpdesk is pytest-httpserver on 127.0.0.1 serving Zendesk-shaped payloads; this module's
own live daphne server is started with CONCORD_HELPDESK_BASE_URL_OVERRIDE pointing at it (the
server process is forked with these settings), so nothing reaches the internet.
"""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from interactions.helpdesks import services as helpdesk_services
from interactions.models import HelpdeskAuth, HelpdeskConnection
from scorecards.scales import ScaleKind
from sessions.models import CalibrationSession
from teams.models import Role

from .conftest import _start_daphne
from .factories import (
    CriterionFactory,
    MembershipFactory,
    ScorecardVersionFactory,
    TeamFactory,
    UserFactory,
)
from .test_interactions_helpdesks_intercom import ME, TRANSCRIPT, call, conversation
from .test_interactions_helpdesks_zendesk import USERS, comment, me, ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/concord-helpdesk-shots"


@pytest.fixture(scope="module")
def helpdesk(make_httpserver):
    """The fake Zendesk (pytest-httpserver's server, shared with the session)."""
    make_httpserver.clear()
    yield make_httpserver
    make_httpserver.clear()


@pytest.fixture(scope="module")
def server_url(django_db_setup, django_db_blocker, helpdesk):
    before = getattr(settings, "CONCORD_HELPDESK_BASE_URL_OVERRIDE", "")
    settings.CONCORD_HELPDESK_BASE_URL_OVERRIDE = helpdesk.url_for("").rstrip("/")
    try:
        process = _start_daphne(django_db_blocker)
    finally:
        settings.CONCORD_HELPDESK_BASE_URL_OVERRIDE = before
    yield f"http://127.0.0.1:{process.port.value}"
    process.terminate()
    process.join()


@pytest.fixture
def person(browser, server_url):
    contexts = []

    def open_as(username):
        context = browser.new_context(base_url=server_url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill("pw")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    yield open_as
    for context in contexts:
        context.close()


def serve_zendesk(server):
    server.expect_request("/api/v2/users/me.json").respond_with_json(me())
    server.expect_request("/api/v2/search/export").respond_with_json(
        {
            "results": [ticket(4242)],
            "facets": None,
            "meta": {"has_more": False, "after_cursor": None, "before_cursor": None},
            "links": {"next": None, "prev": None},
        }
    )
    server.expect_request("/api/v2/tickets/4242.json").respond_with_json(
        {"ticket": ticket(4242, subject="Charged twice in October"), "users": USERS}
    )
    invoice = {
        "id": 1,
        "file_name": "invoice-october.pdf",
        "content_url": "https://acme.zendesk.com/attachments/token/abc/?name=invoice-october.pdf",
        "content_type": "application/pdf",
        "size": 2048,
    }
    server.expect_request("/api/v2/tickets/4242/comments.json").respond_with_json(
        {
            "comments": [
                comment(1, 900, "Hello, I was charged twice for October.", attachments=[invoice]),
                comment(
                    2,
                    501,
                    "Billing confirms the double charge.",
                    public=False,
                    created="2026-10-02T09:16:00Z",
                ),
                comment(
                    3,
                    501,
                    "Sorry Anna, I refunded the second charge. Sam",
                    created="2026-10-02T09:20:00Z",
                ),
            ],
            "users": USERS,
            "meta": {"has_more": False},
            "links": {"next": None},
        }
    )


def test_admin_connects_zendesk_facilitator_samples_reviewer_reads_the_thread(helpdesk, person):
    serve_zendesk(helpdesk)
    team = TeamFactory(name="Northwind")
    admin = UserFactory(username="admin1", first_name="Ada")
    facilitator = UserFactory(username="fiona1", first_name="Fiona")
    reviewer = UserFactory(username="rahul1", first_name="Rahul")
    for user, role in (
        (admin, Role.ADMIN),
        (facilitator, Role.FACILITATOR),
        (reviewer, Role.REVIEWER),
    ):
        MembershipFactory(team=team, user=user, role=role)
    version = ScorecardVersionFactory(scorecard__team=team, scorecard__name="Support QA")
    CriterionFactory(version=version, name="Empathy", position=0)
    CriterionFactory(
        version=version,
        name="Resolved",
        scale_kind=ScaleKind.BINARY,
        scale_points=None,
        fail_values=[0],
        position=1,
    )

    # The admin adds the (fake) Zendesk connection: tested, then saved.
    page = person("admin1")
    page.goto("/interactions/helpdesks/")
    card = page.locator("#add-zendesk")
    card.get_by_label("Zendesk subdomain").fill("acme")
    card.get_by_label("Agent email", exact=True).fill("sam@acme.example")
    card.get_by_label("API token or OAuth access token").fill("zd-token-from-the-admin")
    card.get_by_role("button", name="Test and save").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "Connected “Zendesk acme” as Sam Ortiz <sam@acme.example>, admin."
    )
    expect(page.locator("[data-connection]")).to_contain_text("acme.zendesk.com")
    assert "zd-token-from-the-admin" not in page.content()
    page.screenshot(path=f"{SHOTS}/1-connections.png", full_page=True)
    assert HelpdeskConnection.objects.filter(team=team).count() == 1

    # The facilitator creates a session by sampling one email ticket from the helpdesk.
    page = person("fiona1")
    page.goto("/sessions/new/")
    page.get_by_label("Title").fill("Zendesk week 40")
    page.get_by_label("How many").fill("1")
    page.get_by_label("the helpdesk").check()
    sampler = page.get_by_role("group", name="Random sample")
    sampler.get_by_label("Channel").select_option("email")
    page.get_by_label("Hide the agent's name from reviewers while scoring").check()
    page.get_by_label("Rahul").check()
    page.screenshot(path=f"{SHOTS}/2-create.png", full_page=True)
    page.get_by_role("button", name="Create session").click()
    page.wait_for_url("**/sessions/*/")
    expect(page.locator(".flash-success")).to_contain_text("Session “Zendesk week 40” created.")
    session = CalibrationSession.objects.get(title="Zendesk week 40")

    # The reviewer opens the room and reads the whole fetched thread.
    page = person("rahul1")
    page.goto(f"/sessions/{session.pk}/")
    thread = page.get_by_test_id("interaction").first
    expect(thread.get_by_role("heading", name="Charged twice in October")).to_be_visible()
    expect(thread).to_contain_text("zendesk:4242")
    expect(thread).to_contain_text("Agent name hidden")
    expect(thread).to_contain_text("Anna Berg")
    expect(thread).to_contain_text("Hello, I was charged twice for October.")
    expect(thread).to_contain_text("invoice-october.pdf: https://acme.zendesk.com/attachments")
    expect(thread.locator(".message").nth(1)).to_contain_text("Internal note")
    expect(thread.locator(".message").nth(1)).to_contain_text("Billing confirms the double charge.")
    expect(thread.locator(".message").nth(2)).to_contain_text(
        "Sorry Anna, I refunded the second charge. [agent]"
    )
    expect(thread).not_to_contain_text("Sam Ortiz")
    page.screenshot(path=f"{SHOTS}/3-room.png", full_page=True)


def serve_intercom_call(server):
    server.expect_request("/me").respond_with_json(ME)
    server.expect_request("/conversations/215").respond_with_json(
        conversation(title="Refund by phone")
    )
    server.expect_request("/calls/search", method="POST").respond_with_json(
        {"type": "list", "data": [call()]}
    )
    server.expect_request("/calls/123/transcript").respond_with_data(
        TRANSCRIPT, content_type="text/plain"
    )


def test_reviewer_reads_an_intercom_call_transcript_and_finds_the_recording(
    helpdesk, person, settings
):
    serve_intercom_call(helpdesk)
    settings.CONCORD_HELPDESK_BASE_URL_OVERRIDE = helpdesk.url_for("").rstrip("/")
    team = TeamFactory(name="Southwind")
    admin = UserFactory(username="admin2")
    facilitator = UserFactory(username="fiona2", first_name="Fiona")
    reviewer = UserFactory(username="rahul2", first_name="Rahul")
    for user, role in (
        (admin, Role.ADMIN),
        (facilitator, Role.FACILITATOR),
        (reviewer, Role.REVIEWER),
    ):
        MembershipFactory(team=team, user=user, role=role)
    version = ScorecardVersionFactory(scorecard__team=team, scorecard__name="Phone QA")
    CriterionFactory(version=version, name="Empathy", position=0)
    helpdesk_services.connection_create(
        team=team,
        creator=admin,
        kind="intercom",
        site="us",
        auth=HelpdeskAuth.ACCESS_TOKEN,
        secret="ic-token",
    )

    # The facilitator brings the call's conversation in by its link on the session form.
    link = "https://app.intercom.com/a/inbox/abc123/inbox/conversation/215"
    page = person("fiona2")
    page.goto("/sessions/new/")
    page.get_by_label("Title").fill("Phone week 41")
    page.locator("summary", has_text="Bring in from helpdesk").click()
    page.get_by_label("Ticket or conversation links (or ids)").fill(link)
    page.get_by_label("Mask customer emails, phone numbers and card numbers").check()
    page.get_by_label("Rahul").check()
    page.get_by_role("button", name="Create session").click()
    page.wait_for_url("**/sessions/*/")
    session = CalibrationSession.objects.get(title="Phone week 41")

    # The reviewer reads the call: its summary with the recording link, then what was said.
    page = person("rahul2")
    page.goto(f"/sessions/{session.pk}/")
    thread = page.get_by_test_id("interaction").first
    expect(thread).to_contain_text("intercom:215")
    listen = thread.get_by_role("link", name="Listen to the recording")
    expect(listen).to_have_attribute("href", link)
    expect(thread).to_contain_text(
        "Inbound call, 1 min 33 s (completed). Recorded; transcript below."
    )
    expect(thread).to_contain_text(f"Call recording (plays in the Intercom conversation): {link}")
    said = thread.locator(".message", has_text="Call transcript")
    expect(said).to_have_count(4)
    expect(said.nth(0)).to_contain_text("Teammate 1")
    expect(said.nth(0)).to_contain_text("Hello, thanks for calling. How can I help today?")
    expect(said.nth(1)).to_contain_text("Customer")
    expect(said.nth(1)).to_contain_text("My refund has not arrived, card [card number].")
    expect(said.nth(3)).to_contain_text("Mail me at [email].")
    expect(thread).not_to_contain_text("4111")
    page.screenshot(path=f"{SHOTS}/4-call.png", full_page=True)
