import json
import re

import pytest
from django.urls import reverse

from scorecards.models import Scorecard
from sessions.models import CalibrationSession, SessionKind
from sessions.services import reviewing
from teams.models import Role

from .factories import MembershipFactory, ScorecardFactory, UserFactory
from .review_builders import ReviewWorld

pytestmark = pytest.mark.django_db


def embedded_snapshot(html: str) -> dict:
    found = re.search(
        r'<script id="initial-snapshot" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(found.group(1))


def test_the_create_page_preselects_the_scorecard_it_was_linked_from(client):
    world = ReviewWorld()
    client.force_login(world.facilitator)
    scorecard = world.version.scorecard
    response = client.get(reverse("sessions:review_create") + f"?scorecard={scorecard.pk}")
    assert response.status_code == 200
    assert f'<option value="{scorecard.pk}" selected>' in response.content.decode()


def test_another_teams_scorecard_is_not_found(client):
    world = ReviewWorld()
    client.force_login(world.facilitator)
    foreign = ScorecardFactory()
    response = client.get(reverse("sessions:review_create") + f"?scorecard={foreign.pk}")
    assert response.status_code == 404


def test_creating_a_review_opens_its_lobby(client):
    world = ReviewWorld()
    client.force_login(world.facilitator)
    response = client.post(
        reverse("sessions:review_create"),
        {
            "title": "Spring review",
            "scorecard": world.version.scorecard_id,
            "reviewers": [user.pk for user in world.reviewers],
        },
    )
    session = CalibrationSession.objects.get(title="Spring review")
    assert session.kind == SessionKind.CRITERION_REVIEW
    assert response.status_code == 302
    assert response["Location"] == reverse("sessions:room", args=[session.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'id="review-room"' in page
    assert embedded_snapshot(page)["session"]["status_label"] == "Lobby"


def test_a_review_without_participants_is_refused_and_nothing_is_created(client):
    world = ReviewWorld()
    client.force_login(world.facilitator)
    before = CalibrationSession.objects.count()
    response = client.post(
        reverse("sessions:review_create"),
        {"title": "Empty", "scorecard": world.version.scorecard_id},
    )
    assert response.status_code == 400
    assert "Choose at least one participant" in response.content.decode()
    assert CalibrationSession.objects.count() == before


def test_a_scorecard_without_versions_is_refused_with_words(client):
    world = ReviewWorld()
    client.force_login(world.facilitator)
    empty = Scorecard.objects.create(team=world.team, name="Blank")
    response = client.post(
        reverse("sessions:review_create"),
        {"title": "Blank review", "scorecard": empty.pk, "reviewers": [world.reviewers[0].pk]},
    )
    assert response.status_code == 400
    assert "no criteria to review" in response.content.decode()


def test_reviewers_cannot_create_reviews(client):
    world = ReviewWorld()
    client.force_login(world.reviewers[0])
    response = client.get(reverse("sessions:review_create"))
    assert response.status_code == 403


def test_present_mode_and_summary_of_a_review_use_the_review_pages(client):
    world = ReviewWorld().start()
    client.force_login(world.facilitator)
    present = client.get(reverse("sessions:present", args=[world.session.pk])).content.decode()
    assert 'id="review-present"' in present
    reviewing.review_close(session_id=world.session.pk, actor=world.facilitator)
    room = client.get(reverse("sessions:room", args=[world.session.pk]))
    assert room["Location"] == reverse("sessions:summary", args=[world.session.pk])
    summary = client.get(room["Location"]).content.decode()
    assert "No decision changed the scorecard" in summary


def test_a_team_member_outside_the_review_reads_the_summary_not_the_room(client):
    world = ReviewWorld().start()
    member = UserFactory(username="member")
    MembershipFactory(team=world.team, user=member, role=Role.REVIEWER)
    client.force_login(member)
    assert client.get(reverse("sessions:room", args=[world.session.pk])).status_code == 403
    assert client.get(reverse("sessions:summary", args=[world.session.pk])).status_code == 200


def test_a_team_member_joins_a_running_review_with_its_link_and_may_answer(client):
    world = ReviewWorld().start()
    member = UserFactory(username="joiner")
    MembershipFactory(team=world.team, user=member, role=Role.REVIEWER)
    client.force_login(member)
    response = client.post(reverse("sessions:join", args=[world.session.join_code]))
    assert response["Location"] == reverse("sessions:room", args=[world.session.pk])
    frame = embedded_snapshot(client.get(response["Location"]).content.decode())
    assert frame["me"]["can_answer"] is True
    assert all(item["total"] == 3 for item in frame["items"])


def test_the_summary_shows_revealed_proposals_with_their_wording(client):
    world = ReviewWorld().start()
    world.answer(world.reviewers[0], world.items[0], proposal="change", new_wording="Ask twice")
    world.answer(world.reviewers[1], world.items[1], proposal="change", new_wording="Hidden one")
    world.reveal(world.items[0])
    client.force_login(world.reviewers[1])
    page = client.get(reverse("sessions:summary", args=[world.session.pk])).content.decode()
    assert "Wording: Ask twice" in page
    # Their own answer on the blind criterion is theirs to see; another's would not be.
    client.force_login(world.facilitator)
    page = client.get(reverse("sessions:summary", args=[world.session.pk])).content.decode()
    assert "Hidden one" not in page
