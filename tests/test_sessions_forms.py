"""The session forms: what each offers (only the team's own things) and what each refuses."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from interactions.models import Channel, HelpdeskConnection
from scorecards.models import Scorecard
from sessions.forms import JoinCodeForm, SessionCreateForm, TemplateForm
from sessions.models import CalibrationSession, SessionTemplate, normalize_join_code
from teams.models import Role
from tests.factories import (
    CriterionFactory,
    InteractionFactory,
    MembershipFactory,
    ScorecardFactory,
    ScorecardVersionFactory,
    SessionWorld,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOTHING_CHOSEN = "Choose at least one interaction: pick, sample or paste one."
NOTHING_CHOSEN_WITH_HELPDESK = (
    "Choose at least one interaction: pick, sample, paste one or bring one in from the helpdesk."
)
NO_HELPDESK = (
    "No helpdesk is connected to this team yet: a team admin connects one under "
    "Interactions → Helpdesk connections."
)


@pytest.fixture
def world():
    return SessionWorld(reviewers=2, interactions=2)


def connection(team, name="Acme Zendesk"):
    return HelpdeskConnection.objects.create(
        team=team,
        kind="zendesk",
        name=name,
        site="acme",
        auth="api_token",
        email="qa@acme.example",
        secret_encrypted="not-a-real-secret",
    )


def create_form(world, **overrides):
    data = {
        "title": "October calibration",
        "scorecard": world.version.scorecard.pk,
        "interactions": [world.interactions[0].pk],
    }
    data.update(overrides)
    return SessionCreateForm(data, team=world.team)


def template_form(world, **overrides):
    data = {"name": "Weekly QA", "scorecard": world.version.scorecard.pk, "sample_size": 2}
    data.update(overrides)
    return TemplateForm(data, team=world.team)


def choice_pks(form, name):
    return [obj.pk for obj in form.fields[name].queryset]


# --- SessionCreateForm: what it offers ----------------------------------------------------


def test_create_form_offers_only_the_teams_scorecards(world):
    theirs = ScorecardFactory(team=TeamFactory())

    form = create_form(world, scorecard=theirs.pk)

    assert choice_pks(form, "scorecard") == [world.version.scorecard.pk]
    assert not form.is_valid()
    assert "scorecard" in form.errors


def test_create_form_preselects_the_scorecard_when_the_team_has_only_one(world):
    form = SessionCreateForm(team=world.team)

    assert form.fields["scorecard"].initial == world.version.scorecard.pk


def test_create_form_preselects_no_scorecard_when_the_team_has_several(world):
    ScorecardFactory(team=world.team)

    form = SessionCreateForm(team=world.team)

    assert form.fields["scorecard"].initial is None


def test_create_form_offers_only_the_teams_interactions_newest_first(world):
    now = timezone.now()
    old = InteractionFactory(team=world.team, occurred_at=now - datetime.timedelta(days=3))
    new = InteractionFactory(team=world.team, occurred_at=now)
    theirs = InteractionFactory(team=TeamFactory(), occurred_at=now)

    form = create_form(world, interactions=[theirs.pk])

    offered = choice_pks(form, "interactions")
    assert offered.index(new.pk) < offered.index(old.pk)
    assert set(offered) == {old.pk, new.pk, *(i.pk for i in world.interactions)}
    assert not form.is_valid()
    assert "interactions" in form.errors


def test_create_form_labels_an_interaction_by_id_channel_and_subject(world):
    with_subject = InteractionFactory(
        team=world.team, external_id="T-77", channel=Channel.PHONE, subject="Refund"
    )
    without_subject = InteractionFactory(
        team=world.team, external_id="T-78", channel=Channel.CHAT, subject=""
    )
    field = SessionCreateForm(team=world.team).fields["interactions"]

    assert field.label_from_instance(with_subject) == "T-77 · Phone call · Refund"
    assert field.label_from_instance(without_subject) == "T-78 · Chat · (no subject)"


def test_create_form_offers_only_team_members_as_reviewers_and_baseline(world):
    ada = UserFactory(first_name="Ada")
    MembershipFactory(team=world.team, user=ada, role=Role.REVIEWER)
    outsider = MembershipFactory(team=TeamFactory()).user
    form = SessionCreateForm(team=world.team)

    expected = [ada.pk, world.facilitator.pk, *(user.pk for user in world.reviewers)]
    assert choice_pks(form, "reviewers") == expected  # by first name: Ada, Fiona, Rev0, Rev1
    assert choice_pks(form, "baseline") == expected
    assert outsider.pk not in choice_pks(form, "reviewers")


def test_create_form_refuses_an_outsider_as_reviewer_or_baseline(world):
    outsider = MembershipFactory(team=TeamFactory()).user

    form = create_form(world, reviewers=[outsider.pk], baseline=outsider.pk)

    assert not form.is_valid()
    assert set(form.errors) == {"reviewers", "baseline"}


def test_create_form_names_a_member_by_full_name_or_else_username(world):
    named = UserFactory(username="jdoe", first_name="Jane", last_name="Doe")
    unnamed = UserFactory(username="qa-bot", first_name="", last_name="")
    form = SessionCreateForm(team=world.team)

    for name in ("reviewers", "baseline"):
        assert form.fields[name].label_from_instance(named) == "Jane Doe"
        assert form.fields[name].label_from_instance(unnamed) == "qa-bot"


def test_create_form_offers_only_active_criteria_of_each_scorecards_current_version(world):
    scorecard = world.version.scorecard
    current = ScorecardVersionFactory(scorecard=scorecard, number=2)
    kept = CriterionFactory(version=current, name="Empathy v2")
    retired = CriterionFactory(version=current, name="Retired", is_active=False)
    other_scorecard = ScorecardVersionFactory(scorecard__team=world.team)
    sibling = CriterionFactory(version=other_scorecard)
    theirs = CriterionFactory(version__scorecard__team=TeamFactory())

    form = SessionCreateForm(team=world.team)

    offered = set(choice_pks(form, "criteria"))
    assert offered == {kept.pk, sibling.pk}
    assert not offered & {c.pk for c in world.criteria}  # version 1 is no longer current
    assert retired.pk not in offered
    assert theirs.pk not in offered


def test_create_form_refuses_a_criterion_of_an_older_version(world):
    ScorecardVersionFactory(scorecard=world.version.scorecard, number=2)

    form = create_form(world, criteria=[world.numeric.pk])

    assert not form.is_valid()
    assert "criteria" in form.errors


# --- SessionCreateForm: numbers and bounds ------------------------------------------------


@pytest.mark.parametrize(("minutes", "valid"), [(0, False), (1, True), (240, True), (241, False)])
def test_create_form_keeps_the_timer_between_1_and_240_minutes(world, minutes, valid):
    form = create_form(world, timer_minutes=minutes)

    assert form.is_valid() is valid
    assert ("timer_minutes" in form.errors) is not valid


@pytest.mark.parametrize(("size", "valid"), [(-1, False), (1, True), (20, True), (21, False)])
def test_create_form_samples_at_most_20_interactions(world, size, valid):
    form = create_form(world, interactions=[], sample_size=size)

    assert form.is_valid() is valid
    assert ("sample_size" in form.errors) is not valid
    assert form.non_field_errors() == []  # a refused sample is not also "no interaction"


@pytest.mark.parametrize(("days", "valid"), [(0, False), (1, True), (90, True), (91, False)])
def test_create_form_samples_the_helpdesk_over_1_to_90_days(world, days, valid):
    form = create_form(world, sample_days=days)

    assert form.is_valid() is valid
    assert ("sample_days" in form.errors) is not valid


# --- SessionCreateForm: where the interactions come from ----------------------------------


def test_create_form_refuses_a_session_without_any_interaction(world):
    form = create_form(world, interactions=[])

    assert not form.is_valid()
    assert form.non_field_errors() == [NOTHING_CHOSEN]


def test_create_form_counts_a_sample_of_zero_as_no_interaction(world):
    form = create_form(world, interactions=[], sample_size=0)

    assert not form.is_valid()
    assert form.non_field_errors() == [NOTHING_CHOSEN]


def test_create_form_mentions_the_helpdesk_when_nothing_is_chosen_and_one_is_connected(world):
    connection(world.team)

    form = create_form(world, interactions=[])

    assert not form.is_valid()
    assert form.non_field_errors() == [NOTHING_CHOSEN_WITH_HELPDESK]


def test_create_form_accepts_a_random_sample_alone(world):
    form = create_form(world, interactions=[], sample_size=3, sample_channel=Channel.CHAT)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["sample_size"] == 3
    assert form.cleaned_data["sample_channel"] == Channel.CHAT


def test_create_form_needs_a_channel_for_a_pasted_conversation(world):
    form = create_form(world, interactions=[], paste_conversation="Customer (customer): hi")

    assert not form.is_valid()
    assert form.errors["paste_channel"] == ["Choose the channel of the pasted conversation."]
    assert form.non_field_errors() == []  # not also told to choose an interaction


def test_create_form_needs_a_channel_for_a_pasted_link_too(world):
    form = create_form(world, interactions=[], paste_url="https://acme.example/tickets/42")

    assert not form.is_valid()
    assert form.errors["paste_channel"] == ["Choose the channel of the pasted conversation."]


def test_create_form_accepts_a_pasted_conversation_with_its_channel_alone(world):
    form = create_form(
        world,
        interactions=[],
        paste_conversation="Customer (customer): hi",
        paste_channel=Channel.EMAIL,
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["paste_channel"] == Channel.EMAIL


def test_create_form_reads_a_link_without_scheme_as_https(world):
    form = create_form(world, paste_url="acme.example/tickets/42", paste_channel=Channel.EMAIL)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["paste_url"] == "https://acme.example/tickets/42"


def test_create_form_offers_only_the_teams_helpdesk_connections(world):
    ours = connection(world.team)
    theirs = connection(TeamFactory(), name="Their Zendesk")

    form = create_form(world, helpdesk_connection=theirs.pk, helpdesk_references="42")

    assert choice_pks(form, "sample_connection") == [ours.pk]
    assert choice_pks(form, "helpdesk_connection") == [ours.pk]
    assert not form.is_valid()
    assert "helpdesk_connection" in form.errors


def test_create_form_preselects_the_helpdesk_when_the_team_has_only_one(world):
    ours = connection(world.team)

    form = SessionCreateForm(team=world.team)

    assert form.fields["sample_connection"].initial == ours.pk
    assert form.fields["helpdesk_connection"].initial == ours.pk


def test_create_form_preselects_no_helpdesk_when_the_team_has_several(world):
    connection(world.team, name="Zendesk EU")
    connection(world.team, name="Zendesk US")

    form = SessionCreateForm(team=world.team)

    assert form.fields["sample_connection"].initial is None
    assert form.fields["helpdesk_connection"].initial is None


def test_create_form_labels_a_connection_by_name_and_kind(world):
    ours = connection(world.team, name="Support desk")

    label = SessionCreateForm(team=world.team).fields["sample_connection"].label_from_instance

    assert label(ours) == "Support desk (Zendesk)"


@pytest.mark.parametrize(
    "overrides",
    [
        {"sample_size": 3, "sample_source": "helpdesk"},
        {"helpdesk_references": "https://acme.zendesk.com/agent/tickets/42"},
    ],
    ids=["helpdesk sample", "helpdesk links"],
)
def test_create_form_refuses_the_helpdesk_when_none_is_connected(world, overrides):
    form = create_form(world, **overrides)

    assert not form.is_valid()
    assert form.non_field_errors() == [NO_HELPDESK]


def test_create_form_needs_the_helpdesk_to_sample_from(world):
    connection(world.team)

    form = create_form(world, sample_size=3, sample_source="helpdesk")

    assert not form.is_valid()
    assert form.errors["sample_connection"] == ["Choose the helpdesk to sample from."]


def test_create_form_needs_the_helpdesk_the_links_are_from(world):
    connection(world.team)

    form = create_form(world, interactions=[], helpdesk_references="42\n43")

    assert not form.is_valid()
    assert form.errors["helpdesk_connection"] == ["Choose the helpdesk these links are from."]
    assert form.non_field_errors() == []


def test_create_form_ignores_the_helpdesk_for_a_library_sample(world):
    form = create_form(world, interactions=[], sample_size=3, sample_source="library")

    assert form.is_valid(), form.errors


def test_create_form_accepts_helpdesk_links_alone_with_their_connection(world):
    ours = connection(world.team)

    form = create_form(
        world, interactions=[], helpdesk_connection=ours.pk, helpdesk_references="42"
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["helpdesk_connection"] == ours
    assert form.cleaned_data["helpdesk_references"] == "42"


def test_create_form_hands_the_view_model_instances_and_plain_values(world):
    ours = connection(world.team)
    baseline = world.reviewers[0]

    form = create_form(
        world,
        reviewers=[user.pk for user in world.reviewers],
        criteria=[world.numeric.pk, world.binary.pk],
        baseline=baseline.pk,
        anonymous="on",
        sample_size=2,
        sample_source="helpdesk",
        sample_connection=ours.pk,
        sample_days=14,
        helpdesk_mask="on",
    )

    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert isinstance(data["scorecard"], Scorecard)
    assert list(data["interactions"]) == [world.interactions[0]]
    assert set(data["reviewers"]) == set(world.reviewers)
    assert set(data["criteria"]) == {world.numeric, world.binary}
    assert data["baseline"] == baseline
    assert data["sample_connection"] == ours
    assert data["sample_days"] == 14
    assert (data["anonymous"], data["facilitator_scores"], data["helpdesk_mask"]) == (
        True,
        False,
        True,
    )
    assert data["timer_minutes"] is None
    assert data["due_at"] is None


# --- the baseline, through the create page -------------------------------------------------


def test_create_page_refuses_a_baseline_who_does_not_score(client, world):
    bystander = UserFactory(first_name="Bea")
    MembershipFactory(team=world.team, user=bystander, role=Role.REVIEWER)
    sessions_before = CalibrationSession.objects.count()
    client.force_login(world.facilitator)

    response = client.post(
        reverse("sessions:create"),
        {
            "title": "October calibration",
            "scorecard": world.version.scorecard.pk,
            "interactions": [world.interactions[0].pk],
            "reviewers": [user.pk for user in world.reviewers],
            "baseline": bystander.pk,
        },
    )

    assert response.status_code == 400
    assert "The baseline reviewer must be one of the people scoring." in response.content.decode()
    assert CalibrationSession.objects.count() == sessions_before


def test_create_page_accepts_a_baseline_among_the_reviewers(client, world):
    client.force_login(world.facilitator)

    response = client.post(
        reverse("sessions:create"),
        {
            "title": "October calibration",
            "scorecard": world.version.scorecard.pk,
            "interactions": [world.interactions[0].pk],
            "reviewers": [user.pk for user in world.reviewers],
            "baseline": world.reviewers[1].pk,
        },
    )

    session = CalibrationSession.objects.get(title="October calibration")
    assert response.status_code == 302
    assert session.baseline == world.reviewers[1]


# --- JoinCodeForm --------------------------------------------------------------------------


def test_join_code_form_needs_a_code():
    form = JoinCodeForm({"code": "   "})

    assert not form.is_valid()
    assert "code" in form.errors


def test_join_code_form_takes_at_most_12_characters():
    assert JoinCodeForm({"code": "TZG-JPL-1234"}).is_valid()
    assert not JoinCodeForm({"code": "TZG-JPL-12345"}).is_valid()


def test_join_code_form_strips_what_was_pasted_around_the_code():
    form = JoinCodeForm({"code": "  tzg-jpl \n"})

    assert form.is_valid()
    assert form.cleaned_data["code"] == "tzg-jpl"
    assert normalize_join_code(form.cleaned_data["code"]) == "TZGJPL"


def test_join_code_page_sends_a_typed_code_to_its_normalised_join_link(client, world):
    client.force_login(world.reviewers[0])

    response = client.post(reverse("sessions:join_code"), {"code": " tzg jpl "})

    assert response.status_code == 302
    assert response.url == reverse("sessions:join", args=["TZGJPL"])


def test_join_code_page_sends_a_blank_code_back_to_the_list(client, world):
    client.force_login(world.reviewers[0])

    response = client.post(reverse("sessions:join_code"), {"code": ""})

    assert response.status_code == 302
    assert response.url == reverse("sessions:list")


# --- TemplateForm --------------------------------------------------------------------------


def test_template_form_offers_only_the_teams_scorecards_members_and_connections(world):
    other = TeamFactory()
    theirs = ScorecardFactory(team=other)
    outsider = MembershipFactory(team=other).user
    ours = connection(world.team)
    their_connection = connection(other, name="Their Zendesk")

    form = template_form(
        world,
        scorecard=theirs.pk,
        reviewers=[outsider.pk],
        baseline=outsider.pk,
        helpdesk_connection=their_connection.pk,
    )

    members = [world.facilitator.pk, *(user.pk for user in world.reviewers)]
    assert choice_pks(form, "scorecard") == [world.version.scorecard.pk]
    assert choice_pks(form, "reviewers") == members
    assert choice_pks(form, "baseline") == members
    assert choice_pks(form, "helpdesk_connection") == [ours.pk]
    assert not form.is_valid()
    assert set(form.errors) == {"scorecard", "reviewers", "baseline", "helpdesk_connection"}


def test_template_form_preselects_the_scorecard_only_when_the_team_has_one(world):
    assert TemplateForm(team=world.team).fields["scorecard"].initial == world.version.scorecard.pk

    ScorecardFactory(team=world.team)

    assert TemplateForm(team=world.team).fields["scorecard"].initial is None


def test_template_form_samples_from_the_library_unless_a_helpdesk_is_chosen(world):
    connection(world.team)

    form = template_form(world)

    assert form.fields["helpdesk_connection"].empty_label == "The library"
    assert form.is_valid(), form.errors
    assert form.cleaned_data["helpdesk_connection"] is None


@pytest.mark.parametrize(
    ("size", "valid"), [("", False), (0, False), (1, True), (20, True), (21, False)]
)
def test_template_form_needs_a_sample_of_1_to_20(world, size, valid):
    form = template_form(world, sample_size=size)

    assert form.is_valid() is valid
    assert ("sample_size" in form.errors) is not valid


@pytest.mark.parametrize(("minutes", "valid"), [(0, False), (1, True), (240, True), (241, False)])
def test_template_form_keeps_the_timer_between_1_and_240_minutes(world, minutes, valid):
    form = template_form(world, timer_minutes=minutes)

    assert form.is_valid() is valid


def test_template_form_rotates_channels_in_the_order_shown_whatever_the_order_sent(world):
    form = template_form(world, channel_rotation=["other", "chat", "email"])

    assert form.is_valid(), form.errors
    assert form.cleaned_data["channel_rotation"] == ["email", "chat", "other"]


def test_template_form_allows_no_rotation(world):
    form = template_form(world)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["channel_rotation"] == []


def test_template_form_refuses_an_unknown_channel(world):
    form = template_form(world, channel_rotation=["email", "fax"])

    assert not form.is_valid()
    assert "channel_rotation" in form.errors


def test_template_form_ticks_every_channel_but_other_at_first(world):
    initial = TemplateForm(team=world.team).fields["channel_rotation"].initial

    assert initial == ["email", "phone", "chat", "expert_session"]


def test_template_page_refuses_a_baseline_who_does_not_score(client, world):
    bystander = UserFactory(first_name="Bea")
    MembershipFactory(team=world.team, user=bystander, role=Role.REVIEWER)
    client.force_login(world.facilitator)

    response = client.post(
        reverse("sessions:template_create"),
        {
            "name": "Weekly QA",
            "scorecard": world.version.scorecard.pk,
            "reviewers": [user.pk for user in world.reviewers],
            "channel_rotation": ["email"],
            "sample_size": 1,
            "baseline": bystander.pk,
        },
    )

    assert response.status_code == 400
    assert "The baseline reviewer must be one of the people scoring." in response.content.decode()
    assert not SessionTemplate.objects.filter(name="Weekly QA").exists()
