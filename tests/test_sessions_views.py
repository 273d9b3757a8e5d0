import csv
import io
from dataclasses import dataclass

import pytest
from django.urls import reverse

from interactions.models import Channel, Interaction
from scorecards.scales import ScaleKind
from sessions import services
from sessions.models import (
    CalibrationSession,
    Participant,
    ParticipantRole,
    SessionSource,
    SessionStatus,
    SessionTemplate,
)
from teams.models import Role
from tests.factories import (
    CriterionFactory,
    InteractionFactory,
    MembershipFactory,
    ScorecardVersionFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@dataclass
class Setup:
    team: object
    facilitator: object
    reviewers: list
    version: object
    criteria: list
    interactions: list


@pytest.fixture
def setup():
    team = TeamFactory()
    facilitator = MembershipFactory(team=team, role=Role.FACILITATOR).user
    reviewers = [MembershipFactory(team=team, role=Role.REVIEWER).user for _ in range(2)]
    version = ScorecardVersionFactory(scorecard__team=team)
    criteria = [
        CriterionFactory(version=version, name="Empathy"),
        CriterionFactory(
            version=version,
            name="Correct resolution",
            scale_kind=ScaleKind.BINARY,
            scale_points=None,
            fail_values=[0],
            critical=True,
        ),
    ]
    interactions = [
        InteractionFactory(team=team, subject=f"Billing question {n}") for n in range(4)
    ]
    return Setup(team, facilitator, reviewers, version, criteria, interactions)


def make_session(setup, *, title="Weekly calibration", interactions=None, reviewers=None):
    return services.session_create(
        team=setup.team,
        facilitator=setup.facilitator,
        title=title,
        scorecard_version=setup.version,
        interactions=interactions or setup.interactions[:2],
        reviewers=setup.reviewers if reviewers is None else reviewers,
    )


def create_data(setup, **overrides):
    data = {
        "title": "October calibration",
        "scorecard": setup.version.scorecard.pk,
        "interactions": [setup.interactions[0].pk, setup.interactions[1].pk],
        "reviewers": [user.pk for user in setup.reviewers],
        "sample_size": "",
        "sample_channel": "",
        "paste_channel": Channel.EMAIL,
        "timer_minutes": "",
    }
    data.update(overrides)
    return data


# --- list --------------------------------------------------------------------------------


def test_list_shows_only_sessions_of_the_current_team(client, setup):
    make_session(setup, title="Our own session")
    other = TeamFactory()
    other_version = ScorecardVersionFactory(scorecard__team=other)
    CriterionFactory(version=other_version)
    other_facilitator = MembershipFactory(team=other, role=Role.FACILITATOR).user
    services.session_create(
        team=other,
        facilitator=other_facilitator,
        title="Their secret session",
        scorecard_version=other_version,
        interactions=[InteractionFactory(team=other)],
        reviewers=[],
        options=services.SessionOptions(facilitator_scores=True),
    )
    client.force_login(setup.reviewers[0])

    response = client.get(reverse("sessions:list"))

    assert response.status_code == 200
    assert "Our own session" in response.content.decode()
    assert "Their secret session" not in response.content.decode()


def test_list_links_closed_sessions_to_their_summary_and_marks_imports(client, setup):
    session = make_session(setup, title="Closed one")
    CalibrationSession.objects.filter(pk=session.pk).update(
        status=SessionStatus.CLOSED, source=SessionSource.IMPORT
    )
    client.force_login(setup.facilitator)

    page = client.get(reverse("sessions:list")).content.decode()

    assert reverse("sessions:summary", args=[session.pk]) in page
    assert "Imported" in page
    assert "badge-status-closed" in page


def test_list_offers_new_session_to_facilitators_only(client, setup):
    client.force_login(setup.facilitator)
    assert reverse("sessions:create") in client.get(reverse("sessions:list")).content.decode()

    client.force_login(setup.reviewers[0])
    assert reverse("sessions:create") not in client.get(reverse("sessions:list")).content.decode()


def test_list_query_count_does_not_grow_with_sessions(client, setup, django_assert_max_num_queries):
    SessionTemplate.objects.create(
        team=setup.team, name="Weekly", scorecard=setup.version.scorecard
    )
    client.force_login(setup.facilitator)
    for n in range(12):
        make_session(setup, title=f"Session {n}")

    with django_assert_max_num_queries(8):
        response = client.get(reverse("sessions:list"))

    assert response.content.decode().count("badge-status-draft") == 12


# --- create ------------------------------------------------------------------------------


def test_create_page_opens_for_a_facilitator(client, setup):
    client.force_login(setup.facilitator)

    response = client.get(reverse("sessions:create"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Billing question 0" in page
    assert "Empathy" in page
    assert "Create session" in page


def test_create_page_is_forbidden_for_a_reviewer(client, setup):
    client.force_login(setup.reviewers[0])

    assert client.get(reverse("sessions:create")).status_code == 403
    assert client.post(reverse("sessions:create"), create_data(setup)).status_code == 403
    assert not CalibrationSession.objects.exists()


def test_create_makes_the_session_and_redirects_to_its_room(client, setup):
    client.force_login(setup.facilitator)

    response = client.post(
        reverse("sessions:create"),
        create_data(setup, criteria=[setup.criteria[0].pk], anonymous="on"),
    )

    session = CalibrationSession.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("sessions:room", args=[session.pk])
    assert session.title == "October calibration"
    assert session.anonymous is True
    assert {item.interaction for item in session.items.all()} == set(setup.interactions[:2])
    assert list(session.criteria.all()) == [setup.criteria[0]]
    roles = dict(session.participants.values_list("user_id", "role"))
    assert roles == {
        setup.facilitator.pk: ParticipantRole.FACILITATOR,
        setup.reviewers[0].pk: ParticipantRole.REVIEWER,
        setup.reviewers[1].pk: ParticipantRole.REVIEWER,
    }


def test_create_without_interactions_shows_the_error_and_creates_nothing(client, setup):
    client.force_login(setup.facilitator)

    response = client.post(reverse("sessions:create"), create_data(setup, interactions=[]))

    assert response.status_code == 400
    page = response.content.decode()
    assert "errors-box" in page
    assert "Choose at least one interaction: pick, sample or paste one." in page
    assert not CalibrationSession.objects.exists()


def test_create_with_a_domain_error_keeps_the_form_and_creates_nothing(client, setup):
    client.force_login(setup.facilitator)

    response = client.post(reverse("sessions:create"), create_data(setup, reviewers=[]))

    assert response.status_code == 400
    assert "Choose at least one reviewer" in response.content.decode()
    assert not CalibrationSession.objects.exists()


def test_create_with_a_pasted_conversation_creates_the_interaction_too(client, setup):
    client.force_login(setup.facilitator)
    conversation = (
        "Dana (customer) [2026-10-02 09:14]: My parcel never arrived.\n"
        "Sam (agent) [2026-10-02 09:20]: Sorry about that, I am sending a new one today."
    )

    response = client.post(
        reverse("sessions:create"),
        create_data(
            setup,
            interactions=[],
            paste_channel=Channel.CHAT,
            paste_subject="Lost parcel",
            paste_conversation=conversation,
        ),
    )

    assert response.status_code == 302
    pasted = Interaction.objects.get(subject="Lost parcel")
    assert pasted.team == setup.team
    assert pasted.channel == Channel.CHAT
    assert pasted.messages.count() == 2
    session = CalibrationSession.objects.get()
    assert [item.interaction for item in session.items.all()] == [pasted]


def test_create_with_a_bad_pasted_conversation_creates_nothing(client, setup):
    client.force_login(setup.facilitator)
    before = Interaction.objects.count()

    response = client.post(
        reverse("sessions:create"),
        create_data(setup, paste_url="not a link at all", paste_conversation=""),
    )

    assert response.status_code == 400
    assert not CalibrationSession.objects.exists()
    assert Interaction.objects.count() == before


def test_create_with_a_random_sample_picks_that_many(client, setup):
    client.force_login(setup.facilitator)

    response = client.post(
        reverse("sessions:create"),
        create_data(setup, interactions=[setup.interactions[0].pk], sample_size="2"),
    )

    assert response.status_code == 302
    session = CalibrationSession.objects.get()
    picked = [item.interaction for item in session.items.all()]
    assert len(picked) == 3
    assert picked[0] == setup.interactions[0]
    assert len(set(picked)) == 3
    assert all(interaction.team == setup.team for interaction in picked)


# --- joining -----------------------------------------------------------------------------


def test_join_page_asks_to_confirm_and_post_makes_a_participant(client, setup):
    session = make_session(setup, reviewers=[setup.reviewers[0]])
    newcomer = setup.reviewers[1]
    client.force_login(newcomer)

    page = client.get(reverse("sessions:join", args=[session.join_code]))

    assert page.status_code == 200
    assert f"Join “{session.title}” as a reviewer?" in page.content.decode()
    assert not Participant.objects.filter(session=session, user=newcomer).exists()

    response = client.post(reverse("sessions:join", args=[session.join_code]))

    assert response.status_code == 302
    assert response.url == reverse("sessions:room", args=[session.pk])
    participant = Participant.objects.get(session=session, user=newcomer)
    assert participant.role == ParticipantRole.REVIEWER


def test_join_code_form_redirects_to_the_join_page(client, setup):
    session = make_session(setup)
    client.force_login(setup.reviewers[0])

    response = client.post(reverse("sessions:join_code"), {"code": session.join_code.lower()})

    assert response.status_code == 302
    assert response.url == reverse("sessions:join", args=[session.join_code])


def test_a_user_of_another_team_cannot_join(client, setup):
    session = make_session(setup)
    stranger = MembershipFactory(role=Role.REVIEWER).user
    client.force_login(stranger)

    page = client.get(reverse("sessions:join", args=[session.join_code]))
    posted = client.post(reverse("sessions:join", args=[session.join_code]))

    assert page.status_code == 404
    assert "You cannot join this session" in page.content.decode()
    assert session.title not in page.content.decode()
    # The same answer as an unknown code: a code's existence is not confirmed across teams.
    assert posted.status_code == 404
    assert "not valid for your teams" in posted.content.decode()
    assert session.title not in posted.content.decode()
    assert not Participant.objects.filter(session=session, user=stranger).exists()


def test_joining_with_an_unknown_code_shows_the_error(client, setup):
    client.force_login(setup.reviewers[0])

    response = client.post(reverse("sessions:join", args=["ZZZZZZ"]))

    assert response.status_code == 404
    assert "not valid for your teams" in response.content.decode()


def test_room_of_another_teams_session_is_not_found(client, setup):
    session = make_session(setup)
    stranger = MembershipFactory(role=Role.FACILITATOR).user
    client.force_login(stranger)

    assert client.get(reverse("sessions:room", args=[session.pk])).status_code == 404
    assert client.get(reverse("sessions:summary", args=[session.pk])).status_code == 404
    assert client.get(reverse("sessions:ratings_csv", args=[session.pk])).status_code == 404


def test_a_team_member_outside_the_session_sees_the_not_participant_page(client, setup):
    session = make_session(setup, reviewers=[setup.reviewers[0]])
    client.force_login(setup.reviewers[1])

    response = client.get(reverse("sessions:room", args=[session.pk]))

    assert response.status_code == 403
    page = response.content.decode()
    assert f"You are not in “{session.title}”" in page
    assert reverse("sessions:join_code") in page


# --- recurring sessions ------------------------------------------------------------------


def test_template_next_session_rotates_the_channel(client, setup):
    InteractionFactory(team=setup.team, channel=Channel.PHONE, subject="Call one")
    InteractionFactory(team=setup.team, channel=Channel.PHONE, subject="Call two")
    client.force_login(setup.facilitator)

    created = client.post(
        reverse("sessions:template_create"),
        {
            "name": "Weekly QA",
            "scorecard": setup.version.scorecard.pk,
            "reviewers": [user.pk for user in setup.reviewers],
            "channel_rotation": [Channel.PHONE, Channel.EMAIL],
            "sample_size": "2",
        },
    )
    assert created.status_code == 302
    template = SessionTemplate.objects.get(name="Weekly QA")
    assert template.channel_rotation == [Channel.EMAIL, Channel.PHONE]
    assert "Create next session (Email)" in client.get(reverse("sessions:list")).content.decode()

    first = client.post(reverse("sessions:template_next", args=[template.pk]))
    second = client.post(reverse("sessions:template_next", args=[template.pk]))

    sessions = list(CalibrationSession.objects.order_by("id"))
    assert [first.url, second.url] == [
        reverse("sessions:room", args=[session.pk]) for session in sessions
    ]
    channels = [
        {item.interaction.channel for item in session.items.select_related("interaction")}
        for session in sessions
    ]
    assert channels == [{Channel.EMAIL}, {Channel.PHONE}]
    assert all(session.items.count() == 2 for session in sessions)
    assert "Create next session (Email)" in client.get(reverse("sessions:list")).content.decode()


def test_template_of_another_team_is_not_found(client, setup):
    other = TeamFactory()
    scorecard = ScorecardVersionFactory(scorecard__team=other).scorecard
    template = SessionTemplate.objects.create(team=other, name="Theirs", scorecard=scorecard)
    client.force_login(setup.facilitator)

    response = client.post(reverse("sessions:template_next", args=[template.pk]))

    assert response.status_code == 404
    assert not CalibrationSession.objects.exists()


def test_template_form_shows_errors_and_saves_nothing(client, setup):
    client.force_login(setup.facilitator)

    response = client.post(
        reverse("sessions:template_create"),
        {"name": "", "scorecard": setup.version.scorecard.pk, "sample_size": "0"},
    )

    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not SessionTemplate.objects.exists()


# --- after the session -------------------------------------------------------------------


def score_everything(session, setup, user, values, comment=""):
    for item in session.items.all():
        for criterion, value in zip(setup.criteria, values, strict=True):
            services.score_save(
                session_id=session.pk,
                user=user,
                item_id=item.pk,
                criterion_id=criterion.pk,
                value=value,
                comment=comment,
            )
        services.submission_create(session_id=session.pk, user=user, item_id=item.pk)


def test_summary_of_a_closed_session_shows_consensus_and_notes(client, setup):
    session = make_session(setup, interactions=setup.interactions[:1])
    services.session_start(session_id=session.pk, actor=setup.facilitator)
    score_everything(session, setup, setup.reviewers[0], [4, 1])
    score_everything(session, setup, setup.reviewers[1], [2, 0])
    services.session_reveal(session_id=session.pk, actor=setup.facilitator)
    item = session.items.get()
    services.consensus_save(
        session_id=session.pk,
        actor=setup.facilitator,
        item_id=item.pk,
        criterion_id=setup.criteria[1].pk,
        value=1,
        note="A refund counts as resolved even without a follow-up email.",
    )
    services.action_item_add(
        session_id=session.pk,
        actor=setup.facilitator,
        text="Update the refund macro",
        owner_id=setup.reviewers[0].pk,
    )
    services.session_close(session_id=session.pk, actor=setup.facilitator)
    client.force_login(setup.reviewers[1])

    response = client.get(reverse("sessions:summary", args=[session.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "A refund counts as resolved even without a follow-up email." in page
    assert '<strong class="consensus-value">Pass</strong>' in page
    assert "Not decided (1)" in page  # no consensus on Empathy: grouped, with the count
    assert "1 of 2 agreed · <strong>1 undecided</strong>" in page
    assert page.count("Not decided") == 1
    assert "Update the refund macro" in page
    assert reverse("sessions:ratings_csv", args=[session.pk]) in page
    assert "Closed" in page


def test_closed_room_redirects_to_the_summary(client, setup):
    session = make_session(setup)
    CalibrationSession.objects.filter(pk=session.pk).update(status=SessionStatus.CLOSED)
    client.force_login(setup.reviewers[0])

    response = client.get(reverse("sessions:room", args=[session.pk]))

    assert response.status_code == 302
    assert response.url == reverse("sessions:summary", args=[session.pk])


def read_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_ratings_csv_before_the_reveal_holds_only_the_viewers_own_ratings(client, setup):
    session = make_session(setup, interactions=setup.interactions[:1])
    services.session_start(session_id=session.pk, actor=setup.facilitator)
    score_everything(session, setup, setup.reviewers[0], [4, 1], comment="Mine: warm tone")
    score_everything(session, setup, setup.reviewers[1], [2, 0], comment="Secret of B")
    url = reverse("sessions:ratings_csv", args=[session.pk])

    client.force_login(setup.reviewers[0])
    own = client.get(url)
    client.force_login(setup.facilitator)
    facilitator = client.get(url)

    assert own.status_code == 200
    assert "Secret of B" not in own.content.decode()
    rows = read_csv(own)
    assert len(rows) == 2
    assert {row["comment"] for row in rows} == {"Mine: warm tone"}
    assert "Secret of B" not in facilitator.content.decode()
    assert "Mine: warm tone" not in facilitator.content.decode()
    assert read_csv(facilitator) == []


def test_ratings_csv_after_the_reveal_holds_everyones_ratings(client, setup):
    session = make_session(setup, interactions=setup.interactions[:1])
    services.session_start(session_id=session.pk, actor=setup.facilitator)
    score_everything(session, setup, setup.reviewers[0], [4, 1], comment="Mine: warm tone")
    score_everything(session, setup, setup.reviewers[1], [2, 0], comment="Secret of B")
    services.session_reveal(session_id=session.pk, actor=setup.facilitator)
    client.force_login(setup.facilitator)

    response = client.get(reverse("sessions:ratings_csv", args=[session.pk]))

    comments = {row["comment"] for row in read_csv(response)}
    assert comments == {"Mine: warm tone", "Secret of B"}


def test_summary_page_before_the_reveal_shows_no_ratings_of_others(client, setup):
    session = make_session(setup, interactions=setup.interactions[:1])
    services.session_start(session_id=session.pk, actor=setup.facilitator)
    score_everything(session, setup, setup.reviewers[1], [2, 0], comment="Secret of B")
    client.force_login(setup.reviewers[0])

    response = client.get(reverse("sessions:summary", args=[session.pk]))

    assert response.status_code == 200
    assert "Secret of B" not in response.content.decode()
    assert "No interaction has been revealed yet" in response.content.decode()


def test_user_without_team_membership_is_not_let_in(client, setup):
    session = make_session(setup)
    outsider = UserFactory()
    client.force_login(outsider)

    page = client.get(reverse("sessions:join", args=[session.join_code]))
    posted = client.post(reverse("sessions:join", args=[session.join_code]))

    assert page.status_code == 403
    assert posted.status_code == 403
    assert not Participant.objects.filter(session=session, user=outsider).exists()


def _page_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["room", "present", "summary", "ratings_csv"])
def test_session_pages_query_count_does_not_grow_with_the_session(client, page):
    from django.core.cache import cache

    from .factories import MessageFactory, SessionWorld

    counts = []
    for reviewers, interactions in ((2, 1), (7, 5)):
        world = SessionWorld(reviewers=reviewers, interactions=interactions).start()
        for item in world.items:
            MessageFactory(interaction=item.interaction)
            MessageFactory(interaction=item.interaction)
            for reviewer in world.reviewers:
                world.score_all(reviewer, item, (1, 3, 2), comment="c")
                world.submit(reviewer, item)
        services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
        client.force_login(world.facilitator)
        cache.clear()
        counts.append(_page_queries(client, reverse(f"sessions:{page}", args=[world.session.pk])))

    assert counts[0] == counts[1], counts


# --- agreement figures on the summary ------------------------------------------------------


def _table_rows(page: str, testid: str) -> list[str]:
    table = page.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    return table.split("<tr")[1:]


def _row_for(rows: list[str], name: str) -> str:
    return next(row for row in rows if name in row)


def test_summary_shows_agreement_by_criterion_and_reviewers_against_consensus_and_baseline(
    client,
):
    from .factories import SessionWorld

    world = SessionWorld(reviewers=3, interactions=2)
    baseline, steady, lenient = world.reviewers
    CalibrationSession.objects.filter(pk=world.session.pk).update(baseline=baseline)
    world.start()
    first, second = world.items
    # (Verified identity, Empathy 1-5, Resolution Missed/Partly/Fully) per reviewer and item:
    # identity never varies (alpha undefined), Resolution agrees and varies (reliable),
    # Empathy is all over the place; the third reviewer rates Empathy high everywhere.
    ratings = {
        baseline: {first: (1, 5, 2), second: (1, 1, 0)},
        steady: {first: (1, 1, 2), second: (1, 5, 0)},
        lenient: {first: (1, 5, 2), second: (1, 5, 0)},
    }
    for user, per_item in ratings.items():
        for item, values in per_item.items():
            world.score_all(user, item, values)
            world.submit(user, item)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    agreed = {first: (1, 3, 2), second: (1, 3, 0)}
    for item, values in agreed.items():
        for criterion, value in zip(world.criteria, values, strict=True):
            services.consensus_save(
                session_id=world.session.pk,
                actor=world.facilitator,
                item_id=item.pk,
                criterion_id=criterion.pk,
                value=value,
            )
    services.session_close(session_id=world.session.pk, actor=world.facilitator)
    client.force_login(world.facilitator)

    response = client.get(reverse("sessions:summary", args=[world.session.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Agreement by criterion" in page
    criteria_rows = _table_rows(page, "criteria-agreement")
    assert len(criteria_rows) == 1 + 3  # header and one row per criterion
    # Two interactions are too few for a criterion's own alpha (agreement.display): no
    # figure, colour or reading, however clear it looks, and the count in words instead.
    resolution = _row_for(criteria_rows, "Resolution")
    assert "1.00" not in resolution and "Reliable" not in resolution
    assert "2 units: too few for an α (5 needed)" in resolution
    assert "100%" in resolution  # exact agreement carries what the data can
    empathy = _row_for(criteria_rows, "Empathy")
    assert "Not yet calibrated" not in empathy and "alpha-not_calibrated" not in empathy
    identity = _row_for(criteria_rows, "Verified identity")
    assert "All reviewers gave the same answer everywhere" in identity
    assert "100%" in identity  # exact agreement
    assert "Against the consensus" in page
    assert "Against the baseline" in page
    reviewer_rows = _table_rows(page, "reviewer-table")
    assert "The baseline itself" in _row_for(reviewer_rows, "Rev0")
    # Empathy is 1 of 6 magnitude comparisons, each scale-range 4: against the consensus (3)
    # the steady reviewer is 2 points off twice, against the baseline 4 points off twice.
    steady_row = _row_for(reviewer_rows, "Rev1")
    assert steady_row.count("0.0%") == 2  # no bias against either reference
    assert "16.7%" in steady_row and "33.3%" in steady_row  # mean absolute deviation
    lenient_row = _row_for(reviewer_rows, "Rev2")
    assert lenient_row.count("+16.7%") == 2
    # Six compared ratings are too few for a label (agreement.reviewers): the bias is shown
    # with its count and shrunk value, and no "lenient" however large it looks.
    assert "lenient" not in lenient_row
    assert "6 compared" in lenient_row


def test_summary_reads_a_criterions_alpha_once_enough_interactions_carry_an_interval(client):
    from .factories import SessionWorld

    world = SessionWorld(reviewers=3, interactions=6).start()
    for index, item in enumerate(world.items):
        for offset, user in enumerate(world.reviewers):
            # Resolution: the same answer per interaction, varying across them (reliable);
            # Empathy: reviewers all over the place.
            values = (1, 1 + (index + 2 * offset) % 5, index % 3)
            world.score_all(user, item, values)
            world.submit(user, item)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    services.session_close(
        session_id=world.session.pk, actor=world.facilitator, confirm_undecided=True
    )
    client.force_login(world.facilitator)

    page = client.get(reverse("sessions:summary", args=[world.session.pk])).content.decode()

    rows = _table_rows(page, "criteria-agreement")
    resolution = _row_for(rows, "Resolution")
    assert "1.00" in resolution and "Reliable" in resolution
    assert "too few" not in resolution
    assert "Not yet calibrated" in _row_for(rows, "Empathy")


def test_joining_a_session_of_another_of_my_teams_switches_to_that_team(client):
    from .factories import MembershipFactory, SessionWorld

    world = SessionWorld()
    newcomer = MembershipFactory(team__name="AAA first team").user
    MembershipFactory(team=world.team, user=newcomer, role=Role.REVIEWER)
    client.force_login(newcomer)

    response = client.post(reverse("sessions:join", args=[world.session.join_code]), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("sessions:room", args=[world.session.pk])


def test_join_link_sends_an_existing_participant_to_the_room(client):
    from .factories import SessionWorld

    world = SessionWorld()
    client.force_login(world.reviewers[0])

    response = client.get(reverse("sessions:join", args=[world.session.join_code]))

    assert response.status_code == 302
    assert response.url == reverse("sessions:room", args=[world.session.pk])


def test_join_link_of_a_revealed_session_says_it_is_too_late_before_any_click(client):
    from .factories import MembershipFactory, SessionWorld

    world = SessionWorld().start()
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    latecomer = MembershipFactory(team=world.team, role=Role.REVIEWER).user
    client.force_login(latecomer)

    response = client.get(reverse("sessions:join", args=[world.session.join_code]))

    assert response.status_code == 403
    assert "too late" in response.content.decode()


def test_a_join_code_typed_with_spaces_or_dashes_still_works(client):
    from .factories import MembershipFactory, SessionWorld

    world = SessionWorld()
    newcomer = MembershipFactory(team=world.team, role=Role.REVIEWER).user
    client.force_login(newcomer)
    code = world.session.join_code
    typed = f" {code[:3].lower()}-{code[3:]} "

    response = client.post(reverse("sessions:join_code"), {"code": typed}, follow=True)

    assert response.status_code == 200
    assert f"/sessions/join/{code}/" in [url for url, _ in response.redirect_chain]


def test_summary_lists_revisions_beside_the_unchanged_blind_rating(client):
    from .factories import SessionWorld

    world = SessionWorld().start()
    reviewer = world.reviewers[0]
    world.score_all(reviewer, world.items[0], (1, 2, 2), comment="blind")
    world.submit(reviewer, world.items[0])
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    services.revision_create(
        session_id=world.session.pk,
        user=reviewer,
        item_id=world.items[0].pk,
        criterion_id=world.numeric.pk,
        value=4,
        comment="Convinced by the transcript",
    )
    client.force_login(world.facilitator)

    page = client.get(reverse("sessions:summary", args=[world.session.pk])).content.decode()

    assert "Ratings revised after the discussion" in page
    assert "Convinced by the transcript" in page


def test_session_list_people_counts_only_those_who_score(client):
    from .factories import SessionWorld

    world = SessionWorld(reviewers=2)  # the facilitator does not score
    client.force_login(world.facilitator)

    page = client.get(reverse("sessions:list")).content.decode()

    table = page.split('class="table sessions-table"', 1)[1].split("</table>", 1)[0]
    row = _row_for(table.split("<tr")[1:], "Weekly calibration")
    assert row.count('<td class="num">') == 2  # interactions, then people
    assert row.split('<td class="num">')[2].startswith("2<")
