import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from datafiles import ImportFailed
from interactions.models import Channel, Interaction
from scorecards.models import Criterion, Scorecard, ScorecardVersion
from scorecards.scales import Scale, ScaleKind
from scorecards.selectors import current_version
from scorecards.services import criterion_add
from scorecards.specs import CriterionData
from sessions import services
from sessions.history import COLUMNS, import_history, parse_date
from sessions.models import (
    CalibrationSession,
    Participant,
    ParticipantRole,
    Score,
    SessionInteraction,
    SessionSource,
    SessionStatus,
    Submission,
    Transition,
    UnsubmittedPolicy,
)
from sessions.selectors import session_report
from sessions.services import importing
from sessions.services.importing import (
    ClosedImportPlan,
    ClosedSessionPlan,
    NewCriterion,
    PlannedRating,
)
from teams.models import Role, Team
from tests.factories import (
    CriterionFactory,
    InteractionFactory,
    MembershipFactory,
    ScorecardVersionFactory,
    SessionWorld,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "history.csv"
MODELS = [
    Team,
    User,
    Scorecard,
    ScorecardVersion,
    Criterion,
    Interaction,
    CalibrationSession,
    SessionInteraction,
    Participant,
    Score,
    Submission,
    Transition,
]


def csv_bytes(rows, columns=COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue().encode()


def rating(**values) -> dict:
    row = {
        "session": "March calibration",
        "date": "2024-03-07",
        "scorecard": "Support QA",
        "interaction": "ZD-1",
        "channel": "email",
        "criterion": "Empathy",
        "reviewer": "alice",
        "score": "4",
        "comment": "",
    }
    row.update(values)
    return row


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


def messages_of(failure) -> list[str]:
    return [str(error) for error in failure.value.errors]


@pytest.fixture
def team():
    return TeamFactory(name="Support")


@pytest.fixture
def known(team):
    """A team with a scorecard whose current version has a numeric, a binary and a label
    criterion (the binary allows N/A)."""
    version = ScorecardVersionFactory(scorecard__team=team, scorecard__name="Support QA")
    CriterionFactory(version=version, name="Empathy", position=0)
    CriterionFactory(
        version=version,
        name="Verified identity",
        scale_kind=ScaleKind.BINARY,
        scale_points=None,
        fail_values=[0],
        na_allowed=True,
        position=1,
    )
    CriterionFactory(
        version=version,
        name="Resolution",
        scale_kind=ScaleKind.LABELS,
        scale_points=None,
        scale_labels=["Missed", "Partly", "Fully"],
        fail_values=[0],
        position=2,
    )
    return version


# --- the happy path with --create-missing ----------------------------------------------------


def test_create_missing_infers_each_scale_from_the_values_and_reports_it(team):
    result = import_history(data=EXAMPLE.read_bytes(), team_name=None, create_missing=True)

    assert result.inferred_scales == [
        "Criterion “Greeting” (scorecard “Support QA”): pass / fail inferred from values "
        "pass, fail",
        "Criterion “Empathy” (scorecard “Support QA”): numeric 1–5 inferred from values 1…5",
        "Criterion “Resolution” (scorecard “Support QA”): ordered labels Missed / Partly / "
        "Fully inferred from the values, lowest first (a known order of such labels)",
        "Criterion “Verified identity” (scorecard “Support QA”): pass / fail inferred from "
        "values yes, no; N/A allowed",
    ]
    scorecard = Scorecard.objects.get(team=team, name="Support QA")
    criteria = {c.name: c for c in current_version(scorecard=scorecard).criteria.all()}
    assert [c.name for c in current_version(scorecard=scorecard).criteria.order_by("position")] == [
        "Greeting",
        "Empathy",
        "Resolution",
        "Verified identity",
    ]
    assert criteria["Greeting"].scale_kind == ScaleKind.BINARY
    assert (criteria["Empathy"].scale_kind, criteria["Empathy"].scale_points) == ("numeric", 5)
    assert criteria["Resolution"].scale_labels == ["Missed", "Partly", "Fully"]
    assert criteria["Resolution"].scale_ordered is True
    assert criteria["Verified identity"].scale_kind == ScaleKind.BINARY
    assert criteria["Verified identity"].na_allowed is True
    assert criteria["Empathy"].na_allowed is False
    assert result.sessions_created == 2
    assert result.ratings == 46  # 48 rows, two of them empty
    assert "Imported 2 sessions with 46 ratings." in result.summary
    assert "scorecard “Support QA” (4 criteria)" in result.created


def test_imported_sessions_are_closed_imports_with_revealed_items_and_a_transition(team):
    import_history(data=EXAMPLE.read_bytes(), team_name="support", create_missing=True)

    sessions = {s.title: s for s in CalibrationSession.objects.filter(team=team)}
    assert set(sessions) == {"March calibration", "April calibration"}
    april = sessions["April calibration"]
    assert april.status == SessionStatus.CLOSED
    assert april.source == SessionSource.IMPORT
    assert april.held_on_date == date(2024, 4, 11)  # written 11/04/2024, day first
    assert april.closed_at is not None
    assert april.criteria.count() == 4
    items = list(april.items.select_related("interaction").order_by("position"))
    assert [item.interaction.external_id for item in items] == ["CALL-2291", "ZD-40302"]
    assert all(item.revealed_at is not None for item in items)
    assert {item.unsubmitted_policy for item in items} == {UnsubmittedPolicy.INCLUDE_DRAFTS}
    reviewers = april.participants.order_by("alias")
    assert [(p.user.username, p.alias, p.role) for p in reviewers] == [
        ("alice", "Reviewer A", ParticipantRole.REVIEWER),
        ("bruno", "Reviewer B", ParticipantRole.REVIEWER),
        ("chen", "Reviewer C", ParticipantRole.REVIEWER),
    ]
    assert Submission.objects.filter(item__session=april).count() == 6
    transition = Transition.objects.get(session=april, to_status=SessionStatus.CLOSED)
    assert (transition.to_status, transition.detail) == ("closed", "Imported from spreadsheet")
    assert april.scorecard_version.locked_at is not None


def test_scores_are_stored_as_scale_codes_with_na_apart_from_not_rated(team):
    import_history(data=EXAMPLE.read_bytes(), team_name=None, create_missing=True)

    def score(session, interaction, criterion, reviewer):
        return Score.objects.filter(
            item__session__title=session,
            item__interaction__external_id=interaction,
            criterion__name=criterion,
            participant__user__username=reviewer,
        ).first()

    partly = score("March calibration", "ZD-40121", "Resolution", "bruno")
    assert (partly.value, partly.is_na, partly.included) == (1, False, True)
    assert partly.comment == "Refund promised, but no date given"
    assert score("March calibration", "ZD-40188", "Greeting", "alice").value == 0  # fail
    assert score("April calibration", "CALL-2291", "Verified identity", "bruno").value == 0  # no
    assert score("April calibration", "CALL-2291", "Empathy", "alice").value == 5
    na = score("March calibration", "ZD-40188", "Verified identity", "alice")
    assert (na.value, na.is_na) == (None, True)
    # An empty score is "not rated": no rating at all, unlike N/A.
    assert score("March calibration", "ZD-40188", "Verified identity", "chen") is None
    assert score("April calibration", "ZD-40302", "Empathy", "chen") is None


def test_imported_sessions_appear_in_the_list_and_reports_work_on_them(client, team):
    user = MembershipFactory(team=team, role=Role.REVIEWER).user
    import_history(data=EXAMPLE.read_bytes(), team_name=None, create_missing=True)
    client.force_login(user)

    listing = client.get(reverse("sessions:list"))
    session = CalibrationSession.objects.get(title="March calibration")
    summary = client.get(reverse("sessions:summary", args=[session.pk]))
    report = session_report(session=session, n_resamples=50)

    assert "March calibration" in listing.content.decode()
    assert summary.status_code == 200
    assert report is not None


# --- without --create-missing ----------------------------------------------------------------


def test_unknown_scorecard_without_create_missing_names_its_rows_once_and_writes_nothing(team):
    before = counts()
    data = csv_bytes([rating(), rating(reviewer="bruno"), rating(reviewer="chen")])

    with pytest.raises(ImportFailed) as failure:
        import_history(data=data, team_name=None, create_missing=False)

    assert [error.row for error in failure.value.errors] == [2]
    assert messages_of(failure)[0] == (
        "row 2, column 'scorecard': the team has no scorecard “Support QA” (rows 2–4): "
        "create it first, or tick “Create missing scorecards and criteria” "
        "(on the command line: --create-missing)"
    )
    assert counts() == before


def test_unknown_criterion_without_create_missing_lists_the_scorecards_criteria(team, known):
    data = csv_bytes([rating(), rating(criterion="Tone", score="3")])

    with pytest.raises(ImportFailed) as failure:
        import_history(data=data, team_name=None, create_missing=False)

    assert messages_of(failure) == [
        "row 3, column 'criterion': scorecard “Support QA” has no criterion “Tone” (row 3; its "
        "criteria: “Empathy”, “Verified identity”, “Resolution”): create it first, or tick "
        "“Create missing scorecards and criteria” (on the command line: --create-missing)"
    ]
    assert not CalibrationSession.objects.exists()


def test_known_criteria_read_numbers_and_labels_case_insensitively(team, known):
    data = csv_bytes(
        [
            rating(criterion="empathy", score="5"),
            rating(criterion="RESOLUTION", score="partly"),
            rating(criterion="Verified identity", score="N/A"),
            rating(criterion="Verified identity", reviewer="bruno", score="Pass"),
        ]
    )

    result = import_history(data=data, team_name=None, create_missing=False)

    assert result.inferred_scales == []
    assert set(Score.objects.values_list("criterion__name", "value", "is_na")) == {
        ("Empathy", 5, False),
        ("Resolution", 1, False),
        ("Verified identity", None, True),
        ("Verified identity", 1, False),
    }
    session = CalibrationSession.objects.get()
    assert session.scorecard_version == known
    assert set(session.criteria.values_list("name", flat=True)) == {
        "Empathy",
        "Resolution",
        "Verified identity",
    }


def test_a_score_off_the_known_scale_is_a_row_error(team, known):
    before = counts()
    data = csv_bytes(
        [
            rating(),
            rating(reviewer="bruno", score="7"),
            rating(criterion="Resolution", score="Mostly"),
            rating(criterion="Empathy", reviewer="chen", score="N/A"),
        ]
    )

    with pytest.raises(ImportFailed) as failure:
        import_history(data=data, team_name=None, create_missing=True)

    assert messages_of(failure) == [
        "row 3, column 'score': '7' is not on the scale of “Empathy” (1–5)",
        "row 4, column 'score': 'Mostly' is not on the scale of “Resolution” "
        "(Missed / Partly / Fully (ordered))",
        "row 5, column 'score': N/A is not allowed for “Empathy”",
    ]
    assert counts() == before


def test_a_missing_criterion_with_create_missing_starts_a_new_scorecard_version(team, known):
    known.locked_at = known.created_at
    known.save()
    data = csv_bytes(
        [
            rating(),
            rating(criterion="Tone", score="Friendly"),
            rating(criterion="Tone", reviewer="bruno", score="Curt"),
        ]
    )

    result = import_history(data=data, team_name=None, create_missing=True)

    scorecard = known.scorecard
    current = current_version(scorecard=scorecard)
    assert current.number == 2
    assert "Added “Tone”" in current.changes
    assert [c.name for c in current.criteria.order_by("position")] == [
        "Empathy",
        "Verified identity",
        "Resolution",
        "Tone",
    ]
    session = CalibrationSession.objects.get()
    assert session.scorecard_version == current
    assert set(session.criteria.values_list("version_id", flat=True)) == {current.pk}
    assert result.inferred_scales == [
        "Criterion “Tone” (scorecard “Support QA”): unordered labels Friendly / Curt "
        "inferred from the values, in order of first appearance"
    ]
    assert "criterion “Tone” on scorecard “Support QA” (version 2)" in result.created


# --- row checks ------------------------------------------------------------------------------


def test_the_same_rating_twice_is_an_error_naming_the_first_row(team, known):
    data = csv_bytes([rating(), rating(score="3"), rating(reviewer="ALICE", score="2")])

    with pytest.raises(ImportFailed) as failure:
        import_history(data=data, team_name=None, create_missing=False)

    assert [error.row for error in failure.value.errors] == [3, 4]
    assert messages_of(failure)[0] == (
        "row 3: duplicate rating: row 2 already rates “Empathy” of interaction 'ZD-1' by "
        "alice in session “March calibration”"
    )
    assert not CalibrationSession.objects.exists()


def test_a_session_has_one_date_and_one_scorecard(team, known):
    data = csv_bytes(
        [
            rating(),
            rating(reviewer="bruno", date="2024-03-08"),
            rating(reviewer="chen", scorecard="Other card"),
        ]
    )

    with pytest.raises(ImportFailed) as failure:
        import_history(data=data, team_name=None, create_missing=True)

    assert messages_of(failure) == [
        "row 3, column 'date': session “March calibration” is dated 2024-03-07 on row 2: a "
        "session has one date (give sessions held on different days different names)",
        "row 4, column 'scorecard': session “March calibration” uses scorecard “Support QA” "
        "on row 2: a session has one scorecard",
    ]


def test_bad_values_are_reported_with_their_row_and_column(team, known):
    future = (date.today() + timedelta(days=3)).isoformat()
    data = csv_bytes(
        [
            rating(date="03/15/2024"),
            rating(reviewer="bruno", date=future),
            rating(reviewer="chen", channel="fax"),
            rating(reviewer="dana", session=""),
            rating(reviewer="eve", score="", comment="Could not hear the call"),
            rating(reviewer="not a username!"),
        ]
    )

    with pytest.raises(ImportFailed) as failure:
        import_history(data=data, team_name=None, create_missing=False)

    assert [(error.row, error.column) for error in failure.value.errors] == [
        (2, "date"),
        (3, "date"),
        (4, "channel"),
        (5, "session"),
        (6, "score"),
        (7, "reviewer"),
    ]
    text = messages_of(failure)
    assert "write it as YYYY-MM-DD (2024-03-07) or DD/MM/YYYY (07/03/2024)" in text[0]
    assert "is in the future" in text[1]
    assert "Unknown channel 'fax'" in text[2]
    assert text[3] == "row 5, column 'session': this value is required"
    assert "comment but no score" in text[4]
    assert not User.objects.filter(username__in=["bruno", "chen", "dana", "eve"]).exists()


def test_dates_are_iso_or_day_first():
    assert parse_date("2024-03-07") == date(2024, 3, 7)
    assert parse_date("07/03/2024") == date(2024, 3, 7)
    with pytest.raises(ValueError):
        parse_date("2024/03/07")


def test_a_new_interaction_needs_a_channel_and_a_known_one_keeps_its_own(team, known):
    InteractionFactory(team=team, external_id="ZD-9", channel=Channel.CHAT)
    data = csv_bytes(
        [
            rating(interaction="ZD-new", channel=""),
            rating(interaction="ZD-9", channel="phone"),
        ]
    )

    with pytest.raises(ImportFailed) as failure:
        import_history(data=data, team_name=None, create_missing=False)

    assert [(error.row, error.column) for error in failure.value.errors] == [
        (2, "channel"),
        (3, "channel"),
    ]
    assert "'ZD-new' is new to the team: give its channel" in messages_of(failure)[0]
    assert "already in the team as Chat, not phone" in messages_of(failure)[1]


def test_interactions_are_matched_by_external_id_and_missing_ones_created(team, known):
    existing = InteractionFactory(team=team, external_id="ZD-9", channel=Channel.CHAT)
    other_team = InteractionFactory(external_id="ZD-10")
    data = csv_bytes(
        [
            rating(interaction="ZD-9", channel=""),
            rating(interaction="ZD-10", channel="Phone call"),
        ]
    )

    result = import_history(data=data, team_name="Support", create_missing=False)

    created = Interaction.objects.get(team=team, external_id="ZD-10")
    assert created != other_team
    assert (created.channel, created.subject) == ("phone", "Imported from history")
    session = CalibrationSession.objects.get()
    assert list(session.items.order_by("position").values_list("interaction", flat=True)) == [
        existing.pk,
        created.pk,
    ]
    assert "1 interaction (subject “Imported from history”)" in result.created


# --- scale inference -------------------------------------------------------------------------


def test_a_new_criterion_with_only_empty_or_na_values_cannot_be_inferred(team):
    data = csv_bytes([rating(score=""), rating(reviewer="bruno", score="N/A")])

    with pytest.raises(ImportFailed) as failure:
        import_history(data=data, team_name=None, create_missing=True)

    assert [error.row for error in failure.value.errors] == [2, 3]
    assert "only empty or N/A values" in messages_of(failure)[0]
    assert not Scorecard.objects.exists()


def test_inference_errors_name_the_offending_rows_and_nothing_is_written(team):
    before = counts()
    data = csv_bytes([rating(score="0"), rating(reviewer="bruno", score="3")])

    with pytest.raises(ImportFailed) as failure:
        import_history(data=data, team_name=None, create_missing=True)

    assert [error.row for error in failure.value.errors] == [2]
    assert counts() == before


# --- re-importing ----------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(team):
    import_history(data=EXAMPLE.read_bytes(), team_name=None, create_missing=True)
    before = counts()

    again = import_history(data=EXAMPLE.read_bytes(), team_name=None, create_missing=True)

    assert counts() == before
    assert (again.sessions_created, again.sessions_unchanged, again.ratings) == (0, 2, 0)
    assert again.created == []
    assert again.summary == (
        "Nothing new to import. 2 sessions were already imported and are unchanged."
    )


def test_a_reimported_session_with_different_ratings_is_an_error(team):
    import_history(data=EXAMPLE.read_bytes(), team_name=None, create_missing=True)
    before = counts()
    changed = EXAMPLE.read_text().replace(
        "March calibration,2024-03-07,Support QA,ZD-40121,email,Empathy,alice,4,",
        "March calibration,2024-03-07,Support QA,ZD-40121,email,Empathy,alice,5,",
    )

    with pytest.raises(ImportFailed) as failure:
        import_history(data=changed.encode(), team_name=None, create_missing=True)

    assert messages_of(failure) == [
        "row 2, column 'session': session “March calibration” of 2024-03-07 (rows 2–25) was "
        "already imported with different ratings: rename the session or delete the old one"
    ]
    assert counts() == before


def test_a_new_session_in_a_reimported_file_is_added_next_to_the_unchanged_ones(team):
    import_history(data=EXAMPLE.read_bytes(), team_name=None, create_missing=True)
    extra = (
        EXAMPLE.read_text() + "May calibration,2024-05-02,Support QA,ZD-5,chat,Empathy,alice,3,\n"
    )

    result = import_history(data=extra.encode(), team_name=None, create_missing=True)

    assert (result.sessions_created, result.sessions_unchanged, result.ratings) == (1, 2, 1)
    assert CalibrationSession.objects.count() == 3


# --- teams and reviewers ---------------------------------------------------------------------


def test_the_team_may_be_left_out_when_there_is_only_one(team, known):
    import_history(data=csv_bytes([rating()]), team_name=None, create_missing=False)

    assert CalibrationSession.objects.get().team == team


def test_leaving_out_the_team_with_several_teams_is_a_clear_error(team, known):
    TeamFactory(name="Billing")

    with pytest.raises(ImportFailed) as failure:
        import_history(data=csv_bytes([rating()]), team_name=None, create_missing=True)

    assert messages_of(failure) == [
        "There are several teams: choose one with --team NAME (“Billing”, “Support”)."
    ]


def test_an_unknown_team_is_created_only_with_create_missing(team):
    with pytest.raises(ImportFailed) as failure:
        import_history(data=csv_bytes([rating()]), team_name="Billing", create_missing=False)
    assert "No team is called “Billing”" in messages_of(failure)[0]
    assert not Team.objects.filter(name="Billing").exists()

    result = import_history(data=csv_bytes([rating()]), team_name="Billing", create_missing=True)

    billing = Team.objects.get(name="Billing")
    assert CalibrationSession.objects.get().team == billing
    assert result.created[0] == "team “Billing”"
    assert Scorecard.objects.get().team == billing


def test_reviewers_are_matched_by_username_or_created_as_inactive_users(team, known):
    alice = UserFactory(username="Alice")
    data = csv_bytes([rating(reviewer="alice"), rating(reviewer="newbie")])

    result = import_history(data=data, team_name=None, create_missing=False)

    newbie = User.objects.get(username="newbie")
    assert newbie.is_active is False
    assert newbie.has_usable_password() is False
    assert set(Participant.objects.values_list("user", flat=True)) == {alice.pk, newbie.pk}
    assert User.objects.filter(username__iexact="alice").count() == 1
    assert "1 reviewer (newbie) as an inactive user who cannot log in" in result.created


# --- the management command ------------------------------------------------------------------


def test_command_imports_and_prints_the_summary_and_inferred_scales(team):
    out = io.StringIO()

    call_command("import_history", str(EXAMPLE), "--create-missing", stdout=out)

    text = out.getvalue()
    assert "Support: Imported 2 sessions with 46 ratings." in text
    assert "Inferred scales" in text
    assert "Criterion “Empathy” (scorecard “Support QA”): numeric 1–5" in text
    assert CalibrationSession.objects.count() == 2


def test_command_prints_every_error_and_fails(team, tmp_path):
    path = tmp_path / "history.csv"
    path.write_bytes(csv_bytes([rating(), rating(reviewer="bruno", date="yesterday")]))
    err = io.StringIO()

    with pytest.raises(CommandError, match="2 problems; nothing was imported"):
        call_command("import_history", str(path), "--team", "Support", stderr=err)

    assert "row 2, column 'scorecard': the team has no scorecard" in err.getvalue()
    assert "row 3, column 'date': cannot read 'yesterday' as a date" in err.getvalue()
    assert not CalibrationSession.objects.exists()


def test_command_with_an_unknown_team_fails_without_create_missing(team):
    with pytest.raises(CommandError):
        call_command("import_history", str(EXAMPLE), "--team", "Nope", stderr=io.StringIO())
    assert not Team.objects.filter(name="Nope").exists()


# --- the upload page -------------------------------------------------------------------------


def upload(content: bytes, name="history.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_upload_page_opens_for_a_facilitator(client, team):
    client.force_login(MembershipFactory(team=team, role=Role.FACILITATOR).user)

    response = client.get(reverse("reports:import_history"))

    assert response.status_code == 200
    assert "Create missing scorecards and criteria" in response.content.decode()


def test_upload_page_is_forbidden_for_a_reviewer(client, team):
    client.force_login(MembershipFactory(team=team, role=Role.REVIEWER).user)

    assert client.get(reverse("reports:import_history")).status_code == 403


def test_uploading_a_bad_file_shows_the_errors_and_imports_nothing(client, team):
    client.force_login(MembershipFactory(team=team, role=Role.ADMIN).user)
    rows = [rating(reviewer=f"user{n}", score="seven") for n in range(60)]
    rows += [rating(reviewer="extra", scorecard="Unknown card")]

    response = client.post(
        reverse("reports:import_history"),
        {"file": upload(csv_bytes(rows)), "create_missing": "on"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'class="errors-box"' in page
    assert "Nothing was imported:" in page
    assert "… and" in page
    assert not CalibrationSession.objects.exists()


def test_uploading_a_good_file_imports_it_as_the_current_team_with_the_uploader_facilitating(
    client, team
):
    TeamFactory(name="Another team")
    facilitator = MembershipFactory(team=team, role=Role.FACILITATOR).user
    client.force_login(facilitator)

    response = client.post(
        reverse("reports:import_history"),
        {"file": upload(EXAMPLE.read_bytes()), "create_missing": "on"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("reports:import_history"), 302)]
    page = response.content.decode()
    assert "Imported 2 sessions with 46 ratings." in page
    assert "Inferred: Criterion “Empathy” (scorecard “Support QA”): numeric 1–5" in page
    session = CalibrationSession.objects.get(title="March calibration")
    assert session.team == team
    assert session.created_by == facilitator
    assert session.participants.get(user=facilitator).role == ParticipantRole.FACILITATOR
    assert Scorecard.objects.get().created_by == facilitator


def test_uploading_without_create_missing_does_not_create_scorecards(client, team):
    client.force_login(MembershipFactory(team=team, role=Role.FACILITATOR).user)

    response = client.post(
        reverse("reports:import_history"), {"file": upload(EXAMPLE.read_bytes())}
    )

    assert response.status_code == 400
    assert not Scorecard.objects.exists()


# --- scale of the work -----------------------------------------------------------------------


def big_file(sessions: int) -> bytes:
    """10 interactions × 5 reviewers × 4 criteria = 200 rows per session."""
    rows = []
    for s in range(sessions):
        for i in range(10):
            for r in range(5):
                for criterion, score in (
                    ("Empathy", str(1 + (i + r) % 5)),
                    ("Verified identity", "pass" if (i + r) % 3 else "fail"),
                    ("Resolution", ("Missed", "Partly", "Fully")[(s + r) % 3]),
                    ("Tone", ("Warm", "Neutral", "Cold")[(i * r) % 3]),
                ):
                    rows.append(
                        rating(
                            session=f"Week {s + 1}",
                            date=f"2024-01-{s + 1:02d}",
                            interaction=f"T-{s}-{i}",
                            reviewer=f"reviewer{r}",
                            criterion=criterion,
                            score=score,
                        )
                    )
    return csv_bytes(rows)


def test_a_two_thousand_row_import_takes_a_bounded_number_of_queries(
    team, known, django_assert_max_num_queries
):
    small, large = big_file(1), big_file(10)

    # The summaries, the stored reports and the weekly and monthly rollups (under the team's
    # lock): a fixed few more.
    with django_assert_max_num_queries(90) as small_queries:
        import_history(data=small, team_name=None, create_missing=True)
    with django_assert_max_num_queries(90) as large_queries:
        result = import_history(data=large, team_name=None, create_missing=True)

    assert result.sessions_created == 9 and result.sessions_unchanged == 1
    assert Score.objects.count() == 2000
    # Only the bulk inserts' own batches grow with the rows.
    assert len(large_queries.captured_queries) - len(small_queries.captured_queries) < 25


# --- the write: services.session_import_closed -----------------------------------------------


def closed_plan(known, **values) -> ClosedImportPlan:
    """A plan for one session on the `known` scorecard: alice and bruno rate two interactions,
    one of them new to the team, on Empathy."""
    alice = UserFactory(username="alice")
    existing = InteractionFactory(team=known.scorecard.team, external_id="ZD-1")
    empathy = ("support qa", "empathy")
    plan = ClosedImportPlan(
        users={"alice": alice},
        interactions={"ZD-1": existing},
        new_users={"bruno": "bruno"},
        new_interactions={"ZD-2": Channel.CHAT},
        sessions=[
            ClosedSessionPlan(
                title="March calibration",
                held_on=date(2024, 3, 7),
                scorecard_key="support qa",
                first_line=2,
                interactions=["ZD-1", "ZD-2"],
                reviewers=["alice", "bruno"],
                criteria=[empathy],
                ratings=[
                    PlannedRating("ZD-1", empathy, "alice", 4, False, "Warm"),
                    PlannedRating("ZD-1", empathy, "bruno", 3, False, ""),
                    PlannedRating("ZD-2", empathy, "bruno", None, True, ""),
                ],
            )
        ],
    )
    for name, value in values.items():
        setattr(plan, name, value)
    return plan


def live_closed_session_steps() -> list[tuple[str, str]]:
    world = SessionWorld(reviewers=1, interactions=1).start()
    session_id = world.session.pk
    services.session_reveal(session_id=session_id, actor=world.facilitator)
    services.session_close(session_id=session_id, actor=world.facilitator)
    return list(
        Transition.objects.filter(session_id=session_id)
        .order_by("at", "id")
        .values_list("from_status", "to_status")
    )


def test_an_imported_session_records_the_transitions_a_live_session_records(team, known):
    facilitator = MembershipFactory(team=team, role=Role.FACILITATOR).user

    written = services.session_import_closed(team=team, plan=closed_plan(known), actor=facilitator)

    session = written.sessions[0]
    steps = list(
        Transition.objects.filter(session=session)
        .order_by("at", "id")
        .values_list("from_status", "to_status", "detail", "actor")
    )
    assert steps == [
        ("", SessionStatus.DRAFT, "Created", facilitator.pk),
        (SessionStatus.DRAFT, SessionStatus.SCORING, "", facilitator.pk),
        (SessionStatus.SCORING, SessionStatus.REVEALED, "All interactions", facilitator.pk),
        (SessionStatus.REVEALED, SessionStatus.CLOSED, "Imported from spreadsheet", facilitator.pk),
    ]
    assert [step[:2] for step in steps] == live_closed_session_steps()
    session.refresh_from_db()
    assert (session.status, session.source) == (SessionStatus.CLOSED, SessionSource.IMPORT)
    assert None not in (session.scoring_started_at, session.revealed_at, session.closed_at)


def test_session_import_closed_locks_the_version_it_uses_and_only_that_one(team, known):
    other = ScorecardVersionFactory(scorecard__team=team, scorecard__name="Sales QA")
    assert known.locked_at is None

    written = services.session_import_closed(team=team, plan=closed_plan(known), actor=None)

    known.refresh_from_db()
    other.refresh_from_db()
    assert written.sessions[0].scorecard_version_id == known.pk
    assert known.locked_at is not None
    assert other.locked_at is None
    # Locked as by a live session: editing the scorecard now starts a new version.
    edit = criterion_add(
        scorecard=known.scorecard,
        data=CriterionData(name="Tone", scale=Scale(kind=ScaleKind.NUMERIC, points=3)),
    )
    assert (edit.new_version, edit.version.number) == (True, 2)


def test_session_import_closed_locks_through_the_scorecard_service(team, known, monkeypatch):
    locked = []
    monkeypatch.setattr(
        importing, "scorecard_version_lock", lambda *, version: locked.append(version.pk)
    )

    services.session_import_closed(team=team, plan=closed_plan(known), actor=None)

    assert locked == [known.pk]


def test_session_import_closed_uses_the_new_version_a_criterion_added_to_a_locked_one_starts(
    team, known
):
    known.locked_at = known.created_at
    known.save()
    tone = ("support qa", "tone")
    plan = closed_plan(
        known,
        added_criteria={"support qa": [tone]},
        new_criteria={
            tone: NewCriterion(
                name="Tone", scale=Scale(kind=ScaleKind.NUMERIC, points=3), na_allowed=False
            )
        },
    )
    plan.sessions[0].criteria.append(tone)
    plan.sessions[0].ratings.append(PlannedRating("ZD-2", tone, "alice", 2, False, ""))

    written = services.session_import_closed(team=team, plan=plan, actor=None)

    session = written.sessions[0]
    assert session.scorecard_version.number == 2
    assert session.scorecard_version.locked_at is not None
    assert set(session.criteria.values_list("version_id", flat=True)) == {
        session.scorecard_version_id
    }
    assert written.created[-1] == "criterion “Tone” on scorecard “Support QA” (version 2)"


def test_session_import_closed_writes_the_plan_and_says_what_it_created(team, known):
    facilitator = MembershipFactory(team=team, role=Role.FACILITATOR).user

    written = services.session_import_closed(team=team, plan=closed_plan(known), actor=facilitator)

    session = written.sessions[0]
    assert written.ratings == 3
    assert written.created == [
        "1 reviewer (bruno) as an inactive user who cannot log in",
        "1 interaction (subject “Imported from history”)",
    ]
    bruno = User.objects.get(username="bruno")
    assert (bruno.is_active, bruno.has_usable_password()) == (False, False)
    new = Interaction.objects.get(team=team, external_id="ZD-2")
    assert (new.channel, new.subject) == (Channel.CHAT, "Imported from history")
    assert list(session.participants.order_by("id").values_list("user__username", "role")) == [
        ("alice", ParticipantRole.REVIEWER),
        ("bruno", ParticipantRole.REVIEWER),
        (facilitator.username, ParticipantRole.FACILITATOR),
    ]
    assert set(
        Score.objects.filter(item__session=session).values_list(
            "item__interaction__external_id", "participant__user__username", "value", "is_na"
        )
    ) == {("ZD-1", "alice", 4, False), ("ZD-1", "bruno", 3, False), ("ZD-2", "bruno", None, True)}
    assert Submission.objects.filter(item__session=session).count() == 3
