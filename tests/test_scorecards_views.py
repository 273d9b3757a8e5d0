import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scorecards import services
from scorecards.models import Scorecard, ScorecardVersion
from scorecards.scales import Scale, ScaleKind
from scorecards.specs import CriterionData
from teams.models import Role

from .factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db

FIVE = Scale(kind=ScaleKind.NUMERIC, points=5, fail_values=(1, 2))

VALID_CRITERION = {
    "name": "Empathy",
    "group": "Communication",
    "description": "",
    "guidance_right": "Acknowledges the impact",
    "guidance_wrong": "Ignores it",
    "scale_kind": "numeric",
    "points": "5",
    "labels": "",
    "ordered": "on",
    "fail_values": "1, 2",
    "weight": "1",
}


@pytest.fixture
def team():
    return TeamFactory(name="Support")


def member(team, role):
    return MembershipFactory(team=team, role=role).user


@pytest.fixture
def facilitator(client, team):
    client.force_login(member(team, Role.FACILITATOR))
    return client


@pytest.fixture
def reviewer(client, team):
    client.force_login(member(team, Role.REVIEWER))
    return client


def make_scorecard(team, *names, name="Support QA"):
    return services.scorecard_create(
        team=team,
        name=name,
        criteria=[CriterionData(name=n, scale=FIVE, group="Communication") for n in names],
    )


def current(scorecard) -> ScorecardVersion:
    return scorecard.versions.order_by("-number").first()


def key_of(scorecard, name):
    return current(scorecard).criteria.get(name=name).key


def url(name, *args):
    return reverse(f"scorecards:{name}", args=args)


# --- list --------------------------------------------------------------------------------------


def test_list_shows_version_and_active_criteria(facilitator, team):
    scorecard = make_scorecard(team, "Tone", "Empathy")
    services.criterion_retire(scorecard=scorecard, key=key_of(scorecard, "Tone"))
    make_scorecard(TeamFactory(), "X", name="Foreign scorecard")

    response = facilitator.get(url("list"))

    text = _text(response)
    assert "Support QA" in text and "v1" in text
    assert re.search(r'<td class="num">1</td>', response.content.decode())
    assert "Foreign scorecard" not in text
    assert "New scorecard" in text and "Export CSV" in text


def test_list_empty_state(facilitator):
    response = facilitator.get(url("list"))

    assert "No scorecards yet" in _text(response)


def test_reviewer_sees_the_list_without_edit_buttons(reviewer, team):
    make_scorecard(team, "Tone")

    response = reviewer.get(url("list"))

    assert response.status_code == 200
    assert "New scorecard" not in _text(response)
    assert "Import" not in _text(response)


def test_list_queries_do_not_grow_with_scorecards(facilitator, team, django_assert_max_num_queries):
    for index in range(8):
        make_scorecard(team, "A", "B", name=f"Scorecard {index}")

    with django_assert_max_num_queries(6):
        response = facilitator.get(url("list"))

    assert response.content.decode().count('<td class="num">2</td>') == 8


# --- create and edit details -------------------------------------------------------------------


def test_create_scorecard_starts_version_one_and_opens_the_editor(facilitator, team):
    response = facilitator.post(url("create"), {"name": "Chat QA", "description": "Chats"})

    scorecard = Scorecard.objects.get(team=team, name="Chat QA")
    assert response.status_code == 302 and response.url == url("detail", scorecard.pk)
    assert current(scorecard).changes == ["Created"]


def test_create_with_a_taken_name_shows_the_error(facilitator, team):
    make_scorecard(team, name="Chat QA")

    response = facilitator.post(url("create"), {"name": "chat qa"})

    assert response.status_code == 400
    assert "already has a scorecard called" in _text(response)
    assert Scorecard.objects.filter(team=team).count() == 1


def test_edit_details_renames(facilitator, team):
    scorecard = make_scorecard(team)

    facilitator.post(url("edit", scorecard.pk), {"name": "Renamed", "description": ""})

    scorecard.refresh_from_db()
    assert scorecard.name == "Renamed"


# --- permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.MANAGER])
def test_readers_get_403_on_every_change(client, team, role):
    client.force_login(member(team, role))
    scorecard = make_scorecard(team, "Tone")
    key = key_of(scorecard, "Tone")
    before = (list(current(scorecard).criteria.values()), current(scorecard).changes)

    posts = [
        (url("create"), {"name": "New"}),
        (url("edit", scorecard.pk), {"name": "New"}),
        (url("criterion_add", scorecard.pk), VALID_CRITERION),
        (url("criterion_edit", scorecard.pk, key), VALID_CRITERION),
        (url("criterion_move", scorecard.pk, key), {"direction": "down"}),
        (url("criterion_retire", scorecard.pk, key), {}),
        (url("criterion_restore", scorecard.pk, key), {}),
        (url("criteria_reorder", scorecard.pk), {"order": str(key)}),
        (url("import"), {}),
    ]
    statuses = [client.post(path, payload).status_code for path, payload in posts]

    assert statuses == [403] * len(posts)
    assert (list(current(scorecard).criteria.values()), current(scorecard).changes) == before
    assert Scorecard.objects.filter(team=team).count() == 1


def test_reviewer_can_read_the_detail_but_sees_no_edit_controls(reviewer, team):
    scorecard = make_scorecard(team, "Tone")

    response = reviewer.get(url("detail", scorecard.pk))

    text = _text(response)
    assert response.status_code == 200
    assert "Tone" in text
    assert "Add criterion" not in text and "Retire" not in text
    assert "draggable" not in response.content.decode()


def test_another_teams_scorecard_is_not_found(facilitator, team):
    foreign = make_scorecard(TeamFactory(), "Tone")
    key = key_of(foreign, "Tone")

    responses = [
        facilitator.get(url("detail", foreign.pk)),
        facilitator.get(url("version", foreign.pk, 1)),
        facilitator.get(url("criterion_edit", foreign.pk, key)),
        facilitator.post(url("criterion_retire", foreign.pk, key)),
        facilitator.post(url("criteria_reorder", foreign.pk), {"order": str(key)}),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert current(foreign).criteria.get().is_active


def test_a_key_from_another_scorecard_is_not_found(facilitator, team):
    scorecard = make_scorecard(team, "Tone")
    other = make_scorecard(team, "Tone", name="Other")

    response = facilitator.post(url("criterion_retire", scorecard.pk, key_of(other, "Tone")))

    assert response.status_code == 404


# --- detail ------------------------------------------------------------------------------------


def test_detail_shows_groups_scale_guidance_and_history(facilitator, team):
    scorecard = make_scorecard(team, "Tone")
    services.criterion_add(
        scorecard=scorecard,
        data=CriterionData(
            name="Verified",
            scale=Scale(kind=ScaleKind.BINARY),
            group="Compliance",
            critical=True,
            na_allowed=True,
            guidance_right="Checks the fields",
        ),
    )
    services.scorecard_version_lock(version=current(scorecard))

    text = _text(facilitator.get(url("detail", scorecard.pk)))

    for expected in [
        "Communication",
        "Compliance",
        "1–5",
        "Pass / fail",
        "Critical",
        "Checks the fields",
        "Version history",
        "Added “Verified”",
        "used in a session",
        "your next edit starts version 2",
    ]:
        assert expected in text


def test_detail_queries_do_not_grow_with_criteria(facilitator, team, django_assert_max_num_queries):
    scorecard = make_scorecard(team, *[f"Criterion {n}" for n in range(15)])
    for _ in range(3):
        services.scorecard_version_lock(version=current(scorecard))
        services.criterion_retire(scorecard=scorecard, key=key_of(scorecard, "Criterion 0"))
        services.scorecard_version_lock(version=current(scorecard))
        services.criterion_restore(scorecard=scorecard, key=key_of(scorecard, "Criterion 0"))

    with django_assert_max_num_queries(9):
        response = facilitator.get(url("detail", scorecard.pk))

    assert response.status_code == 200


def test_older_version_is_shown_read_only(facilitator, team):
    scorecard = make_scorecard(team, "Tone")
    services.scorecard_version_lock(version=current(scorecard))
    services.criterion_add(
        scorecard=scorecard, data=CriterionData(name="Empathy", scale=FIVE)
    )  # v2

    response = facilitator.get(url("version", scorecard.pk, 1))

    text = _text(response)
    assert "read-only" in text
    assert "Tone" in text and "Empathy" not in text.split("Version history")[0]
    assert "Retire" not in text and "Add criterion" not in text


def test_current_version_number_redirects_to_the_editor(facilitator, team):
    scorecard = make_scorecard(team, "Tone")

    response = facilitator.get(url("version", scorecard.pk, 1))

    assert response.status_code == 302 and response.url == url("detail", scorecard.pk)


# --- criteria ----------------------------------------------------------------------------------


def test_add_criterion(facilitator, team):
    scorecard = make_scorecard(team)

    response = facilitator.post(url("criterion_add", scorecard.pk), VALID_CRITERION)

    empathy = current(scorecard).criteria.get()
    assert response.status_code == 302
    assert (empathy.name, empathy.scale_points, empathy.fail_values) == ("Empathy", 5, [1, 2])
    assert current(scorecard).changes == ["Created", "Added “Empathy”"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"points": "12"}, "less than or equal to 10"),
        ({"points": ""}, "needs a number of points"),
        ({"labels": "Poor\nFair"}, "one label per point (5)"),
        ({"fail_values": "1, 9"}, "is not a whole number from 1 to 5"),
        ({"scale_kind": "labels", "labels": "Only one"}, "at least two labels"),
        ({"scale_kind": "labels", "labels": "A\nB", "fail_values": "C"}, "is not one of: A, B"),
        ({"weight": "-1"}, "greater than or equal to 0"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_add_criterion_shows_clear_errors_and_adds_nothing(facilitator, team, changes, message):
    scorecard = make_scorecard(team)

    response = facilitator.post(url("criterion_add", scorecard.pk), {**VALID_CRITERION, **changes})

    assert response.status_code == 400
    assert message in _text(response)
    assert not current(scorecard).criteria.exists()


def test_adding_a_duplicate_name_is_shown_on_the_form(facilitator, team):
    scorecard = make_scorecard(team, "Empathy")

    response = facilitator.post(url("criterion_add", scorecard.pk), VALID_CRITERION)

    assert response.status_code == 400
    assert "already a criterion called “Empathy”" in _text(response)


def test_edit_form_is_filled_with_the_criterion(facilitator, team):
    scorecard = make_scorecard(team, "Tone")

    response = facilitator.get(url("criterion_edit", scorecard.pk, key_of(scorecard, "Tone")))

    html = response.content.decode()
    assert 'value="Tone"' in html
    assert 'value="1, 2"' in html


def test_editing_a_locked_version_saves_a_new_version_and_says_so(facilitator, team):
    scorecard = make_scorecard(team, "Tone")
    services.scorecard_version_lock(version=current(scorecard))
    payload = {**VALID_CRITERION, "name": "Tone", "scale_kind": "binary", "fail_values": ""}

    response = facilitator.post(
        url("criterion_edit", scorecard.pk, key_of(scorecard, "Tone")), payload, follow=True
    )

    assert "Version 2 was started" in _text(response)
    assert current(scorecard).number == 2
    assert current(scorecard).changes[0] == "“Tone”: scale 1–5 → Pass / fail"


def test_move_buttons_reorder_within_the_group(facilitator, team):
    scorecard = make_scorecard(team, "A", "B", "C")

    response = facilitator.post(
        url("criterion_move", scorecard.pk, key_of(scorecard, "C")), {"direction": "up"}
    )

    names = list(current(scorecard).criteria.order_by("position").values_list("name", flat=True))
    assert response.status_code == 302
    assert names == ["A", "C", "B"]


def test_move_with_a_bad_direction_is_refused(facilitator, team):
    scorecard = make_scorecard(team, "A")

    response = facilitator.post(
        url("criterion_move", scorecard.pk, key_of(scorecard, "A")), {"direction": "sideways"}
    )

    assert response.status_code == 400


def test_reorder_from_script_answers_json(facilitator, team):
    scorecard = make_scorecard(team, "A", "B")
    order = f"{key_of(scorecard, 'B')},{key_of(scorecard, 'A')}"

    response = facilitator.post(
        url("criteria_reorder", scorecard.pk), {"order": order}, HTTP_ACCEPT="application/json"
    )

    names = list(current(scorecard).criteria.order_by("position").values_list("name", flat=True))
    assert response.json() == {"ok": True, "version": 1, "new_version": False}
    assert names == ["B", "A"]


def test_reorder_with_a_bad_order_answers_an_error(facilitator, team):
    scorecard = make_scorecard(team, "A", "B")

    bad_list = facilitator.post(
        url("criteria_reorder", scorecard.pk), {"order": "nope"}, HTTP_ACCEPT="application/json"
    )
    incomplete = facilitator.post(
        url("criteria_reorder", scorecard.pk),
        {"order": str(key_of(scorecard, "A"))},
        HTTP_ACCEPT="application/json",
    )

    assert bad_list.status_code == 400 and "not a list" in bad_list.json()["error"]
    assert incomplete.status_code == 400 and "does not match" in incomplete.json()["error"]


def test_retire_and_restore(facilitator, team):
    scorecard = make_scorecard(team, "Tone")
    key = key_of(scorecard, "Tone")

    facilitator.post(url("criterion_retire", scorecard.pk, key))
    retired = current(scorecard).criteria.get().is_active
    page = _text(facilitator.get(url("detail", scorecard.pk)))
    facilitator.post(url("criterion_restore", scorecard.pk, key))

    assert retired is False
    assert "Retired" in page and "Restore" in page
    assert current(scorecard).criteria.get().is_active


def test_retire_by_get_is_not_allowed(facilitator, team):
    scorecard = make_scorecard(team, "Tone")

    response = facilitator.get(url("criterion_retire", scorecard.pk, key_of(scorecard, "Tone")))

    assert response.status_code == 405


# --- import and export -------------------------------------------------------------------------


CSV_HEADER = "scorecard,criterion,scale,points,fail_values\n"


def upload(content: bytes, name="scorecards.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_import_page_imports_and_reports_the_summary(facilitator, team):
    data = (CSV_HEADER + "Chat QA,Tone,numeric,5,1|2\nChat QA,Verified,binary,,fail\n").encode()

    response = facilitator.post(url("import"), {"file": upload(data)}, follow=True)

    assert "1 created (Chat QA)" in _text(response)
    assert current(Scorecard.objects.get(team=team)).criteria.count() == 2


def test_import_page_lists_errors_and_caps_them(facilitator, team):
    rows = "".join(f"Chat QA,C{n},stars,,\n" for n in range(60))

    response = facilitator.post(url("import"), {"file": upload((CSV_HEADER + rows).encode())})

    html = response.content.decode()
    box = html[html.index('class="errors-box"') : html.index("</ul>")]
    assert response.status_code == 400
    assert "60 problems" in box
    assert "row 2, column &#x27;scale&#x27;: Unknown scale" in box
    assert box.count("<li>") == 50
    assert "and 10 more" in html
    assert not Scorecard.objects.filter(team=team).exists()


def test_import_page_refuses_other_file_types(facilitator, team):
    response = facilitator.post(url("import"), {"file": upload(b"x", name="scorecards.xlsx")})

    assert response.status_code == 400
    assert "use a .csv or .json file" in _text(response)


def test_import_page_refuses_a_file_over_the_limit(facilitator, team, settings):
    settings.IMPORT_MAX_BYTES = 50
    data = (CSV_HEADER + "Chat QA,Tone,numeric,5,1|2\n" * 5).encode()

    response = facilitator.post(url("import"), {"file": upload(data)})

    assert response.status_code == 400
    assert "too large" in _text(response)
    assert not Scorecard.objects.filter(team=team).exists()


def test_export_downloads_csv_and_json(reviewer, team):
    scorecard = make_scorecard(team, "Tone")
    make_scorecard(team, "Other", name="Second")

    as_csv = reviewer.get(url("export"), {"format": "csv"})
    as_json = reviewer.get(url("export"), {"format": "json", "scorecard": scorecard.pk})

    assert as_csv["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="scorecards-support-' in as_csv["Content-Disposition"]
    assert as_csv.content.decode().count("\n") == 3
    payload = json.loads(as_json.content)
    assert [s["name"] for s in payload["scorecards"]] == ["Support QA"]


def test_export_in_an_unknown_format_is_not_found(reviewer):
    assert reviewer.get(url("export"), {"format": "xml"}).status_code == 404


def _text(response) -> str:
    """The page as text, with HTML entities for quotes turned back into characters."""
    return (
        response.content.decode()
        .replace("&#x27;", "'")
        .replace("&quot;", '"')
        .replace("&amp;", "&")
    )


# --- QA fixes: form errors where they belong ---------------------------------------------------


def test_a_critical_criterion_without_fail_values_is_refused_on_the_fail_values_field(
    facilitator, team
):
    scorecard = make_scorecard(team)

    response = facilitator.post(
        url("criterion_add", scorecard.pk), {**VALID_CRITERION, "fail_values": "", "critical": "on"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["fail_values"] == [
        "A critical criterion needs at least one value that counts as a fail."
    ]
    assert not current(scorecard).criteria.exists()


def test_a_label_with_a_comma_can_be_the_fail_value(facilitator, team):
    scorecard = make_scorecard(team)
    labels = {"scale_kind": "labels", "points": "", "labels": "Good, mostly\nBad, really"}

    response = facilitator.post(
        url("criterion_add", scorecard.pk),
        {**VALID_CRITERION, **labels, "fail_values": "Bad, really"},
    )

    assert response.status_code == 302
    assert current(scorecard).criteria.get().fail_values == [1]


def test_the_duplicate_name_error_is_on_the_name_field(facilitator, team):
    scorecard = make_scorecard(team, "Empathy")

    response = facilitator.post(url("criterion_add", scorecard.pk), VALID_CRITERION)

    assert response.context["form"].errors["name"] == [
        "There is already a criterion called “Empathy” on this scorecard "
        "(if it was retired, restore it instead)."
    ]


def test_help_texts_are_linked_to_their_inputs(facilitator, team):
    scorecard = make_scorecard(team)

    html = facilitator.get(url("criterion_add", scorecard.pk)).content.decode()

    for name in ["group", "points", "labels", "fail_values", "critical"]:
        assert f'aria-describedby="id_{name}_helptext"' in html
        assert f'id="id_{name}_helptext"' in html


def test_an_older_version_in_the_history_is_marked_viewing(facilitator, team):
    scorecard = make_scorecard(team, "Tone")
    services.scorecard_version_lock(version=current(scorecard))
    services.criterion_add(scorecard=scorecard, data=CriterionData(name="Empathy", scale=FIVE))

    text = _text(facilitator.get(url("version", scorecard.pk, 1)))

    assert '<span class="badge">viewing</span>' in text
    assert '<span class="badge">shown</span>' not in text
