"""Blindness holds in the admin and in JSON downloads too."""

import json

import pytest

from sessions import services

from .factories import SessionWorld, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "ADMIN-SECRET-COMMENT"


def scored_world():
    world = SessionWorld().start()
    world.score_all(world.reviewers[0], world.items[0], (0, 5, 2), comment=SECRET)
    world.submit(world.reviewers[0], world.items[0])
    return world


def test_non_staff_members_cannot_open_the_admin_score_list(client):
    world = scored_world()
    client.force_login(world.facilitator)

    response = client.get("/admin/calibration_sessions/score/", follow=True)

    assert SECRET not in response.content.decode()
    assert response.redirect_chain and "/admin/login/" in response.redirect_chain[-1][0]


def test_staff_see_blind_ratings_only_after_the_reveal(client):
    world = scored_world()
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    score = world.session.items.get(pk=world.items[0].pk).scores.get(criterion=world.numeric)

    before = client.get(f"/admin/calibration_sessions/score/{score.pk}/change/").content.decode()
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    after = client.get(f"/admin/calibration_sessions/score/{score.pk}/change/").content.decode()

    assert SECRET not in before and "hidden until the reveal" in before
    assert SECRET in after


def test_report_json_before_the_reveal_carries_no_values(client):
    world = scored_world()
    client.force_login(world.facilitator)

    response = client.get(f"/reports/sessions/{world.session.pk}/report.json")

    document = json.loads(response.content)
    assert document["statistics"] is None
    assert SECRET not in response.content.decode()


def test_summary_page_before_the_reveal_shows_no_one_elses_values(client):
    world = scored_world()
    client.force_login(world.facilitator)

    response = client.get(f"/sessions/{world.session.pk}/summary/")

    assert response.status_code == 200
    assert SECRET not in response.content.decode()


def test_an_error_message_never_repeats_a_rating():
    world = scored_world()

    with pytest.raises(services.SessionError) as error:
        services.score_save(
            session_id=world.session.pk,
            user=world.reviewers[1],
            item_id=world.items[0].pk,
            criterion_id=world.numeric.pk,
            value=9,
        )

    assert SECRET not in str(error.value)
    assert "9" in str(error.value)  # names the bad value the author sent, nobody else's


def test_staff_cannot_filter_blind_scores_by_value_or_comment(client):
    world = scored_world()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    by_value = client.get("/admin/calibration_sessions/score/?value=5")
    by_comment = client.get(f"/admin/calibration_sessions/score/?comment__contains={SECRET}")

    assert by_value.status_code == 400
    assert by_comment.status_code == 400
    assert world.session.pk  # the data exists; only the lookups are refused


def test_logout_clears_the_browsers_stored_drafts(client):
    world = scored_world()
    client.force_login(world.reviewers[0])

    response = client.post("/accounts/logout/")

    assert response["Clear-Site-Data"] == '"storage"'
