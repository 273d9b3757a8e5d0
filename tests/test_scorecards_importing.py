import csv
import io
import json
from pathlib import Path

import pytest

from datafiles import ImportFailed
from scorecards import services
from scorecards.importing import export_scorecards, import_scorecards
from scorecards.models import Criterion, Scorecard
from scorecards.scales import ScaleKind
from scorecards.specs import CriterionData

from .factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HEADER = (
    "scorecard,group,criterion,description,guidance_right,guidance_wrong,scale,points,labels,"
    "ordered,fail_values,na_allowed,weight,critical,active"
)


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def row(criterion="Tone", scale="numeric", points="5", labels="", fail="1|2", **extra) -> str:
    values = {
        "scorecard": "Support QA",
        "group": "Communication",
        "criterion": criterion,
        "description": "",
        "guidance_right": "",
        "guidance_wrong": "",
        "scale": scale,
        "points": points,
        "labels": labels,
        "ordered": "",
        "fail_values": fail,
        "na_allowed": "no",
        "weight": "1",
        "critical": "no",
        "active": "yes",
        **extra,
    }
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(values[c] for c in HEADER.split(","))
    return buffer.getvalue()


def errors_of(team, data: bytes, fmt="csv") -> list[tuple]:
    with pytest.raises(ImportFailed) as failure:
        import_scorecards(team=team, data=data, fmt=fmt)
    return [(e.row, e.column, e.message) for e in failure.value.errors]


def snapshot(team) -> list:
    """Everything an import can write, to compare before and after."""
    scorecards = Scorecard.objects.filter(team=team).order_by("name")
    return [
        (
            s.name,
            s.description,
            [(v.number, v.changes) for v in s.versions.order_by("number")],
            [CriterionData.from_criterion(c) for c in _current_criteria(s)],
        )
        for s in scorecards
    ]


def _current_criteria(scorecard):
    version = scorecard.versions.order_by("-number").first()
    return list(version.criteria.order_by("position"))


# --- happy paths -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["scorecard.json", "scorecard.csv"])
def test_example_files_import_cleanly(name):
    team = TeamFactory()
    user = UserFactory()

    result = import_scorecards(
        team=team, data=(EXAMPLES / name).read_bytes(), fmt=name.rsplit(".")[-1], user=user
    )

    scorecard = Scorecard.objects.get(team=team)
    version = scorecard.versions.get()
    assert result.created == ["Email & chat support"]
    assert result.summary.startswith("1 scorecard: 1 created (Email & chat support)")
    assert version.changes == ["Created"]
    assert version.created_by == user
    assert scorecard.description.startswith("QA scorecard for written support")
    assert version.criteria.count() == 8


def test_csv_and_json_examples_describe_the_same_scorecard():
    team = TeamFactory()
    import_scorecards(team=team, data=(EXAMPLES / "scorecard.json").read_bytes(), fmt="json")

    result = import_scorecards(team=team, data=(EXAMPLES / "scorecard.csv").read_bytes(), fmt="csv")

    assert result.unchanged == ["Email & chat support"]


def test_csv_reads_every_column():
    team = TeamFactory()
    data = csv_file(
        row("Greeting", points="3", labels="Missing|Generic|Personal", fail="Generic"),
        row("Verified", scale="binary", points="", fail="fail", critical="yes", na_allowed="1"),
        row(
            "Resolution",
            scale="labels",
            points="",
            labels="Missed|Partly|Fully",
            fail="missed",
            ordered="no",
            weight="2.5",
            active="false",
        ),
    )

    import_scorecards(team=team, data=data, fmt="csv")

    greeting, verified, resolution = _current_criteria(Scorecard.objects.get(team=team))
    assert (greeting.scale_points, greeting.scale_labels, greeting.fail_values) == (
        3,
        ["Missing", "Generic", "Personal"],
        [2],
    )
    assert (verified.scale_kind, verified.fail_values, verified.critical) == ("binary", [0], True)
    assert verified.na_allowed
    assert (resolution.scale_ordered, resolution.fail_values) == (False, [0])
    assert (str(resolution.weight), resolution.is_active) == ("2.50", False)
    assert [c.position for c in (greeting, verified, resolution)] == [0, 1, 2]


def test_json_accepts_a_single_scorecard_object():
    team = TeamFactory()
    payload = {
        "name": "Chat QA",
        "criteria": [{"name": "Tone", "scale": "numeric", "points": 4, "fail_values": [1]}],
    }

    result = import_scorecards(team=team, data=json.dumps(payload).encode(), fmt="json")

    assert result.created == ["Chat QA"]
    tone = Criterion.objects.get(version__scorecard__team=team)
    assert (tone.scale_points, tone.fail_values, str(tone.weight)) == (4, [1], "1.00")


# --- errors: every one, with its row and column; nothing written ------------------------------


@pytest.mark.parametrize(
    ("bad_row", "column", "message"),
    [
        (row(scale="stars"), "scale", "Unknown scale 'stars'"),
        (row(scale=""), "scale", "the scale is empty"),
        (row(points="11"), "points", "from 2 to 10 (got 11)"),
        (row(points="three"), "points", "not a whole number"),
        (row(points=""), "points", "needs a number of points"),
        (row(points="3", labels="a|b"), "labels", "one label per point (3)"),
        (row(scale="labels", points="", labels="Only", fail=""), "labels", "at least two"),
        (row(fail="7"), "fail_values", "'7' is not a whole number from 1 to 5"),
        (row(scale="binary", points="", fail="pass"), "fail_values", "only “fail”"),
        (row(weight="-1"), "weight", "zero or more"),
        (row(weight="heavy"), "weight", "'heavy' is not a number"),
        (row(critical="maybe"), "critical", "'maybe' is not yes or no"),
        (row(active="si"), "active", "'si' is not yes or no"),
        (row(criterion=""), "criterion", "the criterion name is empty"),
        (row(scorecard=""), "scorecard", "the scorecard name is empty"),
        (row(scorecard="x" * 201), "scorecard", "longer than 200 characters"),
        (row(group="g" * 121), "group", "longer than 120 characters"),
    ],
)
def test_csv_errors_name_row_column_and_reason_and_write_nothing(bad_row, column, message):
    team = TeamFactory()
    data = csv_file(row("Greeting"), bad_row)

    errors = errors_of(team, data)

    assert len(errors) == 1
    assert errors[0][:2] == (3, column)
    assert message in errors[0][2]
    assert not Scorecard.objects.filter(team=team).exists()


def test_csv_missing_required_column_is_reported_on_the_header_row():
    header = HEADER.replace("scale,", "")
    data = csv_file("Support QA,,Tone,,,,5,,,1,no,1,no,yes", header=header)

    assert errors_of(TeamFactory(), data) == [
        (1, "scale", "missing column (the header row must name it)")
    ]


def test_csv_duplicate_criterion_within_a_scorecard_points_to_the_first():
    data = csv_file(row("Tone"), row("Empathy"), row("tone"))

    assert errors_of(TeamFactory(), data) == [
        (4, "criterion", "duplicate criterion “tone” in scorecard “Support QA” (first at row 2)")
    ]


def test_every_bad_row_is_reported_at_once():
    data = csv_file(row(points="1"), row("Good"), row("Bad weight", weight="x"), row("", fail="9"))

    errors = errors_of(TeamFactory(), data)

    assert [(r, column) for r, column, _ in errors] == [
        (2, "points"),
        (4, "weight"),
        (5, "criterion"),
        (5, "fail_values"),
    ]


def test_json_errors_locate_the_scorecard_record_and_criterion():
    payload = {
        "scorecards": [
            {"name": "Good", "criteria": [{"name": "Tone", "scale": "binary"}]},
            {
                "name": "Bad",
                "criteria": [
                    {"name": "Tone", "scale": "numeric", "points": 12},
                    {"name": "Empathy", "scale": "labels", "labels": ["A", "B"], "ordered": "x"},
                    "not an object",
                ],
            },
            {"criteria": "none"},
            {"name": "good", "criteria": []},
        ]
    }

    errors = errors_of(TeamFactory(), json.dumps(payload).encode(), fmt="json")

    assert [(r, column) for r, column, _ in errors] == [
        (2, "criteria[1].points"),
        (2, "criteria[2].ordered"),
        (2, "criteria[3]"),
        (3, "name"),
        (3, "criteria"),
        (4, "name"),
    ]
    assert "also record 1" in errors[-1][2]


def test_json_that_cannot_be_read_is_reported():
    errors = errors_of(TeamFactory(), b'{"scorecards": [', fmt="json")

    assert "could not be read" in errors[0][2]


def test_one_bad_scorecard_stops_the_whole_import():
    team = TeamFactory()
    services.scorecard_create(team=team, name="Existing")
    before = snapshot(team)
    good = {"name": "Existing", "criteria": [{"name": "New", "scale": "binary"}]}
    bad = {"name": "Other", "criteria": [{"name": "Tone", "scale": "numeric"}]}

    errors = errors_of(team, json.dumps([good, bad]).encode(), fmt="json")

    assert errors[0][:2] == (2, "criteria[1].points")
    assert snapshot(team) == before


def test_a_file_larger_than_the_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 100
    team = TeamFactory()

    errors = errors_of(team, csv_file(row("Tone"), row("Empathy")))

    assert "too large" in errors[0][2]
    assert not Scorecard.objects.filter(team=team).exists()


def test_unknown_format_is_refused():
    assert "Unknown format" in errors_of(TeamFactory(), b"x", fmt="xlsx")[0][2]


# --- updating existing scorecards --------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing():
    team = TeamFactory()
    data = csv_file(row("Tone"), row("Empathy"))
    import_scorecards(team=team, data=data, fmt="csv")
    before = snapshot(team)

    result = import_scorecards(team=team, data=data, fmt="csv")

    assert result.unchanged == ["Support QA"]
    assert snapshot(team) == before


def test_reimport_over_a_locked_version_starts_a_new_version_with_the_changes():
    team = TeamFactory()
    import_scorecards(team=team, data=csv_file(row("Tone"), row("Greeting")), fmt="csv")
    scorecard = Scorecard.objects.get(team=team)
    v1 = scorecard.versions.get()
    services.scorecard_version_lock(version=v1)
    tone_key = v1.criteria.get(name="Tone").key

    result = import_scorecards(
        team=team,
        data=csv_file(row("Empathy"), row("Tone", scale="binary", points="", fail="")),
        fmt="csv",
    )

    v2 = scorecard.versions.get(number=2)
    assert result.updated == ["Support QA"]
    assert v2.changes == [
        "Added “Empathy”",
        "“Tone”: scale 1–5 → Pass / fail",
        "Retired “Greeting”",
    ]
    assert v2.criteria.get(name="Tone").key == tone_key
    assert not v2.criteria.get(name="Greeting").is_active
    assert v1.criteria.get(name="Tone").scale_kind == ScaleKind.NUMERIC


def test_reimport_over_an_unlocked_version_edits_it_in_place():
    team = TeamFactory()
    import_scorecards(team=team, data=csv_file(row("Tone")), fmt="csv")

    import_scorecards(team=team, data=csv_file(row("Tone", weight="2")), fmt="csv")

    version = Scorecard.objects.get(team=team).versions.get()
    assert version.changes == ["Created", "“Tone”: weight 1 → 2"]


def test_only_the_description_changing_updates_without_a_new_version():
    team = TeamFactory()
    payload = {"name": "Chat QA", "description": "Old", "criteria": []}
    import_scorecards(team=team, data=json.dumps(payload).encode(), fmt="json")

    payload["description"] = "New"
    result = import_scorecards(team=team, data=json.dumps(payload).encode(), fmt="json")

    scorecard = Scorecard.objects.get(team=team)
    assert result.updated == ["Chat QA"]
    assert scorecard.description == "New"
    assert scorecard.versions.count() == 1


def test_import_into_one_team_leaves_another_teams_scorecard_of_that_name_alone():
    team, other = TeamFactory(), TeamFactory()
    import_scorecards(team=other, data=csv_file(row("Tone")), fmt="csv")
    before = snapshot(other)

    result = import_scorecards(team=team, data=csv_file(row("Empathy")), fmt="csv")

    assert result.created == ["Support QA"]
    assert snapshot(other) == before


# --- round trip --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_into_another_team_gives_the_same_data(fmt):
    source, target = TeamFactory(), TeamFactory()
    import_scorecards(team=source, data=(EXAMPLES / "scorecard.json").read_bytes(), fmt="json")
    import_scorecards(
        team=source,
        data=csv_file(
            row("Tone", description='Says "hi", then, more', weight="0.25"),
            row("Gone", active="no", scale="labels", points="", labels="Yes, fully|No", fail="No"),
        ),
        fmt="csv",
    )

    exported = export_scorecards(team=source, fmt=fmt)
    result = import_scorecards(team=target, data=exported, fmt=fmt)

    assert sorted(result.created) == ["Email & chat support", "Support QA"]
    assert [entry[:2] + entry[3:] for entry in snapshot(target)] == [
        entry[:2] + entry[3:] for entry in snapshot(source)
    ]
    assert import_scorecards(team=source, data=exported, fmt=fmt).updated == []


def test_export_can_be_limited_to_some_scorecards():
    team = TeamFactory()
    import_scorecards(team=team, data=csv_file(row("Tone")), fmt="csv")
    other = services.scorecard_create(team=team, name="Other")

    payload = json.loads(export_scorecards(team=team, fmt="json", scorecard_ids=[other.pk]))

    assert payload == {"scorecards": [{"name": "Other", "description": "", "criteria": []}]}


# --- QA fixes ------------------------------------------------------------------------------------


def test_a_critical_criterion_without_fail_values_is_a_row_error():
    team = TeamFactory()

    errors = errors_of(team, csv_file(row(fail="", critical="yes")))

    assert errors == [
        (2, "fail_values", "A critical criterion needs at least one value that counts as a fail.")
    ]
    assert not Scorecard.objects.filter(team=team).exists()


def test_a_bad_row_and_a_later_duplicate_of_its_name_are_both_reported():
    team = TeamFactory()

    errors = errors_of(
        team,
        csv_file(
            row("C3", scale="labels", points="", labels="Only", fail=""),
            row("c3", "binary", "", fail=""),
        ),
    )

    assert [(line, column) for line, column, _ in errors] == [(2, "labels"), (3, "criterion")]
    assert "duplicate criterion “c3”" in errors[1][2]


def test_a_scorecard_without_criteria_survives_a_csv_round_trip():
    source, target = TeamFactory(), TeamFactory()
    services.scorecard_create(team=source, name="Empty one", description="To be filled")

    exported = export_scorecards(team=source, fmt="csv")
    result = import_scorecards(team=target, data=exported, fmt="csv")

    assert result.created == ["Empty one"]
    scorecard = Scorecard.objects.get(team=target)
    assert scorecard.description == "To be filled"
    assert not Criterion.objects.filter(version__scorecard=scorecard).exists()
    assert export_scorecards(team=target, fmt="csv") == exported
