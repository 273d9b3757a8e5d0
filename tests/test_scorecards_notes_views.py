"""The scorecard page's calibration notes: listed, superseded, restored and folded, by
facilitators and admins of the team only."""

import pytest
from django.urls import reverse

from scorecards.models import CalibrationNote
from sessions import services
from teams.models import Role

from .factories import MembershipFactory, SessionWorld

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"scorecards:{name}", args=args)


@pytest.fixture
def world():
    world = SessionWorld().start()
    for reviewer in world.reviewers:
        world.score_all(reviewer, world.items[0], (1, 4, 2), comment="private-comment")
        world.submit(reviewer, world.items[0])
    services.session_reveal(
        session_id=world.session.pk, actor=world.facilitator, item_id=world.items[0].pk
    )
    services.consensus_save(
        session_id=world.session.pk,
        actor=world.facilitator,
        item_id=world.items[0].pk,
        criterion_id=world.numeric.pk,
        value=4,
        note="Four when the apology names the problem.",
    )
    world.scorecard = world.version.scorecard
    world.note = CalibrationNote.objects.get()
    return world


def login(client, world, role):
    user = world.facilitator if role == Role.FACILITATOR else None
    if user is None:
        user = MembershipFactory(team=world.team, role=role).user
    client.force_login(user)
    return user


def test_the_scorecard_page_lists_a_criterions_notes_with_session_date_and_example(client, world):
    login(client, world, Role.REVIEWER)

    page = client.get(url("detail", world.scorecard.pk)).content.decode()

    assert "Four when the apology names the problem." in page
    assert "Weekly calibration" in page
    assert world.note.recorded_at.strftime("%-d %b %Y") in page
    assert str(world.items[0].interaction) in page
    assert "rated <strong>4</strong>" in page
    assert "private-comment" not in page
    assert "Mark as superseded" not in page  # reviewers read, they do not change


def test_notes_are_listed_newest_first(client, world):
    services.session_reveal(
        session_id=world.session.pk, actor=world.facilitator, item_id=world.items[1].pk
    )
    services.consensus_save(
        session_id=world.session.pk,
        actor=world.facilitator,
        item_id=world.items[1].pk,
        criterion_id=world.numeric.pk,
        value=2,
        note="A later reading.",
    )
    login(client, world, Role.FACILITATOR)

    page = client.get(url("detail", world.scorecard.pk)).content.decode()

    assert page.index("A later reading.") < page.index("Four when the apology")


def test_a_facilitator_supersedes_a_note_and_it_stays_listed_struck_through(client, world):
    login(client, world, Role.FACILITATOR)

    response = client.post(url("note_supersede", world.scorecard.pk, world.note.pk))

    assert response.status_code == 302
    world.note.refresh_from_db()
    assert world.note.is_superseded
    page = client.get(url("detail", world.scorecard.pk)).content.decode()
    assert "<del>Four when the apology names the problem.</del>" in page
    assert "Superseded notes" in page

    client.post(url("note_restore", world.scorecard.pk, world.note.pk))
    world.note.refresh_from_db()
    assert not world.note.is_superseded


def test_an_admin_may_supersede_too(client, world):
    login(client, world, Role.ADMIN)

    client.post(url("note_supersede", world.scorecard.pk, world.note.pk))

    world.note.refresh_from_db()
    assert world.note.is_superseded


def test_superseding_twice_says_so_and_changes_nothing(client, world):
    login(client, world, Role.FACILITATOR)
    client.post(url("note_supersede", world.scorecard.pk, world.note.pk))
    world.note.refresh_from_db()
    first = world.note.superseded_at

    response = client.post(url("note_supersede", world.scorecard.pk, world.note.pk), follow=True)

    assert "already superseded" in response.content.decode()
    world.note.refresh_from_db()
    assert world.note.superseded_at == first


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.MANAGER])
def test_readers_get_403_and_change_nothing(client, world, role):
    login(client, world, role)
    key = world.numeric.key
    posts = [
        url("note_supersede", world.scorecard.pk, world.note.pk),
        url("note_restore", world.scorecard.pk, world.note.pk),
        url("notes_fold", world.scorecard.pk, key),
    ]

    statuses = [client.post(path, {"notes": [world.note.pk]}).status_code for path in posts]

    assert statuses == [403, 403, 403]
    assert client.get(url("notes_fold", world.scorecard.pk, key)).status_code == 403
    world.note.refresh_from_db()
    assert not world.note.is_superseded
    assert world.scorecard.versions.count() == 1


def test_another_teams_note_is_not_found(client, world):
    other = SessionWorld()
    client.force_login(other.facilitator)

    own_scorecard_other_note = url("note_supersede", other.version.scorecard.pk, world.note.pk)
    other_scorecard = url("note_supersede", world.scorecard.pk, world.note.pk)

    assert client.post(own_scorecard_other_note).status_code == 404
    assert client.post(other_scorecard).status_code == 404
    assert client.post(url("note_supersede", world.scorecard.pk, 999999)).status_code == 404
    world.note.refresh_from_db()
    assert not world.note.is_superseded


def test_supersede_is_post_only(client, world):
    login(client, world, Role.FACILITATOR)

    assert client.get(url("note_supersede", world.scorecard.pk, world.note.pk)).status_code == 405


# --- folding ---------------------------------------------------------------------------------


def test_the_fold_form_offers_the_open_notes_and_the_current_guidance(client, world):
    login(client, world, Role.FACILITATOR)

    page = client.get(url("notes_fold", world.scorecard.pk, world.numeric.key)).content.decode()

    assert "Four when the apology names the problem." in page
    assert f'value="{world.note.pk}"' in page
    assert "starts a new version" in page


def test_folding_starts_a_new_version_with_its_changelog_and_supersedes_the_note(client, world):
    login(client, world, Role.FACILITATOR)

    response = client.post(
        url("notes_fold", world.scorecard.pk, world.numeric.key),
        {
            "notes": [world.note.pk],
            "guidance_right": "Names the problem in the apology.",
            "guidance_wrong": "",
        },
    )

    assert response.status_code == 302
    version = world.scorecard.versions.order_by("-number").first()
    assert version.number == 2
    assert version.criteria.get(key=world.numeric.key).guidance_right == (
        "Names the problem in the apology."
    )
    assert "“Empathy”: folded 1 calibration note from “Weekly calibration”" in version.changes
    world.note.refresh_from_db()
    assert world.note.folded_into == version
    page = client.get(url("detail", world.scorecard.pk)).content.decode()
    assert "folded into version 2" in page
    assert "folded 1 calibration note" in page  # the version history


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"guidance_right": "New words"}, "Choose the notes to fold"),
        ({"notes": ["abc"], "guidance_right": "New words"}, "Select a valid choice"),
        ({"notes": ["999999"], "guidance_right": "New words"}, "Select a valid choice"),
        ({"notes": ["NOTE"], "guidance_right": ""}, "The guidance is unchanged"),
    ],
)
def test_bad_fold_input_is_a_clear_form_error_and_changes_nothing(client, world, data, message):
    login(client, world, Role.FACILITATOR)
    if data.get("notes") == ["NOTE"]:
        data = {**data, "notes": [world.note.pk]}

    response = client.post(url("notes_fold", world.scorecard.pk, world.numeric.key), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert world.scorecard.versions.count() == 1
    world.note.refresh_from_db()
    assert not world.note.is_superseded


def test_a_note_of_another_criterion_is_not_offered_for_folding(client, world):
    login(client, world, Role.FACILITATOR)

    response = client.post(
        url("notes_fold", world.scorecard.pk, world.labels.key),
        {"notes": [world.note.pk], "guidance_right": "Words"},
    )

    assert response.status_code == 400
    assert "This criterion has no open calibration notes." in response.content.decode()
    assert world.scorecard.versions.count() == 1
    world.note.refresh_from_db()
    assert not world.note.is_superseded
