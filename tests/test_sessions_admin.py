"""Blindness holds in the admin and in JSON downloads too."""

import json

import pytest
from django.contrib.admin.models import LogEntry

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

    before = client.get(f"/admin/calibration_sessions/score/{score.pk}/change/", follow=True)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    after = client.get(f"/admin/calibration_sessions/score/{score.pk}/change/").content.decode()

    # Before the reveal the rating is not in the admin at all, as for an unknown id.
    assert SECRET not in before.content.decode() and before.redirect_chain
    assert "doesn’t exist" in before.content.decode()
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


# --- the admin goes through the one visibility function --------------------------------------

DRAFT_SECRET = "EXCLUDED-DRAFT-COMMENT"
UNREVEALED_SECRET = "UNREVEALED-COMMENT"


def excluded_draft_world(**options):
    """Reviewer 0 submits item 0; reviewer 1 saves drafts only; the facilitator reveals item 0
    excluding drafts. Reviewer 2 rates item 1, which stays unrevealed."""
    world = SessionWorld(**options).start()
    world.score_all(world.reviewers[0], world.items[0], (1, 4, 2), comment=SECRET)
    world.submit(world.reviewers[0], world.items[0])
    world.score_all(world.reviewers[1], world.items[0], (0, 1, 0), comment=DRAFT_SECRET)
    world.score_all(world.reviewers[2], world.items[1], (0, 2, 1), comment=UNREVEALED_SECRET)
    services.session_reveal(
        session_id=world.session.pk, actor=world.facilitator, item_id=world.items[0].pk
    )
    return world


def blind_scores(world):
    from sessions.models import Score

    return Score.objects.filter(item__session=world.session).exclude(
        participant__user=world.reviewers[0]
    )


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "query",
    ["", "?included__exact=0", "?included__exact=1", "?q=Rev1", "?q=Empathy", "?o=4"],
)
def test_admin_score_list_never_shows_excluded_drafts_or_unrevealed_ratings(
    superuser_client, query
):
    world = excluded_draft_world()

    response = superuser_client.get(f"/admin/calibration_sessions/score/{query}")

    page = response.content.decode()
    assert DRAFT_SECRET not in page and UNREVEALED_SECRET not in page
    if response.status_code == 200:
        listed = {score.pk for score in response.context["cl"].result_list}
        assert not listed & set(blind_scores(world).values_list("pk", flat=True))


def test_admin_score_list_shows_included_revealed_ratings(superuser_client):
    world = excluded_draft_world()

    response = superuser_client.get("/admin/calibration_sessions/score/")

    listed = {score.participant.user_id for score in response.context["cl"].result_list}
    assert listed == {world.reviewers[0].pk}
    assert SECRET in response.content.decode()


def test_admin_change_page_of_a_blind_rating_shows_nothing(superuser_client):
    world = excluded_draft_world()

    for score in blind_scores(world):
        response = superuser_client.get(
            f"/admin/calibration_sessions/score/{score.pk}/change/", follow=True
        )
        page = response.content.decode()
        assert DRAFT_SECRET not in page and UNREVEALED_SECRET not in page
        assert response.redirect_chain  # "doesn't exist", as for an unknown id


def test_admin_revision_and_history_pages_never_show_blind_ratings(superuser_client):
    world = excluded_draft_world()
    pages = ["/admin/calibration_sessions/revision/", "/admin/calibration_sessions/submission/"]
    pages += [f"/admin/calibration_sessions/score/{s.pk}/history/" for s in blind_scores(world)]

    for url in pages:
        page = superuser_client.get(url, follow=True).content.decode()
        assert DRAFT_SECRET not in page and UNREVEALED_SECRET not in page, url


def test_admin_names_anonymous_ratings_by_alias_only(superuser_client):
    world = excluded_draft_world(anonymous=True)
    author = world.session.participants.get(user=world.reviewers[0])

    listing = superuser_client.get("/admin/calibration_sessions/score/").content.decode()
    score = author.scores.first()
    change = superuser_client.get(
        f"/admin/calibration_sessions/score/{score.pk}/change/"
    ).content.decode()
    participants = superuser_client.get(
        f"/admin/calibration_sessions/participant/?session__id__exact={world.session.pk}"
    ).content.decode()
    by_name = superuser_client.get(
        f"/admin/calibration_sessions/score/?q={world.reviewers[0].username}"
    )

    for page in (listing, change):
        assert author.alias in page
        assert world.reviewers[0].username not in page
        assert world.reviewers[0].get_full_name() not in page
    assert author.alias not in participants  # the names list never pairs a name with an alias
    assert not [s for s in by_name.context["cl"].result_list if s.item.session.anonymous]


# --- a superuser cannot edit a blind rating ----------------------------------------------------


def _snapshot(queryset):
    return list(queryset.order_by("pk").values("pk", "value", "is_na", "comment", "included"))


def test_superuser_cannot_change_a_blind_rating_through_the_admin(superuser_client):
    world = excluded_draft_world()
    before = _snapshot(blind_scores(world))

    for score in blind_scores(world):
        superuser_client.post(
            f"/admin/calibration_sessions/score/{score.pk}/change/",
            {"value": 5, "comment": "forged", "included": "on", "is_na": ""},
        )
        superuser_client.post(
            f"/admin/calibration_sessions/score/{score.pk}/delete/", {"post": "yes"}
        )
    superuser_client.post(
        "/admin/calibration_sessions/score/",
        {
            "action": "delete_selected",
            "_selected_action": [s.pk for s in blind_scores(world)],
            "post": "yes",
        },
    )

    assert _snapshot(blind_scores(world)) == before
    trail = " ".join(LogEntry.objects.values_list("change_message", flat=True))
    assert DRAFT_SECRET not in trail and UNREVEALED_SECRET not in trail


def test_superuser_sees_a_revealed_rating_read_only(superuser_client):
    world = excluded_draft_world()
    score = world.session.participants.get(user=world.reviewers[0]).scores.first()
    before = _snapshot(type(score).objects.filter(pk=score.pk))

    page = superuser_client.get(f"/admin/calibration_sessions/score/{score.pk}/change/")
    superuser_client.post(
        f"/admin/calibration_sessions/score/{score.pk}/change/", {"comment": "forged"}
    )

    assert page.status_code == 200
    assert 'name="comment"' not in page.content.decode()
    assert _snapshot(type(score).objects.filter(pk=score.pk)) == before


def test_a_superuser_cannot_take_over_a_reviewers_blind_ratings(superuser_client):
    """Reassigning a participant to oneself would make their blind ratings one's "own"."""
    world = excluded_draft_world()
    participant = world.session.participants.get(user=world.reviewers[2])
    root = superuser_client.session["_auth_user_id"]

    page = superuser_client.get(f"/admin/calibration_sessions/participant/{participant.pk}/change/")
    superuser_client.post(
        f"/admin/calibration_sessions/participant/{participant.pk}/change/",
        {"session": world.session.pk, "user": root, "role": "reviewer"},
    )
    listing = superuser_client.get("/admin/calibration_sessions/score/").content.decode()

    participant.refresh_from_db()
    assert participant.user == world.reviewers[2]
    assert 'name="user"' not in page.content.decode()
    assert UNREVEALED_SECRET not in listing


def test_an_anonymous_session_stays_anonymous_once_scoring_started(superuser_client):
    world = excluded_draft_world(anonymous=True)

    page = superuser_client.get(
        f"/admin/calibration_sessions/calibrationsession/{world.session.pk}/change/"
    ).content.decode()

    assert 'name="anonymous"' not in page


def test_a_superuser_cannot_record_a_consensus_for_an_unrevealed_interaction(superuser_client):
    from sessions.models import Consensus

    world = excluded_draft_world()

    add_page = superuser_client.get("/admin/calibration_sessions/consensus/add/")
    superuser_client.post(
        "/admin/calibration_sessions/consensus/add/",
        {
            "item": world.items[1].pk,
            "criterion": world.numeric.pk,
            "value": 3,
            "note": "forged",
        },
    )

    assert add_page.status_code == 403
    assert not Consensus.objects.exists()


def test_a_closed_sessions_fields_and_rows_are_read_only_but_its_title(superuser_client):
    """Its report summaries were written at the close: a moved date, team or role would leave
    them wrong, so the admin shows them without an input."""
    world = SessionWorld(reviewers=2, interactions=1).start()
    for user in world.reviewers:
        world.score_all(user, world.items[0], (1, 4, 1))
        world.submit(user, world.items[0])
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    services.session_close(session_id=world.session.pk, actor=world.facilitator)
    url = f"/admin/calibration_sessions/calibrationsession/{world.session.pk}/change/"

    page = superuser_client.get(url).content.decode()

    assert 'name="title"' in page
    for field in ["held_on_date", "team", "status", "scorecard_version", "criteria", "kind"]:
        assert f'name="{field}"' not in page
    assert 'name="participants-0-role"' not in page
    assert 'name="items-0-position"' not in page
    participant = world.session.participants.get(user=world.reviewers[0])
    participant_page = superuser_client.get(
        f"/admin/calibration_sessions/participant/{participant.pk}/change/"
    ).content.decode()
    assert 'name="role"' not in participant_page
