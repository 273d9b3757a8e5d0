"""The foundation pages in a real browser: scorecards, interactions, team and team switching.

Each test drives headless Chromium against the live daphne server and asserts what a person
sees, found the way they would find it (roles, labels, text).
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from interactions.models import Interaction, Message
from scorecards.models import Criterion
from teams.models import Membership, Role

from .factories import (
    CriterionFactory,
    InteractionFactory,
    MembershipFactory,
    ScorecardVersionFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CSV = REPO_ROOT / "examples" / "interactions.csv"


def member(team, username, role, **names):
    user = UserFactory(username=username, **names)
    MembershipFactory(team=team, user=user, role=role)
    return user


def criterion_names(page):
    return page.locator(".sc-criterion-name").all_inner_texts()


def criterion_row(page, name):
    return page.locator(".criterion-row").filter(
        has=page.get_by_role("heading", name=name, exact=True)
    )


def add_criterion(page, name, kind, **scale):
    page.get_by_role("link", name="Add criterion").click()
    expect(page.get_by_role("heading", name="Add a criterion")).to_be_visible()
    page.get_by_label(re.compile(r"^Name\b")).fill(name)  # required: "Name *"
    page.locator("#id_scale_kind").select_option(kind)
    if "points" in scale:
        page.get_by_label("Points", exact=True).fill(str(scale["points"]))
    if "labels" in scale:
        page.get_by_label("Labels", exact=True).fill("\n".join(scale["labels"]))
    if "fail" in scale:
        page.get_by_label("Fail values", exact=True).fill(scale["fail"])
    page.get_by_role("button", name="Add criterion").click()
    expect(page.get_by_role("status")).to_contain_text(f"Added “{name}”.")


def test_facilitator_logs_in_creates_a_scorecard_with_three_scales(new_page, login):
    team = TeamFactory(name="Support EU")
    member(team, "fiona", Role.FACILITATOR, first_name="Fiona")
    page = new_page()
    login(page, "fiona")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Scorecards").click()
    expect(page.get_by_role("heading", name="No scorecards yet")).to_be_visible()
    page.get_by_role("link", name="New scorecard").first.click()
    page.get_by_label("Name").fill("Chat quality")
    page.get_by_label("Description").fill("Live chat, EU team.")
    page.get_by_role("button", name="Create scorecard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chat quality")
    expect(page.get_by_role("status")).to_contain_text("Scorecard “Chat quality” created.")
    expect(page.get_by_role("heading", name="No criteria yet")).to_be_visible()

    # The scale inputs follow the chosen kind: a pass / fail scale has no points or labels.
    page.get_by_role("link", name="Add criterion").click()
    page.locator("#id_scale_kind").select_option("binary")
    expect(page.get_by_label("Points", exact=True)).to_be_hidden()
    expect(page.get_by_label("Fail values", exact=True)).to_be_hidden()
    page.locator("#id_scale_kind").select_option("labels")
    expect(page.get_by_label("Labels", exact=True)).to_be_visible()
    page.get_by_role("link", name="Cancel").click()

    add_criterion(page, "Verified identity", "binary")
    add_criterion(page, "Empathy", "numeric", points=5, fail="1, 2")
    add_criterion(page, "Resolution", "labels", labels=["Missed", "Partly", "Fully"], fail="Missed")

    assert criterion_names(page) == ["Verified identity", "Empathy", "Resolution"]
    expect(page.get_by_text("3 active criteria")).to_be_visible()
    binary = criterion_row(page, "Verified identity")
    expect(binary.locator("dd").nth(0)).to_have_text("Pass / fail")
    expect(binary.locator("dd").nth(1)).to_have_text("Fail")
    numeric = criterion_row(page, "Empathy")
    expect(numeric.locator("dd").nth(0)).to_have_text("1–5")
    expect(numeric.locator("dd").nth(1)).to_have_text("1, 2")
    labels = criterion_row(page, "Resolution")
    expect(labels.locator("dd").nth(0)).to_have_text("Missed / Partly / Fully (ordered)")
    expect(labels.locator("dd").nth(1)).to_have_text("Missed")

    # The first criterion cannot move up; the last one moves up with the ↑ button.
    expect(page.get_by_role("button", name="Move “Verified identity” up")).to_be_disabled()
    page.get_by_role("button", name="Move “Resolution” up").click()
    expect(page.get_by_role("status")).to_contain_text("Moved the criterion.")
    assert criterion_names(page) == ["Verified identity", "Resolution", "Empathy"]
    expect(page.get_by_role("button", name="Move “Empathy” down")).to_be_disabled()

    history = page.get_by_role("region", name="Version history")
    expect(history).to_be_visible()
    expect(history.get_by_text("Version 1", exact=True)).to_be_visible()
    expect(history.get_by_text("current", exact=True)).to_be_visible()
    positions = list(
        Criterion.objects.filter(version__scorecard__name="Chat quality")
        .order_by("position")
        .values_list("name", flat=True)
    )
    assert positions == ["Verified identity", "Resolution", "Empathy"]


def test_facilitator_imports_interactions_and_opens_one(new_page, login):
    team = TeamFactory(name="Support EU")
    member(team, "fiona", Role.FACILITATOR)
    page = new_page()
    login(page, "fiona")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Interactions").click()
    expect(page.get_by_role("heading", name="No interactions yet")).to_be_visible()
    page.get_by_role("link", name="Import interactions").click()
    expect(page.get_by_role("heading", name="Import interactions")).to_be_visible()
    page.get_by_label("File (.json, .csv or a Zendesk .json export)").set_input_files(EXAMPLE_CSV)
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Imported interactions.csv: 4 interactions read: 4 created, 0 updated, 0 unchanged."
    )
    expect(page.get_by_text("4 interactions", exact=True)).to_be_visible()
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(4)
    for external_id in ("ZD-51842", "CHAT-90551", "CALL-7781", "EXP-2026-031"):
        expect(page.get_by_role("link", name=external_id)).to_be_visible()

    page.get_by_label("Channel").select_option(label="Phone call")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 interaction matches", exact=True)).to_be_visible()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Cancel contract before renewal")
    expect(page.get_by_role("link", name="ZD-51842")).to_have_count(0)

    page.get_by_role("link", name="CALL-7781").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel contract before renewal")
    recording = page.get_by_role("link", name="▶ Listen to the recording ↗")
    expect(recording).to_have_attribute(
        "href", "https://recordings.example.com/calls/2026/10/09/CALL-7781.mp3"
    )
    expect(page.locator(".transcript")).to_contain_text("Agent offered a downgrade to 3 seats")

    page.get_by_role("link", name="← Interactions").click()
    page.get_by_role("link", name="ZD-51842").click()
    expect(page.get_by_role("heading", name="Email thread")).to_be_visible()
    messages = page.locator(".conversation .message")
    expect(messages).to_have_count(4)
    expect(messages.first.locator(".message-meta")).to_contain_text("Anna Berg")
    expect(messages.first.locator(".message-body")).to_contain_text(
        "I was charged twice for my October subscription"
    )
    expect(messages.nth(1).locator(".message-meta")).to_contain_text("Sam Ortiz")
    expect(messages.nth(1).locator(".message-body")).to_contain_text("I have refunded €49")


def test_import_with_a_bad_row_shows_row_errors_and_imports_nothing(new_page, login, tmp_path):
    team = TeamFactory(name="Support EU")
    member(team, "fiona", Role.FACILITATOR)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "external_id,channel,subject,message_author,message_role,message_body\n"
        "T-1,email,Refund,Anna,customer,Hello\n"
        "T-2,carrier pigeon,Lost parcel,Ben,customer,Where is it?\n",
        encoding="utf-8",
    )
    page = new_page()
    login(page, "fiona")

    page.goto("/interactions/import/")
    page.get_by_label("File (.json, .csv or a Zendesk .json export)").set_input_files(bad)
    page.get_by_role("button", name="Import").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Nothing was imported: 1 problem in the file.")
    expect(alert.get_by_role("listitem")).to_have_count(1)
    expect(alert.get_by_role("listitem")).to_contain_text(
        re.compile(r"row 3, column 'channel': Unknown channel 'carrier pigeon'")
    )
    assert not Interaction.objects.exists()
    assert not Message.objects.exists()

    page.get_by_role("link", name="← Interactions").click()
    expect(page.get_by_role("heading", name="No interactions yet")).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)


def test_reviewer_cannot_see_edit_buttons_and_foreign_ids_are_404(new_page, login):
    team = TeamFactory(name="Support EU")
    member(team, "rahul", Role.REVIEWER)
    version = ScorecardVersionFactory(scorecard__team=team, scorecard__name="Email quality")
    CriterionFactory(version=version, name="Greeting")
    other_version = ScorecardVersionFactory(scorecard__name="Secret rubric")
    other_interaction = InteractionFactory(subject="Someone else's ticket")
    page = new_page()
    login(page, "rahul")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Scorecards").click()
    expect(page.get_by_role("link", name="Email quality")).to_be_visible()
    expect(page.get_by_role("link", name="Secret rubric")).to_have_count(0)
    expect(page.get_by_role("link", name="New scorecard")).to_have_count(0)
    expect(page.get_by_role("link", name="Import")).to_have_count(0)

    page.get_by_role("link", name="Email quality").click()
    expect(page.get_by_role("heading", name="Greeting")).to_be_visible()
    expect(page.get_by_role("link", name="Add criterion")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit details")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Move|Retire"))).to_have_count(0)

    response = page.goto(f"/scorecards/{other_version.scorecard.pk}/")
    assert response.status == 404
    expect(page.get_by_text("Secret rubric")).to_have_count(0)
    response = page.goto(f"/interactions/{other_interaction.pk}/")
    assert response.status == 404
    expect(page.get_by_text("Someone else's ticket")).to_have_count(0)
    response = page.goto("/scorecards/new/")
    assert response.status == 403


def test_team_admin_adds_a_member_and_changes_a_role(new_page, login):
    team = TeamFactory(name="Support EU")
    member(team, "alex", Role.ADMIN, first_name="Alex", last_name="Admin")
    page = new_page()
    login(page, "alex")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Support EU")
    expect(page.get_by_text("1 member", exact=True)).to_be_visible()

    add = page.get_by_role("region", name="Add a member")
    add.get_by_label("Username", exact=True).fill("nina")
    add.get_by_label("Role", exact=True).select_option(label="Reviewer")
    add.get_by_label("First name").fill("Nina")
    add.get_by_label("Last name").fill("Novak")
    add.get_by_label("Password", exact=True).fill("a-long-password")
    add.get_by_role("button", name="Add member").click()

    expect(page.get_by_role("status")).to_contain_text("nina joined Support EU.")
    expect(page.get_by_text("2 members", exact=True)).to_be_visible()
    nina_row = page.get_by_role("row").filter(has_text="Nina Novak")
    expect(nina_row).to_contain_text("nina")
    role = page.get_by_label("Role of nina")
    expect(role).to_have_value(Role.REVIEWER)

    role.select_option(label="Facilitator")  # submits on change
    expect(page.get_by_role("status")).to_contain_text("nina is now Facilitator.")
    expect(page.get_by_label("Role of nina")).to_have_value(Role.FACILITATOR)
    assert Membership.objects.get(team=team, user__username="nina").role == Role.FACILITATOR


def test_team_switcher_changes_the_current_team(new_page, login):
    alpha = TeamFactory(name="Alpha support")
    bravo = TeamFactory(name="Bravo support")
    user = member(alpha, "sam", Role.REVIEWER)
    MembershipFactory(team=bravo, user=user, role=Role.FACILITATOR)
    ScorecardVersionFactory(scorecard__team=alpha, scorecard__name="Alpha rubric")
    ScorecardVersionFactory(scorecard__team=bravo, scorecard__name="Bravo rubric")
    page = new_page()
    login(page, "sam")

    switcher = page.get_by_label("Team", exact=True)
    expect(switcher.locator("option:checked")).to_have_text("Alpha support")
    expect(page.locator(".user-name")).to_contain_text("Reviewer")
    page.goto("/scorecards/")
    expect(page.get_by_role("link", name="Alpha rubric")).to_be_visible()
    expect(page.get_by_role("link", name="Bravo rubric")).to_have_count(0)

    switcher.select_option(label="Bravo support")  # submits on change, lands on the home page
    expect(page.get_by_role("heading", name="Calibration sessions")).to_be_visible()
    expect(switcher.locator("option:checked")).to_have_text("Bravo support")
    expect(page.locator(".user-name")).to_contain_text("Facilitator")
    expect(page.get_by_role("link", name="New session")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Scorecards").click()
    expect(page.get_by_role("link", name="Bravo rubric")).to_be_visible()
    expect(page.get_by_role("link", name="Alpha rubric")).to_have_count(0)
    expect(page.get_by_role("link", name="New scorecard")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bravo support")


def test_arrow_keys_on_a_role_select_do_not_save_until_enter(new_page, login):
    team = TeamFactory(name="Support EU")
    member(team, "alex", Role.ADMIN)
    member(team, "nina", Role.REVIEWER)
    page = new_page()
    login(page, "alex")
    page.goto("/team/")

    role = page.get_by_label("Role of nina")
    role.focus()
    page.keyboard.press("ArrowDown")  # Reviewer → Manager, only a step through the list
    page.wait_for_timeout(500)
    expect(page.get_by_role("status")).to_have_count(0)
    assert Membership.objects.get(team=team, user__username="nina").role == Role.REVIEWER

    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("nina is now Manager.")
    assert Membership.objects.get(team=team, user__username="nina").role == Role.MANAGER

    role = page.get_by_label("Role of nina")
    role.focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Tab")  # leaving the select with a new value saves it
    expect(page.get_by_role("status")).to_contain_text("nina is now Reviewer.")
