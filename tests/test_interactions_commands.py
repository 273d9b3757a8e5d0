import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from interactions.models import Interaction

from .factories import InteractionFactory, MessageFactory, TeamFactory

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_into_the_only_team_prints_the_summary():
    team = TeamFactory(name="Support EU")

    out, _ = run("import_interactions", str(EXAMPLES / "interactions.csv"))

    assert "Support EU: 4 interactions read: 4 created, 0 updated, 0 unchanged." in out
    assert Interaction.objects.filter(team=team).count() == 4


def test_import_needs_a_team_name_when_there_are_several():
    TeamFactory(name="Support EU")
    TeamFactory(name="Support US")

    with pytest.raises(CommandError, match="several teams: choose one with --team"):
        run("import_interactions", str(EXAMPLES / "interactions.json"))

    assert not Interaction.objects.exists()


def test_import_into_a_named_team_case_insensitively():
    TeamFactory(name="Support EU")
    us = TeamFactory(name="Support US")

    run("import_interactions", str(EXAMPLES / "interactions.json"), "--team", "support us")

    assert Interaction.objects.filter(team=us).count() == 4
    assert Interaction.objects.count() == 4


def test_import_of_an_unknown_team_fails():
    TeamFactory(name="Support EU")

    with pytest.raises(CommandError, match="No team is called 'Nope'"):
        run("import_interactions", str(EXAMPLES / "interactions.json"), "--team", "Nope")


def test_import_errors_are_printed_with_row_numbers_and_nothing_is_written(tmp_path):
    team = TeamFactory()
    path = tmp_path / "bad.csv"
    path.write_text("external_id,channel,occurred_at\nA,chat,\nB,fax,\nC,email,someday\n")
    err = io.StringIO()

    with pytest.raises(CommandError, match="Nothing was imported: 2 problems"):
        call_command("import_interactions", str(path), stdout=io.StringIO(), stderr=err)

    assert "row 3, column 'channel': Unknown channel 'fax'" in err.getvalue()
    assert "row 4, column 'occurred_at': cannot read 'someday'" in err.getvalue()
    assert not Interaction.objects.filter(team=team).exists()


def test_import_of_a_missing_file_fails_clearly(tmp_path):
    TeamFactory()

    with pytest.raises(CommandError, match="File not found"):
        run("import_interactions", str(tmp_path / "nope.json"))


def test_import_refuses_a_too_large_file(settings):
    TeamFactory()
    settings.IMPORT_MAX_BYTES = 100

    with pytest.raises(CommandError):
        run("import_interactions", str(EXAMPLES / "interactions.json"))

    assert not Interaction.objects.exists()


def test_export_json_to_standard_output():
    team = TeamFactory()
    interaction = InteractionFactory(team=team, external_id="ZD-1")
    MessageFactory(interaction=interaction, position=1, body="Grüße")

    out, _ = run("export_interactions")

    payload = json.loads(out)
    assert payload["interactions"][0]["external_id"] == "ZD-1"
    assert payload["interactions"][0]["messages"][0]["body"] == "Grüße"


def test_export_csv_to_a_file_then_import_it_elsewhere(tmp_path):
    source = TeamFactory(name="Source")
    run("import_interactions", str(EXAMPLES / "interactions.json"))
    target = TeamFactory(name="Target")
    path = tmp_path / "out.csv"

    run("export_interactions", "--team", "Source", "--output", str(path))
    out, _ = run("import_interactions", str(path), "--team", "Target")

    assert path.read_text().startswith("external_id,channel,")
    assert "4 created" in out
    assert (
        Interaction.objects.filter(team=target).count()
        == Interaction.objects.filter(team=source).count()
    )


def test_export_format_option_wins_over_the_extension(tmp_path):
    TeamFactory()
    path = tmp_path / "out.txt"

    run("export_interactions", "--format", "csv", "--output", str(path))

    assert path.read_text().startswith("external_id,channel,")
