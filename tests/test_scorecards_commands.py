import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from scorecards.models import Scorecard

from .factories import TeamFactory

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "scorecard.csv"


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_uses_the_only_team_and_prints_the_summary():
    team = TeamFactory(name="Support")

    out, _ = run("import_scorecard", str(EXAMPLE))

    assert "Support: 1 scorecard: 1 created (Email & chat support)" in out
    assert Scorecard.objects.filter(team=team).count() == 1


def test_import_again_reports_unchanged():
    TeamFactory()
    run("import_scorecard", str(EXAMPLE))

    out, _ = run("import_scorecard", str(EXAMPLE))

    assert "1 unchanged (Email & chat support)" in out


def test_import_needs_a_team_name_when_there_are_several():
    TeamFactory(name="Support")
    TeamFactory(name="Sales")

    with pytest.raises(CommandError, match=r"several teams.*Sales, Support"):
        run("import_scorecard", str(EXAMPLE))


def test_import_into_the_named_team():
    TeamFactory(name="Support")
    sales = TeamFactory(name="Sales")

    run("import_scorecard", str(EXAMPLE), "--team", "sales")

    assert list(Scorecard.objects.values_list("team", flat=True)) == [sales.pk]


def test_import_of_an_unknown_team_fails():
    TeamFactory(name="Support")

    with pytest.raises(CommandError, match="No team is called “Nope”"):
        run("import_scorecard", str(EXAMPLE), "--team", "Nope")


def test_import_errors_are_printed_with_rows_and_nothing_is_written(tmp_path):
    team = TeamFactory()
    bad = tmp_path / "bad.csv"
    bad.write_text("scorecard,criterion,scale,points\nQA,Tone,numeric,5\nQA,Empathy,numeric,12\n")
    err = StringIO()

    with pytest.raises(CommandError, match=r"row 3.*Nothing was imported"):
        call_command("import_scorecard", str(bad), stderr=err, stdout=StringIO())

    assert "row 3, column 'points': Points must be from 2 to 10 (got 12)" in err.getvalue()
    assert not Scorecard.objects.filter(team=team).exists()


def test_import_of_a_missing_file_fails(tmp_path):
    TeamFactory()

    with pytest.raises(CommandError, match="File not found"):
        run("import_scorecard", str(tmp_path / "nope.csv"))


def test_export_writes_json_to_stdout_and_csv_to_a_file(tmp_path):
    TeamFactory()
    run("import_scorecard", str(EXAMPLE))
    target = tmp_path / "out.csv"

    out, _ = run("export_scorecards")
    run("export_scorecards", "--format", "csv", "--output", str(target))

    assert json.loads(out)["scorecards"][0]["name"] == "Email & chat support"
    assert target.read_bytes() == EXAMPLE.read_bytes()
